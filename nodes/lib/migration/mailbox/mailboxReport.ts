/** The MailboxReport of one run: started empty, filled with its folder rows and totals, ended with its status. */
import type { LedgerStore, RunFinish, RunSummary } from '../../ledger/types';
import { RunStoppedError, type StopState } from '../../limits/stopConditions';
import { emptyReport } from '../folderCopy/context';
import type { FolderSyncContext } from '../folderCopy';
import type {
	EngineLogger,
	FolderReport,
	FolderRoute,
	MailboxReport,
	MailboxStatus,
	MigrationRequest,
} from '../types';

export function newMailboxReport(
	request: Pick<MigrationRequest, 'mailbox' | 'targetMailbox' | 'migrationId' | 'mode'>,
): MailboxReport {
	const { mode } = request;
	return {
		mailbox: request.mailbox,
		targetMailbox: request.targetMailbox,
		migrationId: request.migrationId,
		mode,
		status: 'completed',
		reason: null,
		counts: {
			folders: 0,
			sourceItems: 0,
			copied: 0,
			alreadyPresent: 0,
			skipped: 0,
			skippedByReason: {},
			failed: 0,
			vanished: 0,
			flagsUpdated: 0,
			zipped: 0,
			rewrittenByTarget: 0,
		},
		bytes: 0,
		seconds: 0,
		messagesPerSecond: 0,
		megabytesPerSecond: 0,
		failedItems: [],
		vanishedItems: [],
		flagsNotKept: {},
		rebuiltAs: {},
		resumesAt: null,
		reconnects: 0,
		serverBackoffs: 0,
		folders: [],
		...(mode === 'verify' ? { differences: [] } : {}),
		target: null,
		runId: null,
	};
}

/** A folder row without items: skipped by the rules or after an error, or not reached before the run stopped. */
export function folderNotWorked(
	route: FolderRoute,
	action: 'skipped' | 'paused',
	reason: string,
): FolderReport {
	return { ...emptyReport(route, action), skipReason: reason };
}

/** Rows for the folders the rules leave out; they come first in the report. */
export function addSkippedRoutes(report: MailboxReport, routes: readonly FolderRoute[]): void {
	for (const route of routes) {
		if (route.skipReason) report.folders.push(folderNotWorked(route, 'skipped', route.skipReason));
	}
}

/** How the folders of a run ended, besides what the folder passes counted in the context. */
export interface FolderOutcome {
	routes: readonly FolderRoute[];
	/** Each worked-on (or unreached) folder's row. */
	reports: ReadonlyMap<FolderRoute, FolderReport>;
	/** Folders that failed or were left unreached after an error. */
	folderErrors: number;
	/** Pauses for a busy server outside the folder passes (logins, reconnects). */
	serverBackoffs: number;
}

/** Adds the folder rows in route order and the totals, and sets the status. */
export function completeReport(
	report: MailboxReport,
	outcome: FolderOutcome,
	totals: FolderSyncContext['totals'],
	signal: AbortSignal,
): MailboxReport {
	for (const route of outcome.routes) {
		const folderReport = outcome.reports.get(route);
		if (folderReport) report.folders.push(folderReport);
	}
	for (const folder of report.folders) {
		report.counts.sourceItems += folder.sourceItems;
		report.counts.copied += folder.copied;
		report.counts.alreadyPresent += folder.alreadyPresent;
		report.counts.skipped += folder.skipped;
		report.counts.failed += folder.failed;
		report.counts.rewrittenByTarget += folder.rewrittenByTarget ?? 0;
		report.counts.vanished += folder.vanished;
	}
	report.counts.folders = outcome.reports.size;
	report.counts.flagsUpdated = totals.flagsUpdated;
	report.counts.zipped = totals.zipped;
	report.serverBackoffs = totals.serverBackoffs + outcome.serverBackoffs;
	report.bytes = totals.bytes;
	report.status = statusOf(report, outcome.folderErrors);
	const unfinished = report.folders.some((folder) => folder.action === 'paused');
	if (signal.aborted && unfinished) pausedOrStopped(report, signal);
	return report;
}

function statusOf(report: MailboxReport, folderErrors: number): MailboxStatus {
	if (report.mode === 'verify') {
		return report.differences?.length || folderErrors ? 'partial' : 'completed';
	}
	const unaccounted = report.folders.some((folder) => folder.unaccounted);
	return report.counts.failed > 0 || folderErrors > 0 || unaccounted ? 'partial' : 'completed';
}

