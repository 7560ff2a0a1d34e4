/**
 * The HTML of each report: totals first, then charts, then what needs attention (failures first), then the tables.
 * Numbers carry their exact value in `data-value`, so what a person reads can be checked against the ledger.
 */
import type { ItemStatus } from '../../ledger/types';
import type {
	ErrorDigest,
	ItemEntry,
	MailboxState,
	NotMigratedKind,
	NotMigratedReport,
	Report,
	ReportHeader,
	RoutingState,
	Verification,
	WaveRow,
	WaveSummary,
} from '../model';
import { MAILBOX_STATES, NOT_MIGRATED_KINDS } from '../model';
import {
	barChart,
	bytes,
	count,
	esc,
	page,
	percent,
	progressBar,
	seconds,
	stackedBar,
	tile,
	time,
} from './htmlParts';

const STATE_LABEL: Record<MailboxState, string> = {
	completed: 'Completed',
	completedWithErrors: 'Completed with errors',
	partial: 'Partial',
	paused: 'Paused',
	failed: 'Failed',
	notStarted: 'Not started',
};

const STATE_COLOR: Record<MailboxState, string> = {
	completed: '#2f9e44',
	completedWithErrors: '#e8590c',
	partial: '#f08c00',
	paused: '#1c7ed6',
	failed: '#c92a2a',
	notStarted: '#868e96',
};

const ITEM_LABEL: Record<ItemStatus, string> = {
	copied: 'Copied',
	present: 'Already there',
	skipped: 'Skipped',
	failed: 'Failed',
	pending: 'In doubt',
};

const ITEM_COLOR: Record<ItemStatus, string> = {
	copied: '#2f9e44',
	present: '#8ce99a',
	skipped: '#f08c00',
	failed: '#c92a2a',
	pending: '#adb5bd',
};

const KIND_LABEL: Record<NotMigratedKind, string> = {
	refused: 'Refused by the server',
	failed: 'Failed',
	oversize: 'Oversize',
	inDoubt: 'In doubt',
	excluded: 'Excluded',
};

const KIND_COLOR: Record<NotMigratedKind, string> = {
	refused: '#c92a2a',
	failed: '#e03131',
	oversize: '#f08c00',
	inDoubt: '#adb5bd',
	excluded: '#868e96',
};

const VERIFICATION: Record<Verification, [string, string]> = {
	verified: ['Verified', 'ok'],
	differences: ['Differences', 'bad'],
	outdated: ['Verified before the last copy', 'warn'],
	notVerified: ['Not verified', 'dim'],
};

const ROUTING: Record<RoutingState, [string, string]> = {
	switched: ['Switched', 'ok'],
	switching: ['Switching', 'warn'],
	rolledBack: ['Rolled back', 'bad'],
	notSwitched: ['Not switched', 'dim'],
	unknown: ['–', 'dim'],
};

function badge(state: MailboxState): string {
	return `<span class="badge" data-status="${state}" style="background:${STATE_COLOR[state]}">${esc(STATE_LABEL[state])}</span>`;
}

function num(value: number, shown = count(value)): string {
	return `<td class="num" data-value="${value}">${esc(shown)}</td>`;
}

function scopeOf(report: ReportHeader): string {
	const scope =
		report.users === null
			? 'all mailboxes'
			: `${count(report.users.length)} user${report.users.length === 1 ? '' : 's'} of the input`;
	return `Migration <b>${esc(report.migrationId)}</b> · ${esc(scope)} · generated ${esc(time(report.generatedAt))}`;
}

function waveRowHtml(row: WaveRow): string {
	const [verified, verifiedClass] = VERIFICATION[row.verification];
	const [routing, routingClass] = ROUTING[row.routing];
	const why = [row.reason, row.resumesAt ? `may go on from ${time(row.resumesAt)}` : null]
		.filter(Boolean)
		.join('; ');
	return `<tr data-user="${esc(row.user)}">
<td><div>${esc(row.user)}</div>${row.targetAccount ? `<div class="why">→ ${esc(row.targetAccount)}</div>` : ''}</td>
<td>${badge(row.status)}${why ? `<div class="why">${esc(why)}</div>` : ''}</td>
<td class="num progress-cell">${progressBar(row.migrated, row.notMigrated, row.itemsTotal)}${esc(percent(row.migrated, row.itemsTotal))}</td>
${num(row.migrated)}${num(row.itemsTotal)}${num(row.notMigrated)}
${num(row.bytesMigrated, bytes(row.bytesMigrated))}
${num(row.durationSeconds, seconds(row.durationSeconds))}
<td class="${verifiedClass}">${esc(verified)}${row.differences ? ` (${count(row.differences)})` : ''}</td>
<td class="${routingClass}">${esc(routing)}</td>
</tr>`;
}

