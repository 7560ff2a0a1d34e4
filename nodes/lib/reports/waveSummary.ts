/** The wave summary: one row per mailbox of the migration (or of the input's users) with totals, from the ledger. */
import { ITEM_STATUSES, type ItemStatus, type LedgerStore } from '../ledger/types';
import {
	MAILBOX_STATES,
	type MailboxState,
	type WaveRow,
	type WaveSummary,
	type WaveTotals,
} from './model';
import { notStartedRow, waveRowOf } from './mailboxRows';
import { routingOf, routingStatesOf } from './routingStates';
import { scopedMailboxes } from './userScope';

export interface ReportRequest {
	migrationId: string;
	/** Only these users' mailboxes; null for the whole migration. */
	users: string[] | null;
	/** ISO 8601; the reports' clock (default: now). */
	now?: string;
}

const STATE_ORDER = new Map(MAILBOX_STATES.map((state, index) => [state, index]));

export async function buildWaveSummary(
	ledger: LedgerStore,
	request: ReportRequest,
): Promise<WaveSummary> {
	const { overviews, unknownUsers } = await scopedMailboxes(
		ledger,
		request.migrationId,
		request.users,
	);
	const routing = await routingStatesOf(ledger, request.migrationId);
	const rows = [
		...overviews.map((overview) => {
			const row = waveRowOf(overview, 'unknown');
			return { ...row, routing: routingOf(routing, row.user) };
		}),
		...unknownUsers.map((user) => notStartedRow(user, routingOf(routing, user))),
	].sort(
		(a, b) =>
			(STATE_ORDER.get(a.status) ?? 0) - (STATE_ORDER.get(b.status) ?? 0) ||
			a.user.localeCompare(b.user) ||
			(a.ledgerAccount ?? '').localeCompare(b.ledgerAccount ?? ''),
	);
	return {
		kind: 'waveSummary',
		migrationId: request.migrationId,
		generatedAt: request.now ?? new Date().toISOString(),
		users: request.users,
		totals: totalsOf(rows),
		rows,
	};
}

export function totalsOf(rows: readonly WaveRow[]): WaveTotals {
	const byStatus = Object.fromEntries(MAILBOX_STATES.map((state) => [state, 0])) as Record<
		MailboxState,
		number
	>;
	const items = Object.fromEntries(ITEM_STATUSES.map((status) => [status, 0])) as Record<
		ItemStatus,
		number
	>;
	const totals: WaveTotals = {
		users: rows.length,
		byStatus,
		items,
		itemsTotal: 0,
		migrated: 0,
		notMigrated: 0,
		bytesTotal: 0,
		bytesMigrated: 0,
		durationSeconds: 0,
		verified: 0,
		routingSwitched: 0,
	};
	for (const row of rows) {
		byStatus[row.status] += 1;
		for (const status of ITEM_STATUSES) items[status] += row.items[status];
		totals.itemsTotal += row.itemsTotal;
		totals.migrated += row.migrated;
		totals.notMigrated += row.notMigrated;
		totals.bytesTotal += row.bytesTotal;
		totals.bytesMigrated += row.bytesMigrated;
		totals.durationSeconds += row.durationSeconds;
		if (row.verification === 'verified') totals.verified += 1;
		if (row.routing === 'switched') totals.routingSwitched += 1;
	}
	totals.durationSeconds = Math.round(totals.durationSeconds * 10) / 10;
	return totals;
}
