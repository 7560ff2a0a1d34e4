/**
 * The item ledger: the history of what was migrated, one record per source item. Message content and passwords are
 * never stored, only what identifies an item and where it went. Every store (SQLite now, PostgreSQL later for queue
 * mode) implements `LedgerStore`, so the engine never sees SQL or connection details.
 */
import type { ProvisionedAccounts } from './provisionedAccounts';

import type { RoutingSnapshotStore } from './routingSnapshots';

/**
 * `pending`: an APPEND is about to be (or was) sent and its outcome is unknown, so probe the target before copying again.
 * `copied`: appended by us. `present`: found already in the target, not copied. `skipped`: deliberately not copied
 * (oversize, excluded). `failed`: tried and refused, `reason` says why.
 */
export type ItemStatus = 'pending' | 'copied' | 'present' | 'skipped' | 'failed';

export const ITEM_STATUSES: readonly ItemStatus[] = [
	'pending',
	'copied',
	'present',
	'skipped',
	'failed',
];

export type OutcomeStatus = Exclude<ItemStatus, 'pending'>;

export interface MailboxKey {
	migrationId: string;
	/**
	 * The ledger's name for one source mailbox copied to one target (see `bindMailboxTarget`): the source's login plus
	 * host, e.g. `alice@imap.example.com:993`, for its first target; `<source> -> <target>` for every further one.
	 */
	sourceAccount: string;
}

export interface FolderKey extends MailboxKey {
	/** The raw source folder name, as the server lists it. */
	sourceFolder: string;
}

/** A UID means nothing without its UIDVALIDITY, so both are always part of an item's identity. */
export interface ItemKey extends FolderKey {
	uidValidity: number;
	uid: number;
}

/** What the engine knows about a source item when it records it. */
export interface ItemFacts {
	messageId: string | null;
	size: number;
	/** ISO 8601. */
	internalDate: string;
	/** sha256 hex of the raw bytes; null until the bytes were fetched. A null never erases a known fingerprint. */
	fingerprint: string | null;
	targetFolder: string;
	/** Space-joined flags as last synced to the target. */
	flags: string;
	/** Source MODSEQ at the last sync, as a decimal string (it is 63-bit). */
	modseq: string | null;
}

/** Written before the APPEND is sent (write-ahead). */
export interface ItemIntent extends ItemKey, ItemFacts {}

/**
 * How an item over the target's size limit was handled, kept for later runs so they never read it out of `reason`.
 * `skipped`: not copied; it is tried again once the settings would let it through. `limitBytes` is the limit it was
 * refused against (null: the target refused it for its size without announcing a limit); `zipping` whether zipping
 * attachments was on. `zipped`: copied (or found) with its attachments packed into one zip, so the target copy is
 * smaller than the source. The item's `size` is the size that was over the limit.
 */
export type OversizeRecord =
	{ handling: 'skipped'; limitBytes: number | null; zipping: boolean } | { handling: 'zipped' };

/** The record of every zipped copy: it holds nothing of its own, so one object serves them all. */
export const ZIPPED_COPY: OversizeRecord = Object.freeze({ handling: 'zipped' });

export interface ItemOutcome extends ItemKey, ItemFacts {
	status: OutcomeStatus;
	/** Why an item was skipped or failed, e.g. `oversize 31457280 bytes` or the server's code and text. */
	reason: string | null;
	targetUidValidity: number | null;
	targetUid: number | null;
	/** Absent or null: the item met no size limit. */
	oversize?: OversizeRecord | null;
}

export interface LedgerItem extends ItemKey, ItemFacts {
	status: ItemStatus;
	reason: string | null;
	targetUidValidity: number | null;
	targetUid: number | null;
	oversize: OversizeRecord | null;
	/** Copy attempts started: one per intent, plus one per failure recorded without an intent. */
	attempts: number;
	createdAt: string;
	updatedAt: string;
}

/** The per-item state the engine compares against a folder listing; compact enough for 100k items. */
export interface FolderItemState {
	status: ItemStatus;
	reason: string | null;
	messageId: string | null;
	size: number;
	internalDate: string;
	fingerprint: string | null;
	flags: string;
	modseq: string | null;
	targetUidValidity: number | null;
	targetUid: number | null;
	oversize: OversizeRecord | null;
}

/** Source UID -> state, for one folder under one UIDVALIDITY. */
export type FolderItems = Map<number, FolderItemState>;

/** A Delta pass synced flags to the target: record the new flags without touching the status. */
export interface FlagSync extends ItemKey {
	flags: string;
	modseq: string | null;
}

export interface UidRange {
	from: number;
	to: number;
}

export interface UidMapping {
	oldUid: number;
	newUid: number;
}

export interface RebindResult {
	/** Records moved to the new UIDVALIDITY. */
	rebound: number;
	/** Mapped records left alone because the new UID already had a record of its own. */
	conflicts: number;
	/** Records still under the old UIDVALIDITY (no mapping found them); kept as history. */
	leftUnderOldUidValidity: number;
}

export interface FolderStateInput extends FolderKey {
	uidValidity: number;
	uidNext: number | null;
	highestModseq: string | null;
	/** ISO 8601, when the last complete pass over the folder ended. */
	lastPassCompletedAt: string | null;
	targetFolder: string;
	counts: Record<string, number>;
}

export interface FolderState extends FolderStateInput {
	updatedAt: string;
}

export type RunStatus = 'running' | 'completed' | 'completedWithErrors' | 'failed' | 'aborted';

export type RunSummary = Record<string, unknown>;

export interface RunStart extends MailboxKey {
	/** Generated when omitted. */
	runId?: string;
	/** The engine's mode, e.g. `full`, `delta`, `verify`. */
	mode: string;
	startedAt?: string;
}