/** Paused by a stop condition, with its reason and when the mailbox may go on. */
export function paused(report: MailboxReport, stop: StopState): MailboxReport {
	report.status = 'paused';
	report.reason = stop.reason;
	report.resumesAt = stop.resumesAt;
	return report;
}

/** Kept out by another run (or by an earlier row of the same pair), or stopped when another run took it over. */
export function locked(report: MailboxReport, reason: string): MailboxReport {
	report.status = 'locked';
	report.reason = reason;
	return report;
}

/**
 * A mailbox stopped before its end: `paused` with the stop condition's reason and when it may go on, or `partial`
 * when the caller cancelled it. The next run resumes from the last item either way.
 */
export function pausedOrStopped(report: MailboxReport, signal: AbortSignal): MailboxReport {
	const stop = signal.reason instanceof RunStoppedError ? signal.reason : null;
	if (stop) return paused(report, { reason: stop.message, resumesAt: stop.resumesAt });
	report.status = 'partial';
	report.reason ??= 'stopped before the end; the next run resumes from the last item';
	return report;
}

/** Duration and rates, also for a run that ended early. */
export function recordDuration(report: MailboxReport, startedAt: number): void {
	report.seconds = (Date.now() - startedAt) / 1000;
	if (report.seconds > 0) {
		report.messagesPerSecond = Math.round((report.counts.copied / report.seconds) * 10) / 10;
		report.megabytesPerSecond = Math.round((report.bytes / 1e6 / report.seconds) * 100) / 100;
	}
}

/**
 * What the ledger keeps of a run beside its status, for reports built from the ledger alone (lib/reports): the
 * mailbox's status with its reason, the counts, and how many folders the run left unfinished.
 */
export function runSummaryOf(report: MailboxReport): RunSummary {
	return {
		status: report.status,
		reason: report.reason,
		resumesAt: report.resumesAt,
		mailbox: report.mailbox,
		targetMailbox: report.targetMailbox,
		counts: report.counts,
		bytes: report.bytes,
		seconds: report.seconds,
		unfinishedFolders: report.folders.filter(unfinished).length,
		...(report.differences
			? {
					differences: report.differences.length,
					missing: report.differences.filter((difference) => difference.kind === 'missing').length,
				}
			: {}),
	};
}

/** Paused or not reached, an error, or items not accounted for: the next run has work left in it. */
function unfinished(folder: FolderReport): boolean {
	return (
		folder.action === 'paused' ||
		Boolean(folder.unaccounted) ||
		/^(error: |not reached)/.test(folder.skipReason ?? '')
	);
}

/** Closes the ledger's run record with the report's outcome; a failure to do so is logged, not thrown. */
export async function recordRunEnd(
	ledger: LedgerStore,
	runId: string,
	report: MailboxReport,
	logger: EngineLogger | undefined,
): Promise<void> {
	await ledger
		.finishRun(runId, { status: runStatusOf(report.status), summary: runSummaryOf(report) })
		.catch((error: unknown) => logger?.warn(`Could not record the run's end: ${String(error)}`));
}

/**
 * A run that ended before any folder was worked on (paused by a stop condition or a target not ready yet, or failed
 * to log in or list): recorded all the same, so the ledger knows the mailbox was tried and how that ended.
 */
export async function recordRunNotStarted(
	ledger: LedgerStore,
	run: { migrationId: string; sourceAccount: string },
	report: MailboxReport,
	logger: EngineLogger | undefined,
): Promise<MailboxReport> {
	try {
		const started = await ledger.startRun({ ...run, mode: report.mode });
		report.runId = started.runId;
		await recordRunEnd(ledger, started.runId, report, logger);
	} catch (error) {
		logger?.warn(`Could not record the run: ${String(error)}`);
	}
	return report;
}

/** A mailbox that could not start (login, listing): `failed`, with the error as its reason. */
export function failed(report: MailboxReport, error: Error): MailboxReport {
	report.status = 'failed';
	report.reason = error.message;
	return report;
}

function runStatusOf(status: MailboxStatus): RunFinish['status'] {
	if (status === 'completed') return 'completed';
	if (status === 'failed') return 'failed';
	// Another run took the mailbox over: this one stopped before its end.
	return status === 'locked' ? 'aborted' : 'completedWithErrors';
}