function waveHtml(report: WaveSummary): string {
	const { totals } = report;
	const attention = report.rows.filter(
		(row) => row.status !== 'completed' && row.status !== 'notStarted',
	);
	const tiles = [
		tile(
			'users',
			'Mailboxes',
			totals.users,
			count(totals.users),
			`${count(totals.byStatus.completed)} completed`,
		),
		tile(
			'migrated',
			'Items migrated',
			totals.migrated,
			count(totals.migrated),
			`of ${count(totals.itemsTotal)} (${percent(totals.migrated, totals.itemsTotal)})`,
		),
		tile(
			'notMigrated',
			'Items not migrated',
			totals.notMigrated,
			count(totals.notMigrated),
			`${count(totals.items.failed)} failed, ${count(totals.items.skipped)} skipped`,
		),
		tile(
			'bytesMigrated',
			'Data migrated',
			totals.bytesMigrated,
			bytes(totals.bytesMigrated),
			`of ${bytes(totals.bytesTotal)}`,
		),
		tile(
			'verified',
			'Verified',
			totals.verified,
			count(totals.verified),
			`of ${count(totals.users)} mailboxes`,
		),
		tile(
			'routingSwitched',
			'Routing switched',
			totals.routingSwitched,
			count(totals.routingSwitched),
			`of ${count(totals.users)} mailboxes`,
		),
	].join('');
	const charts = `<section class="card charts">${stackedBar(
		'Mailboxes by status',
		MAILBOX_STATES.map((state) => ({
			label: STATE_LABEL[state],
			value: totals.byStatus[state],
			color: STATE_COLOR[state],
		})),
	)}${barChart(
		'Items by status',
		(['copied', 'present', 'skipped', 'failed', 'pending'] as const).map((status) => ({
			label: ITEM_LABEL[status],
			value: totals.items[status],
			color: ITEM_COLOR[status],
		})),
	)}</section>`;
	const attentionHtml = attention.length
		? `<section class="card" id="attention"><h2>Needs attention (${count(attention.length)})</h2><table><thead><tr><th>Mailbox</th><th>Status</th><th>Why</th></tr></thead><tbody>${attention
				.map(
					(row) =>
						`<tr><td>${esc(row.user)}</td><td>${badge(row.status)}</td><td class="why">${esc(row.reason ?? `${count(row.notMigrated)} items not migrated`)}</td></tr>`,
				)
				.join('')}</tbody></table></section>`
		: '';
	const table = `<section class="card"><h2>Mailboxes</h2><table id="mailboxes"><thead><tr><th>Mailbox</th><th>Status</th><th class="num">Progress</th><th class="num">Migrated</th><th class="num">Items</th><th class="num">Not migrated</th><th class="num">Data</th><th class="num">Duration</th><th>Verified</th><th>Routing</th></tr></thead><tbody>${report.rows
		.map(waveRowHtml)
		.join('\n')}</tbody></table></section>`;
	return page(
		'Wave summary',
		scopeOf(report),
		`<section class="tiles">${tiles}</section>${charts}${attentionHtml}${table}`,
	);
}

function itemRows(items: readonly ItemEntry[]): string {
	return items
		.map((item) => {
			const detail =
				item.kind === 'oversize'
					? `${bytes(item.size)} over ${item.limitBytes === null ? 'a limit the target did not announce' : `the limit of ${bytes(item.limitBytes)}`}`
					: item.code
						? `server code ${item.code}`
						: '';
			return `<tr><td>${esc(item.user)}</td><td><span class="badge" style="background:${KIND_COLOR[item.kind]}">${esc(KIND_LABEL[item.kind])}</span>${detail ? `<div class="why">${esc(detail)}</div>` : ''}</td><td class="mono">${esc(item.folder)}</td>${num(item.uid)}${num(item.size, bytes(item.size))}${num(item.attempts)}<td class="why">${esc(item.reason ?? '')}${item.messageId ? `<div class="mono">${esc(item.messageId)}</div>` : ''}</td></tr>`;
		})
		.join('\n');
}

