/**
 * One wave-summary row from what the ledger holds of a mailbox: its status from the newest copy run (whose summary
 * keeps the engine's status, see migration/mailbox/mailboxReport `runSummaryOf`) and the item records, verified or
 * not from the newest Verify run.
 */
import type { MailboxOverview } from '../ledger/reporting';
import { ITEM_STATUSES, type ItemStatus, type RunRecord } from '../ledger/types';
import type { MailboxState, RoutingState, Verification, WaveRow } from './model';

/** The source mailbox of a ledger account: its bound source, or the account itself, less `@host:port`. */
export function mailboxOf(overview: MailboxOverview): string {
	const recorded =
		overview.lastCopyRun?.summary?.mailbox ?? overview.lastVerifyRun?.summary?.mailbox;
	if (typeof recorded === 'string' && recorded) return recorded;
	return loginOf(overview.binding?.sourceAccount ?? overview.sourceAccount);
}

/**
 * `alice@example.com@imap.example.com:993` → `alice@example.com` (accounts are login@host:port); a ledger account of
 * a further target (`<source> -> <target>`) names its source first.
 */
export function loginOf(ledgerAccount: string): string {
	const account = ledgerAccount.split(' -> ')[0];
	const at = account.lastIndexOf('@');
	return at > 0 && /^[^@\s]+:\d+$/.test(account.slice(at + 1)) ? account.slice(0, at) : account;
}

function summaryText(run: RunRecord | null, field: string): string | null {
	const value = run?.summary?.[field];
	return typeof value === 'string' ? value : null;
}

function summaryNumber(run: RunRecord | null, field: string): number | null {
	const value = run?.summary?.[field];
	return typeof value === 'number' ? value : null;
}

function copiedBy(run: RunRecord): number {
	const counts = run.summary?.counts as Record<string, unknown> | undefined;
	return typeof counts?.copied === 'number' ? counts.copied : 0;
}

interface StateOf {
	status: MailboxState;
	reason: string | null;
}

export function stateOf(overview: MailboxOverview): StateOf {
	const run = overview.lastCopyRun;
	const { items } = overview;
	const recorded = Object.values(items).some((count) => count > 0);
	if (!run) {
		return recorded
			? { status: 'partial', reason: 'items recorded, but no copy run' }
			: { status: 'notStarted', reason: null };
	}
	const engineStatus = summaryText(run, 'status');
	const reason = summaryText(run, 'reason');
	if (run.status === 'running') {
		return {
			status: 'partial',
			reason: 'a run is in progress, or ended without recording its end',
		};
	}
	if (run.status === 'failed' || engineStatus === 'failed') return { status: 'failed', reason };
	if (engineStatus === 'paused') return { status: 'paused', reason };
	if (run.status === 'aborted' || engineStatus === 'locked') {
		return { status: 'partial', reason: reason ?? 'stopped before its end' };
	}
	if (items.pending > 0) {
		return {
			status: 'partial',
			reason: `${items.pending} items in doubt; the next run checks them`,
		};
	}
	const unfinished = summaryNumber(run, 'unfinishedFolders');
	// Files from before runs recorded unfinished folders: a run with errors but no failed item left work behind.
	const leftWork =
		unfinished === null
			? run.status === 'completedWithErrors' && items.failed === 0
			: unfinished > 0;
	if (leftWork) return { status: 'partial', reason: reason ?? 'folders left for the next run' };
	if (items.failed + items.skipped > 0) return { status: 'completedWithErrors', reason };
	return { status: 'completed', reason: null };
}

export function verificationOf(overview: MailboxOverview): {
	verification: Verification;
	verifiedAt: string | null;
	differences: number | null;
} {
	const verify = overview.lastVerifyRun;
	if (!verify || verify.status === 'running') {
		return { verification: 'notVerified', verifiedAt: null, differences: null };
	}
	const differences = summaryNumber(verify, 'differences');
	const missing = summaryNumber(verify, 'missing');
	const verifiedAt = verify.finishedAt;
	// Runs that say what is missing: every source item is in the target and every folder was compared. Extra mail
	// (delivered to the new mailbox once routing switched) and flags changed there since are no source mail missing.
	// Older runs kept only the number of differences.
	const clean =
		missing === null
			? verify.status === 'completed' && (differences ?? 0) === 0
			: ['completed', 'partial'].includes(String(verify.summary?.status)) &&
				missing === 0 &&
				(summaryNumber(verify, 'unfinishedFolders') ?? 0) === 0;
	if (!clean) return { verification: 'differences', verifiedAt, differences };
	const copy = overview.lastCopyRun;
	// A copy run after the Verify that copied more makes the verification out of date.
	const outdated = copy !== null && copy.startedAt > verify.startedAt && copiedBy(copy) > 0;
	return {
		verification: outdated ? 'outdated' : 'verified',
		verifiedAt,
		differences: differences ?? 0,
	};
}

function sum(items: Record<ItemStatus, number>, statuses: readonly ItemStatus[]): number {
	return statuses.reduce((total, status) => total + items[status], 0);
}

export function waveRowOf(overview: MailboxOverview, routing: RoutingState): WaveRow {
	const { status, reason } = stateOf(overview);
	const run = overview.lastCopyRun;
	return {
		user: mailboxOf(overview),
		ledgerAccount: overview.sourceAccount,
		sourceAccount: overview.binding?.sourceAccount ?? overview.sourceAccount,
		targetAccount: overview.binding?.targetAccount ?? null,
		status,
		reason,
		resumesAt: status === 'paused' ? summaryText(run, 'resumesAt') : null,
		items: { ...overview.items },
		itemsTotal: sum(overview.items, ITEM_STATUSES),
		migrated: sum(overview.items, ['copied', 'present']),
		notMigrated: sum(overview.items, ['failed', 'skipped', 'pending']),
		bytesTotal: sum(overview.bytes, ITEM_STATUSES),
		bytesMigrated: sum(overview.bytes, ['copied', 'present']),
		durationSeconds: Math.round(overview.copySeconds * 10) / 10,
		copyRuns: overview.copyRuns,
		firstStartedAt: overview.firstStartedAt,
		lastFinishedAt: overview.lastFinishedAt,
		...verificationOf(overview),
		routing,
	};
}

/** A user of the input the ledger knows nothing of. */
export function notStartedRow(user: string, routing: RoutingState): WaveRow {
	const zero = Object.fromEntries(ITEM_STATUSES.map((status) => [status, 0])) as Record<
		ItemStatus,
		number
	>;
	return {
		user,
		ledgerAccount: null,
		sourceAccount: null,
		targetAccount: null,
		status: 'notStarted',
		reason: null,
		resumesAt: null,
		items: zero,
		itemsTotal: 0,
		migrated: 0,
		notMigrated: 0,
		bytesTotal: 0,
		bytesMigrated: 0,
		durationSeconds: 0,
		copyRuns: 0,
		firstStartedAt: null,
		lastFinishedAt: null,
		verification: 'notVerified',
		verifiedAt: null,
		differences: null,
		routing,
	};
}