export interface RunFinish {
	status: Exclude<RunStatus, 'running'>;
	summary: RunSummary | null;
	finishedAt?: string;
}

export interface RunRecord extends MailboxKey {
	runId: string;
	mode: string;
	startedAt: string;
	finishedAt: string | null;
	status: RunStatus;
	summary: RunSummary | null;
}

/** Proof of holding a mailbox; pass it back to renew or release. */
export interface MailboxLease extends MailboxKey {
	owner: string;
	token: string;
	/** ISO 8601. */
	expiresAt: string;
}

export type LockAttempt =
	{ acquired: true; lease: MailboxLease } | { acquired: false; heldBy: string; expiresAt: string };

/** Where the records of one source mailbox copied to one target are kept. */
export interface MailboxTargetBinding {
	/** The `sourceAccount` of this pair's records, runs and lease. */
	ledgerAccount: string;
	/** Other targets this source was bound to in this migration, in the order they were first used. */
	earlierTargets: string[];
	/** True when this call bound the pair: its first run (with `earlierTargets`, the target was changed). */
	bound: boolean;
}

export interface FailureQuery {
	sourceFolder?: string;
	/** At most this many records (default: all). */
	limit?: number;
}

export interface LedgerStore extends RoutingSnapshotStore, ProvisionedAccounts {
	/**
	 * Marks items `pending` before their APPEND is sent; one transaction for the batch. With `lease`, only while it is
	 * still the mailbox's lock, checked in that transaction: else it rejects with MailboxLeaseLostError and writes
	 * nothing, so no APPEND follows.
	 */
	recordIntents(items: readonly ItemIntent[], lease?: MailboxLease): Promise<void>;
	/** Records copied/present/skipped/failed outcomes; one transaction for the batch. */
	recordOutcomes(items: readonly ItemOutcome[]): Promise<void>;
	/** Updates flags and modseq of existing records; returns how many records matched. */
	recordFlags(updates: readonly FlagSync[]): Promise<number>;

	getItem(key: ItemKey): Promise<LedgerItem | null>;
	/**
	 * All of a folder's items, or those with UIDs in `uidRange` (inclusive), for walking large folders in windows;
	 * with `limit`, only that many, lowest UIDs first (pages of a folder whose UIDs the caller does not know).
	 */
	getFolderItems(
		migrationId: string,
		sourceAccount: string,
		sourceFolder: string,
		uidValidity: number,
		uidRange?: UidRange,
		limit?: number,
	): Promise<FolderItems>;
	/** Items whose APPEND may or may not have reached the target. */
	getPending(migrationId: string, sourceAccount: string): Promise<LedgerItem[]>;
	/** Over the mailbox, one folder, or one folder under one UIDVALIDITY. */
	countsByStatus(
		migrationId: string,
		sourceAccount: string,
		sourceFolder?: string,
		uidValidity?: number,
	): Promise<Record<ItemStatus, number>>;
	/** The UIDVALIDITY values a folder has records under, ascending. */
	recordedUidValidities(
		migrationId: string,
		sourceAccount: string,
		sourceFolder: string,
	): Promise<number[]>;
	listFailures(
		migrationId: string,
		sourceAccount: string,
		query?: FailureQuery,
	): Promise<LedgerItem[]>;
	/**
	 * After the source folder's UIDVALIDITY changed, moves records to the new UIDVALIDITY and UIDs the engine
	 * re-matched (by Message-ID, fingerprint...). The folder state follows: its uidNext and highestModseq are cleared
	 * because they described the old folder. With equal UIDVALIDITY values it moves records to new UIDs of the same
	 * folder (messages that left it and came back) and leaves the folder state alone.
	 */
	rebindUidValidity(
		migrationId: string,
		sourceAccount: string,
		sourceFolder: string,
		oldUidValidity: number,
		newUidValidity: number,
		mapping: readonly UidMapping[],
	): Promise<RebindResult>;

	getFolderState(
		migrationId: string,
		sourceAccount: string,
		sourceFolder: string,
	): Promise<FolderState | null>;
	setFolderState(state: FolderStateInput): Promise<void>;
	listFolderStates(migrationId: string, sourceAccount: string): Promise<FolderState[]>;

	startRun(run: RunStart): Promise<RunRecord>;
	finishRun(runId: string, finish: RunFinish): Promise<RunRecord>;
	getRun(runId: string): Promise<RunRecord | null>;
	/** Newest first. */
	listRuns(migrationId: string, sourceAccount: string, limit?: number): Promise<RunRecord[]>;

	/**
	 * Takes the mailbox for `ttlMs` unless it holds an unexpired lease, its own owner's included: `owner` is one mailbox
	 * job's id. `replacing`: a holder the caller found dead, whose lease it takes over.
	 */
	acquireMailboxLock(
		migrationId: string,
		sourceAccount: string,
		owner: string,
		ttlMs: number,
		replacing?: string,
	): Promise<LockAttempt>;
	/** Extends the lease; null when it was lost (released, or expired and taken by someone else). */
	renewMailboxLock(lease: MailboxLease, ttlMs: number): Promise<MailboxLease | null>;
	/** False when the lease was no longer held. */
	releaseMailboxLock(lease: MailboxLease): Promise<boolean>;

	/**
	 * The ledger account of `sourceAccount` copied to `targetAccount` (both login plus host), bound on first use unless
	 * `lookOnly`. A source's first target keeps the source's own name, so files from before targets were bound keep
	 * their records (adopted by the first target they run with); each further target gets a name of its own.
	 */
	bindMailboxTarget(
		migrationId: string,
		sourceAccount: string,
		targetAccount: string,
		lookOnly?: boolean,
	): Promise<MailboxTargetBinding>;

	close(): Promise<void>;
}
