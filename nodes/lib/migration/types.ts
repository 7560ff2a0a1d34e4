import type { HostLimiter } from '../limits/hostLimiter';
import type { ExecutionGuard } from '../limits/stopConditions';
import type { LedgerStore } from '../ledger/types';

/**
 * `full`: copy everything not yet copied. `delta`: the same, plus flag changes since the last pass. `verify`: compare
 * source, target and ledger folder by folder and list every difference. `dryRun`: plan and count, write nothing.
 */
export type MigrationMode = 'full' | 'delta' | 'verify' | 'dryRun';

export interface EngineLogger {
	debug(message: string, meta?: Record<string, unknown>): void;
	info(message: string, meta?: Record<string, unknown>): void;
	warn(message: string, meta?: Record<string, unknown>): void;
}

/** One source folder and where it goes, decided before copying (see folders/FolderMapper). */
export interface FolderRoute {
	sourceRaw: string;
	/** Human-readable source path ('/' between levels). */
	sourcePath: string;
	targetRaw: string;
	targetPath: string;
	/** Holds messages (LIST without \Noselect). */
	selectable: boolean;
	subscribe: boolean;
	/** Set when the folder is not migrated, with the reason. */
	skipReason: string | null;
}

export interface MigrationProgress {
	mailbox: string;
	folder: string;
	copied: number;
	bytes: number;
	sourceItems: number;
}

export interface CopyTuning {
	/** Folders copied at once, each over its own source and target connection. */
	connections: number;
	/** APPEND batches in flight per connection. */
	pipelineDepth: number;
	/** Messages per batch (one MULTIAPPEND command when the target supports it). */
	batchMessages: number;
	/** Bytes per batch; a larger single message travels alone. */
	batchBytes: number;
	/** Times a lost connection is reopened within one run before the mailbox ends as failed. */
	reconnects: number;
	/** Messages per window when walking a folder: bounds the metadata held in memory. */
	windowMessages: number;
}

/** The engine's fallback for every tuning it is not given; declared with the other defaults. */
export { DEFAULT_TUNING } from '../defaults';

export interface FailedItem {
	folder: string;
	uid: number;
	messageId: string | null;
	size: number;
	/** Server response code when there was one, e.g. TOOBIG, OVERQUOTA. */
	code: string | null;
	reason: string;
	/** Runs that tried it (the ledger's attempts); after MAX_COPY_ATTEMPTS it is not tried again. */
	attempts: number;
}

/** A source message listed when its folder was read that was expunged before it could be copied. */
export interface VanishedItem {
	folder: string;
	uid: number;
	reason: string;
}

export interface VerifyDifference {
	folder: string;
	kind: 'missing' | 'extra' | 'flags';
	/** Source UID for missing items, target UID for extra ones. */
	uid: number;
	messageId: string | null;
	size: number;
	reason: string;
}

export interface FolderReport {
	source: string;
	target: string;
	/** `paused`: stopped by a window, budget or threshold before the end (or not reached); the next run goes on. */
	action: 'copied' | 'unchanged' | 'skipped' | 'verified' | 'planned' | 'paused';
	skipReason?: string;
	sourceItems: number;
	copied: number;
	alreadyPresent: number;
	skipped: number;
	failed: number;
	/** Listed when the pass began, expunged from the source before they could be copied. */
	vanished: number;
	/**
	 * Source items the pass could not account for as copied, present, skipped, failed or vanished: the folder is not
	 * complete. Absent when all are accounted for.
	 */
	unaccounted?: number;
	targetItems?: number;
	ledgerItems?: number;
	/** Verify: items present in the target as the target rewrote them (another size than the source's). */
	rewrittenByTarget?: number;
	/** Dry run: items a Full run would copy now. */
	toCopy?: number;
}

export interface MailboxCounts {
	folders: number;
	sourceItems: number;
	copied: number;
	/** Found in the target (copied earlier, or already there) and not copied again. */
	alreadyPresent: number;
	skipped: number;
	skippedByReason: Record<string, number>;
	failed: number;
	vanished: number;
	flagsUpdated: number;
	/** Over the target's size limit, copied with their attachments packed into one zip. */
	zipped: number;
	/** Verify: present in the target, rewritten by it (another size than the source's, e.g. headers added). */
	rewrittenByTarget: number;
}

