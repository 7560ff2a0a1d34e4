/** What a folder pass is given and keeps: the mailbox's shared context, the pass's progress and its open folders. */
import type { LedgerStore } from '../../ledger/types';
import type { MailSource, MailTarget, MessageMeta, TargetFolderStatus } from '../mailStore';
import type { ReturningMessages } from './returningMessages';
import type {
	CopyTuning,
	EngineControls,
	FailedItem,
	FolderReport,
	VanishedItem,
	FolderRoute,
	MigrationMode,
	MigrationProgress,
	OversizePolicy,
	VerifyDifference,
} from '../types';

/** What one mailbox run shares between its folders and connections. */
export interface FolderSyncContext {
	migrationId: string;
	sourceAccount: string;
	mailbox: string;
	mode: MigrationMode;
	ledger: LedgerStore;
	tuning: CopyTuning;
	/** Every route of the mailbox, to find all source folders that land in one target folder. */
	routes: readonly FolderRoute[];
	failedItems: FailedItem[];
	vanishedItems: VanishedItem[];
	maxFailedItemsReported: number;
	flagsNotKept: Record<string, number>;
	/** Messages the target could not rebuild part by part, by how they were carried instead (see AppendResult). */
	rebuiltAs: Record<string, number>;
	skippedByReason: Record<string, number>;
	differences: VerifyDifference[];
	totals: {
		copied: number;
		bytes: number;
		flagsUpdated: number;
		serverBackoffs: number;
		zipped: number;
	};
	controls?: EngineControls;
	/** Until when (epoch ms) the target asked this mailbox to pause: no batch of any connection starts before. */
	hold: { until: number };
	oversize: OversizePolicy;
	onProgress?: (progress: MigrationProgress) => void;
	signal?: AbortSignal;
	afterAppend?: () => void;
}

/**
 * Thrown out of a folder pass when its connection is one too many for a host's current throttle profile: the caller
 * closes the connection pair and continues the pass (see FolderProgress) once a connection slot is free again.
 */
export class ConnectionYieldError extends Error {
	constructor() {
		super('connection given back: the throttle profile allows fewer connections now');
		this.name = 'ConnectionYieldError';
	}
}

/**
 * Where a folder pass got to, so an interrupted pass (a lost connection, a connection given back) continues on a new
 * session without walking finished windows again or counting an item twice.
 */
export interface FolderProgress {
	report: FolderReport;
	uidValidity: number;
	/** UID range of the window being worked on; an interrupted window is resumed over exactly this range. */
	windowFrom: number;
	windowTo: number;
	/** UIDs of that window not handled yet; null before the window was started. */
	unhandled: Set<number> | null;
	/** Items of finished windows not yet done (failed or interrupted). */
	open: number;
	/** Records of UIDs that left the folder, for messages that come back under a new UID. */
	returning: ReturningMessages;
	/** Items that failed in earlier runs, tried again once every window is done (see windowLoop). */
	retries: FailedRetry[];
}

/** An item that failed in an earlier run, with the attempts the ledger had counted when it was put aside. */
export interface FailedRetry {
	meta: MessageMeta;
	attempts: number;
}

/** What a folder pass is handed besides its sessions. */
export interface FolderPassOptions {
	/** Kept across attempts of the same pass; set by syncFolder. */
	progress: { current?: FolderProgress };
	/** Asked before each batch: true when this connection pair must be given back now. */
	shouldYield?: () => boolean;
}

/** One folder pass once its target folder is open: what every part of the copy works against. */
export interface CopyPass {
	context: FolderSyncContext;
	route: FolderRoute;
	source: MailSource;
	target: MailTarget;
	targetStatus: TargetFolderStatus;
	/** The source folder's UIDVALIDITY, under which this pass records every item. */
	uidValidity: number;
	report: FolderReport;
	progress: FolderProgress;
	shouldYield?: () => boolean;
}

export function emptyReport(route: FolderRoute, action: FolderReport['action']): FolderReport {
	return {
		source: route.sourcePath,
		target: route.targetPath,
		action,
		sourceItems: 0,
		copied: 0,
		alreadyPresent: 0,
		skipped: 0,
		failed: 0,
		vanished: 0,
	};
}

/** Counts a skipped item under the first word of its reason (`oversize`, ...). */
export function noteSkip(context: FolderSyncContext, reason: string): void {
	const label = reason.split(' ')[0];
	context.skippedByReason[label] = (context.skippedByReason[label] ?? 0) + 1;
}
