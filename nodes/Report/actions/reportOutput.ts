/**
 * A report as n8n items: one summary item (headline, totals, the HTML, the files attached) that a Send Email node can
 * send as it is, or one item per row for nodes that act on each mailbox or item.
 */
import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	IPairedItemData,
} from 'n8n-workflow';

import { headlineOf, renderCsv, renderHtml, renderJson, type Report } from '../../lib/reports';

const FILES = {
	html: { fileName: 'report.html', mimeType: 'text/html', render: renderHtml },
	csv: { fileName: 'report.csv', mimeType: 'text/csv', render: renderCsv },
	json: { fileName: 'report.json', mimeType: 'application/json', render: renderJson },
} as const;

type FileKind = keyof typeof FILES;

/** What the summary item says besides the files: the headline and the report's totals, without its long lists. */
function summaryJson(report: Report): IDataObject {
	const common = {
		report: report.kind,
		migrationId: report.migrationId,
		generatedAt: report.generatedAt,
		headline: headlineOf(report),
		users: report.users,
	};
	switch (report.kind) {
		case 'waveSummary':
			return {
				...common,
				totals: report.totals,
				needsAttention: report.rows
					.filter((row) => row.status !== 'completed' && row.status !== 'notStarted')
					.map((row) => row.user),
			} as unknown as IDataObject;
		case 'notMigrated':
			return {
				...common,
				total: report.total,
				listed: report.items.length,
				truncated: report.truncated,
			} as unknown as IDataObject;
		case 'errorDigest':
			return {
				...common,
				since: report.since,
				until: report.until,
				total: report.total,
				listed: report.items.length,
				truncated: report.truncated,
				...(report.markToken ? { digestMark: report.markToken } : {}),
			} as unknown as IDataObject;
	}
}

export async function summaryItem(
	context: IExecuteFunctions,
	report: Report,
	files: readonly string[],
	htmlField: boolean,
	pairedItem: IPairedItemData[],
): Promise<INodeExecutionData> {
	const json = summaryJson(report);
	const rendered = new Map<FileKind, string>();
	const textOf = (kind: FileKind) => {
		if (!rendered.has(kind)) rendered.set(kind, FILES[kind].render(report));
		return rendered.get(kind) as string;
	};
	if (htmlField) json.html = textOf('html');
	const binary: INodeExecutionData['binary'] = {};
	for (const kind of Object.keys(FILES) as FileKind[]) {
		if (!files.includes(kind)) continue;
		const { fileName, mimeType } = FILES[kind];
		binary[kind] = await context.helpers.prepareBinaryData(
			Buffer.from(textOf(kind), 'utf8'),
			fileName,
			mimeType,
		);
	}
	return { json, ...(Object.keys(binary).length ? { binary } : {}), pairedItem };
}

/** Rows paired with the input item of their user where there is one, else with every input item. */
export function rowItems(
	report: Report,
	itemOfUser: Map<string, number>,
	allItems: IPairedItemData[],
): INodeExecutionData[] {
	const pairOf = (user: string) => {
		const index = itemOfUser.get(user.toLowerCase());
		return index === undefined ? allItems : [{ item: index }];
	};
	const base = { report: report.kind, migrationId: report.migrationId };
	const rows: { user: string }[] =
		report.kind === 'waveSummary'
			? report.rows
			: report.kind === 'notMigrated'
				? report.items
				: [...report.failedRuns.map((run) => ({ ...run, kind: 'mailbox' })), ...report.items];
	return rows.map((row) => ({
		json: { ...base, ...(row as unknown as IDataObject) },
		pairedItem: pairOf(row.user),
	}));
}
