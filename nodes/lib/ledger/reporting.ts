/**
 * Migration-wide reads of the ledger for reports (lib/reports): every mailbox of a migration at once, aggregated by
 * the store itself so a million items and thousands of mailboxes are never loaded whole; item lists come in pages.
 * Plus the marks a report keeps of how far it has read (an error digest's "since the last digest").
 */
import type { ItemKey, ItemStatus, LedgerItem, RunRecord } from './types';

/** What the ledger holds for one ledger account (one source mailbox copied to one target) of a migration. */
export interface MailboxOverview {
	/** The ledger account, as in `MailboxKey.sourceAccount`. */
	sourceAccount: string;
	/** The source and target this account was bound for; null for records from before targets were bound. */
	binding: { sourceAccount: string; targetAccount: string } | null;
	items: Record<ItemStatus, number>;
	/** Source bytes of the items, by status. */
	bytes: Record<ItemStatus, number>;
	/** The newest run copying (full, delta) and the newest verifying this mailbox. */
	lastCopyRun: RunRecord | null;
	lastVerifyRun: RunRecord | null;
	copyRuns: number;
	/** The copy runs' durations as their summaries recorded them, summed. */
	copySeconds: number;
	/** ISO 8601: the first run's start, the last finished run's end (any mode). */
	firstStartedAt: string | null;
	lastFinishedAt: string | null;
}

/** The statuses of items that are not (or not known to be) in the target. */
export type NotMigratedStatus = Extract<ItemStatus, 'failed' | 'skipped' | 'pending'>;

export const NOT_MIGRATED_STATUSES: readonly NotMigratedStatus[] = ['failed', 'skipped', 'pending'];

export interface ItemPageQuery {
	/** Only these ledger accounts (default: every mailbox of the migration). */
	sourceAccounts?: readonly string[];
	/** At most this many (default: all). */
	limit?: number;
	/** The next page: items after this key, in key order. */
	after?: ItemKey;
}

/** Failures recorded in (since, until]: ISO 8601 times of the items' last update or the runs' end. */
export interface TimeWindow {
	/** Null: from the beginning. */
	since: string | null;
	until: string;
}

export interface NotMigratedCount {
	sourceAccount: string;
	status: NotMigratedStatus;
	/** True for items skipped for their size (see `OversizeRecord`). */
	oversize: boolean;
	count: number;
	bytes: number;
}

export interface ReportingStore {
	/** One overview per ledger account of the migration (or of `sourceAccounts`), in account order. */
	listMailboxOverviews(
		migrationId: string,
		sourceAccounts?: readonly string[],
	): Promise<MailboxOverview[]>;
	/** Items failed, skipped or still pending, in key order. */
	listNotMigrated(migrationId: string, query?: ItemPageQuery): Promise<LedgerItem[]>;
	/** Counts and bytes of those items per account, status and oversize, over all of them. */
	countNotMigrated(
		migrationId: string,
		sourceAccounts?: readonly string[],
	): Promise<NotMigratedCount[]>;
	/** Items whose last outcome is `failed`, recorded in the window, in key order. */
	listFailedItemsIn(
		migrationId: string,
		window: TimeWindow,
		query?: ItemPageQuery,
	): Promise<LedgerItem[]>;
	countFailedItemsIn(
		migrationId: string,
		window: TimeWindow,
		sourceAccounts?: readonly string[],
	): Promise<number>;
	/** Runs that ended `failed` (the mailbox could not start) in the window, oldest first. */
	listFailedRunsIn(
		migrationId: string,
		window: TimeWindow,
		sourceAccounts?: readonly string[],
	): Promise<RunRecord[]>;
	/** How far a report of this name last read, or null. */
	getReportMark(migrationId: string, report: string): Promise<ReportMark | null>;
	setReportMark(migrationId: string, report: string, mark: ReportMark): Promise<void>;
	/** Forgets a mark; false when there was none. */
	deleteReportMark(migrationId: string, report: string): Promise<boolean>;
}

/** How far a report read: up to `until` (ISO 8601), and what it already showed from just before (see lib/reports). */
export interface ReportMark {
	until: string;
	/** Opaque keys of records shown that a write committing late could still be mistaken for. */
	seen: string[];
}
