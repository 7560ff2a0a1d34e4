/**
 * What the reports hold, as plain data: built from the ledger alone (never from one run's memory), cumulative over
 * every run of a migration, and rendered as HTML, CSV or JSON from these shapes only.
 */
import type { ItemStatus } from '../ledger/types';

/**
 * `completed`: every item is in the target. `completedWithErrors`: the last run went through every folder, some items
 * are not migrated (refused, failed, oversize). `partial`: the last run left work (folders not finished, items in
 * doubt, or it was interrupted). `paused`: a stop condition or a target not ready held it. `failed`: it could not
 * start (login, listing). `notStarted`: the ledger has no run of it.
 */
export type MailboxState =
	'completed' | 'completedWithErrors' | 'partial' | 'paused' | 'failed' | 'notStarted';

/** Worst first: the order the summary lists mailboxes in. */
export const MAILBOX_STATES: readonly MailboxState[] = [
	'failed',
	'partial',
	'paused',
	'completedWithErrors',
	'notStarted',
	'completed',
];

/**
 * From the newest Verify run: `verified` (no source item missing and every folder compared; mail that reached the
 * target after the switch and flags changed there are counted in `differences` but verify nothing away),
 * `differences`, `outdated` (verified, then a copy run copied more), `notVerified`.
 */
export type Verification = 'verified' | 'differences' | 'outdated' | 'notVerified';

/** From the routing snapshots Set Routing records; `unknown` when the ledger keeps none. */
export type RoutingState = 'switched' | 'switching' | 'rolledBack' | 'notSwitched' | 'unknown';

export interface WaveRow {
	/** The source mailbox (its login), or the input's user for a mailbox the ledger does not know. */
	user: string;
	/** The ledger's name for the mailbox's records; null when not started. */
	ledgerAccount: string | null;
	sourceAccount: string | null;
	targetAccount: string | null;
	status: MailboxState;
	/** Why it is paused, partial or failed, as the last run recorded it. */
	reason: string | null;
	resumesAt: string | null;
	items: Record<ItemStatus, number>;
	itemsTotal: number;
	/** Copied by us or found in the target. */
	migrated: number;
	/** Failed, skipped (oversize, excluded) or pending. */
	notMigrated: number;
	bytesTotal: number;
	bytesMigrated: number;
	/** Seconds the copy runs took, summed over every run. */
	durationSeconds: number;
	copyRuns: number;
	firstStartedAt: string | null;
	lastFinishedAt: string | null;
	verification: Verification;
	verifiedAt: string | null;
	/** Differences the newest Verify run found (null when never verified). */
	differences: number | null;
	routing: RoutingState;
}

export interface WaveTotals {
	users: number;
	byStatus: Record<MailboxState, number>;
	items: Record<ItemStatus, number>;
	itemsTotal: number;
	migrated: number;
	notMigrated: number;
	bytesTotal: number;
	bytesMigrated: number;
	durationSeconds: number;
	verified: number;
	routingSwitched: number;
}

export interface ReportHeader {
	migrationId: string;
	/** ISO 8601. */
	generatedAt: string;
	/** The users the report was filtered to, or null for the whole migration. */
	users: string[] | null;
}

export interface WaveSummary extends ReportHeader {
	kind: 'waveSummary';
	totals: WaveTotals;
	/** Worst status first, then by user. */
	rows: WaveRow[];
}

/**
 * `oversize`: over the target's size limit (size and limit given). `refused`: the server refused it with a response
 * code. `failed`: failed without a code (a read error, a refusal without code). `inDoubt`: its APPEND may or may not
 * have arrived; the next run checks. `excluded`: skipped for another reason.
 */
export type NotMigratedKind = 'oversize' | 'refused' | 'failed' | 'inDoubt' | 'excluded';

export const NOT_MIGRATED_KINDS: readonly NotMigratedKind[] = [
	'refused',
	'failed',
	'oversize',
	'inDoubt',
	'excluded',
];

export interface ItemEntry {
	user: string;
	ledgerAccount: string;
	folder: string;
	uidValidity: number;
	uid: number;
	messageId: string | null;
	size: number;
	internalDate: string;
	status: Extract<ItemStatus, 'failed' | 'skipped' | 'pending'>;
	kind: NotMigratedKind;
	/** The server's response code, e.g. TOOBIG, OVERQUOTA. */
	code: string | null;
	/** Oversize: the limit it was refused against (null: the target did not announce one). */
	limitBytes: number | null;
	/** Copy attempts the ledger counted. */
	attempts: number;
	reason: string | null;
	/** ISO 8601, when the ledger last recorded it. */
	recordedAt: string;
}

/** Counts over every not-migrated item (not only those listed). */
export interface NotMigratedGroup {
	user: string;
	ledgerAccount: string;
	/** `failed` here counts refused and failed items together; the listed items tell them apart. */
	kind: Exclude<NotMigratedKind, 'refused'>;
	count: number;
	bytes: number;
}

export type NotMigratedSort = 'mailbox' | 'size' | 'attempts' | 'kind';

export interface NotMigratedReport extends ReportHeader {
	kind: 'notMigrated';
	total: {
		items: number;
		bytes: number;
		byKind: Record<Exclude<NotMigratedKind, 'refused'>, number>;
	};
	groups: NotMigratedGroup[];
	/** At most the requested number, in the chosen order; `truncated` when there are more. */
	items: ItemEntry[];
	truncated: boolean;
	sortedBy: NotMigratedSort;
}

export interface FailedRunEntry {
	user: string;
	ledgerAccount: string;
	runId: string;
	mode: string;
	startedAt: string;
	finishedAt: string | null;
	reason: string | null;
}

export interface ErrorDigest extends ReportHeader {
	kind: 'errorDigest';
	/** The window read: failures recorded after `since` (null: from the beginning) up to `until`. */
	since: string | null;
	until: string;
	/** Mailboxes that could not start, then items that failed. */
	failedRuns: FailedRunEntry[];
	items: ItemEntry[];
	total: { failedRuns: number; items: number };
	truncated: boolean;
	/** With a pending mark: what acknowledges this digest (moves its mark) once it was delivered; else null. */
	markToken: string | null;
}

export type Report = WaveSummary | NotMigratedReport | ErrorDigest;