/**
 * `paused`: a run window, maintenance window, budget or error threshold stopped it; the next run resumes. `locked`:
 * another run holds the mailbox (or took it over mid-run), or the row repeats an earlier one; nothing more was
 * written, and `reason` names the other run.
 */
export type MailboxStatus = 'completed' | 'partial' | 'paused' | 'failed' | 'locked';

/** The target the mailbox went to, as the ledger knows it. */
export interface TargetBinding {
	/** Login plus host, e.g. `alice@imap.new.example:993`. */
	account: string;
	/** True on the first run to this target after the source went to others: it was reconciled and filled. */
	changed: boolean;
	/** The other targets this source mailbox was migrated to before, oldest first. */
	earlierTargets: string[];
}

export interface MailboxReport {
	mailbox: string;
	targetMailbox: string;
	migrationId: string;
	mode: MigrationMode;
	status: MailboxStatus;
	reason: string | null;
	counts: MailboxCounts;
	bytes: number;
	seconds: number;
	messagesPerSecond: number;
	megabytesPerSecond: number;
	failedItems: FailedItem[];
	/** Messages expunged from the source during the run (listed at most `maxFailedItemsReported`). */
	vanishedItems: VanishedItem[];
	/**
	 * Flags the target does not store (not in its PERMANENTFLAGS, or refused on APPEND), with how many messages
	 * carried each.
	 */
	flagsNotKept: Record<string, number>;
	/**
	 * Messages a target that rebuilds each message (Microsoft Graph) could not rebuild part by part (S/MIME signed or
	 * encrypted, say), by the reason, each carried another documented way rather than dropped.
	 */
	rebuiltAs: Record<string, number>;
	/** Paused: when the windows allow copying again (ISO 8601), or null when the next run may go on at once. */
	resumesAt: string | null;
	reconnects: number;
	/** Times the server said "not now" ([THROTTLED], [UNAVAILABLE], [LIMIT]...) and the engine paused before retrying. */
	serverBackoffs: number;
	folders: FolderReport[];
	/** Verify mode: each item missing from or extra in the target, and flag differences. */
	differences?: VerifyDifference[];
	/** Null when the run ended before the ledger was asked (a duplicate row, a stop before the start). */
	target: TargetBinding | null;
	runId: string | null;
}

/** Limits and stop conditions shared by every mailbox of one execution. */
export interface EngineControls {
	/** Connection slots and message/byte rates per host. */
	limiter?: HostLimiter;
	/** Limiter keys of this mailbox's two servers, e.g. `source:imap.legacy.example`. */
	sourceHost: string;
	targetHost: string;
	/** Run and maintenance windows, budgets and error thresholds. */
	guard?: ExecutionGuard;
}

export interface OversizePolicy {
	/** Largest message to send, in bytes; the target's own limit (APPENDLIMIT) applies too. Null: only the target's. */
	maxMessageBytes: number | null;
	/** Pack the attachments of a larger message into one zip to make it fit, rather than skipping it. */
	zipAttachments: boolean;
}

export interface MigrationRequest {
	migrationId: string;
	mode: MigrationMode;
	/** Stable identity of the source mailbox, e.g. `alice@imap.example.com:993`. */
	sourceAccount: string;
	/** Stable identity of the target mailbox: with the source, it names the mailbox's records in the ledger. */
	targetAccount: string;
	mailbox: string;
	targetMailbox: string;
	ledger: LedgerStore;
	/** Who holds the mailbox lock: one id per mailbox job (see owner.ts). */
	owner: string;
	tuning?: Partial<CopyTuning>;
	controls?: EngineControls;
	/** Default: the target's limit only, attachments zipped. */
	oversize?: Partial<OversizePolicy>;
	/** Most failed items listed in the report (all are in the ledger). */
	maxFailedItemsReported?: number;
	logger?: EngineLogger;
	onProgress?: (progress: MigrationProgress) => void;
	signal?: AbortSignal;
	/** Fault injection for crash tests: called after the target accepted a batch, before the ledger records it. */
	afterAppend?: () => void;
}
