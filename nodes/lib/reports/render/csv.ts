/**
 * CSV of a report (RFC 4180: comma-separated, CRLF line ends, a field with a comma, quote or line break quoted and
 * its quotes doubled). Text from the ledger (folder names, reasons) is attacker-controlled and ops open these files in
 * Excel: a text cell starting with = + - @ (or a tab or carriage return, which Excel skips before them) would be
 * run as a formula, so it is prefixed with an apostrophe (OWASP, "CSV Injection").
 */
import type { ErrorDigest, ItemEntry, NotMigratedReport, Report, WaveSummary } from '../model';

type Cell = string | number | boolean | null;

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: Cell): string {
	if (value === null) return '';
	let text = String(value);
	if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
	return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function table(header: readonly string[], rows: readonly Cell[][]): string {
	return [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

function waveCsv(report: WaveSummary): string {
	return table(
		[
			'user',
			'status',
			'reason',
			'items',
			'copied',
			'present',
			'skipped',
			'failed',
			'pending',
			'migrated',
			'not_migrated',
			'bytes',
			'bytes_migrated',
			'duration_seconds',
			'copy_runs',
			'verification',
			'verified_at',
			'differences',
			'routing',
			'resumes_at',
			'first_started_at',
			'last_finished_at',
			'source_account',
			'target_account',
			'ledger_account',
		],
		report.rows.map((row) => [
			row.user,
			row.status,
			row.reason,
			row.itemsTotal,
			row.items.copied,
			row.items.present,
			row.items.skipped,
			row.items.failed,
			row.items.pending,
			row.migrated,
			row.notMigrated,
			row.bytesTotal,
			row.bytesMigrated,
			row.durationSeconds,
			row.copyRuns,
			row.verification,
			row.verifiedAt,
			row.differences,
			row.routing,
			row.resumesAt,
			row.firstStartedAt,
			row.lastFinishedAt,
			row.sourceAccount,
			row.targetAccount,
			row.ledgerAccount,
		]),
	);
}

const ITEM_HEADER = [
	'user',
	'kind',
	'status',
	'code',
	'folder',
	'uid',
	'uid_validity',
	'size',
	'limit_bytes',
	'attempts',
	'reason',
	'message_id',
	'internal_date',
	'recorded_at',
	'ledger_account',
];

function itemCells(item: ItemEntry): Cell[] {
	return [
		item.user,
		item.kind,
		item.status,
		item.code,
		item.folder,
		item.uid,
		item.uidValidity,
		item.size,
		item.limitBytes,
		item.attempts,
		item.reason,
		item.messageId,
		item.internalDate,
		item.recordedAt,
		item.ledgerAccount,
	];
}

function notMigratedCsv(report: NotMigratedReport): string {
	return table(ITEM_HEADER, report.items.map(itemCells));
}

/** Mailboxes that could not start come first, as rows of kind `mailbox` without an item. */
function digestCsv(report: ErrorDigest): string {
	const runs: Cell[][] = report.failedRuns.map((run) => [
		run.user,
		'mailbox',
		'failed',
		null,
		null,
		null,
		null,
		null,
		null,
		null,
		run.reason,
		null,
		null,
		run.finishedAt,
		run.ledgerAccount,
	]);
	return table(ITEM_HEADER, [...runs, ...report.items.map(itemCells)]);
}

export function renderCsv(report: Report): string {
	switch (report.kind) {
		case 'waveSummary':
			return waveCsv(report);
		case 'notMigrated':
			return notMigratedCsv(report);
		case 'errorDigest':
			return digestCsv(report);
	}
}