const ITEM_TABLE_HEAD = `<thead><tr><th>Mailbox</th><th>Why</th><th>Folder</th><th class="num">UID</th><th class="num">Size</th><th class="num">Attempts</th><th>Reason</th></tr></thead>`;

function shownNote(shown: number, total: number): string {
	return shown < total
		? `<p class="note">The first ${count(shown)} of ${count(total)} are listed; the CSV and JSON hold the same list, the ledger all of them.</p>`
		: '';
}

function notMigratedHtml(report: NotMigratedReport): string {
	const { total } = report;
	const kinds = NOT_MIGRATED_KINDS.filter((kind) => kind !== 'refused') as Exclude<
		NotMigratedKind,
		'refused'
	>[];
	const tiles = [
		tile('items', 'Items not migrated', total.items, count(total.items), bytes(total.bytes)),
		...kinds.map((kind) =>
			tile(kind, KIND_LABEL[kind], total.byKind[kind], count(total.byKind[kind])),
		),
	].join('');
	const chart = `<section class="card">${barChart(
		'Not migrated, by reason',
		kinds.map((kind) => ({
			label: KIND_LABEL[kind],
			value: total.byKind[kind],
			color: KIND_COLOR[kind],
		})),
	)}</section>`;
	const groups = `<section class="card"><h2>By mailbox</h2><table id="groups"><thead><tr><th>Mailbox</th><th>Reason</th><th class="num">Items</th><th class="num">Size</th></tr></thead><tbody>${report.groups
		.map(
			(group) =>
				`<tr><td>${esc(group.user)}</td><td>${esc(KIND_LABEL[group.kind])}</td>${num(group.count)}${num(group.bytes, bytes(group.bytes))}</tr>`,
		)
		.join('')}</tbody></table></section>`;
	const items = `<section class="card"><h2>Items</h2><table id="items">${ITEM_TABLE_HEAD}<tbody>${itemRows(report.items)}</tbody></table>${shownNote(report.items.length, total.items)}</section>`;
	return page(
		'Not migrated',
		scopeOf(report),
		`<section class="tiles">${tiles}</section>${chart}${groups}${items}`,
	);
}

function digestHtml(report: ErrorDigest): string {
	const window = `${report.since ? `since ${time(report.since)}` : 'from the beginning'} up to ${time(report.until)}`;
	const tiles = [
		tile(
			'failedRuns',
			'Mailboxes that could not start',
			report.total.failedRuns,
			count(report.total.failedRuns),
		),
		tile('items', 'Items failed', report.total.items, count(report.total.items)),
	].join('');
	const runs = report.failedRuns.length
		? `<section class="card" id="failed-runs"><h2>Mailboxes that could not start</h2><table><thead><tr><th>Mailbox</th><th>Mode</th><th>When</th><th>Reason</th></tr></thead><tbody>${report.failedRuns
				.map(
					(run) =>
						`<tr><td>${esc(run.user)}</td><td>${esc(run.mode)}</td><td>${esc(time(run.finishedAt))}</td><td class="why">${esc(run.reason ?? '')}</td></tr>`,
				)
				.join('')}</tbody></table></section>`
		: '';
	const items = report.items.length
		? `<section class="card"><h2>Failed items</h2><table id="items">${ITEM_TABLE_HEAD}<tbody>${itemRows(report.items)}</tbody></table>${shownNote(report.items.length, report.total.items)}</section>`
		: '';
	const none =
		report.total.failedRuns + report.total.items === 0
			? `<section class="card"><p class="ok">No new failures.</p></section>`
			: '';
	return page(
		'Error digest',
		`${scopeOf(report)} · ${esc(window)}`,
		`<section class="tiles">${tiles}</section>${none}${runs}${items}`,
	);
}

export function renderHtml(report: Report): string {
	switch (report.kind) {
		case 'waveSummary':
			return waveHtml(report);
		case 'notMigrated':
			return notMigratedHtml(report);
		case 'errorDigest':
			return digestHtml(report);
	}
}
