/**
 * One mailbox migrated (or verified, or planned) from end to end. The parts are in mailbox/: the lease, the session
 * pairs, the folder planning, the folder workers and the report; this file only puts them in order.
 */
import { DEFAULT_FAILED_ITEMS_LISTED } from '../defaults';
import type { FolderSyncContext } from './folderCopy';
import { planFolders, type FolderPlan, type FolderRouter } from './mailbox/folderPlanning';
import { runFolderWorkers } from './mailbox/folderWorkers';
import { HeldMailboxLease } from './mailbox/mailboxLease';
import {
	addSkippedRoutes,
	completeReport,
	newMailboxReport,
	paused,
	pausedOrStopped,
	recordDuration,
	recordRunEnd,
} from './mailbox/mailboxReport';
import { SessionPairPool, type MailboxConnector, type SessionPair } from './mailbox/sessionPairs';
import { DEFAULT_TUNING, type MailboxReport, type MigrationRequest } from './types';

export type { FolderListing, FolderRouter } from './mailbox/folderPlanning';
export type { MailboxConnector } from './mailbox/sessionPairs';
export { MailboxSetupError } from './mailbox/setupError';
export { isDeadLocalOwner, newOwnerId } from './owner';

/**
 * Migrates (or verifies, or plans) one mailbox. Never throws for item or folder failures: they are in the report and
 * the ledger. Throws MailboxSetupError only when nothing could start (login, lock, listing).
 */
export async function migrateMailbox(
	request: MigrationRequest,
	connector: MailboxConnector,
	routeFolders: FolderRouter,
): Promise<MailboxReport> {
	const started = Date.now();
	const { ledger, migrationId, sourceAccount, mode, logger, controls } = request;
	const signal = mailboxSignal(request);
	const report = newMailboxReport(request);
	const stoppedBefore = controls?.guard?.stopOf(sourceAccount);
	// Nothing may be copied now (a window is closed, a budget used up): say so without touching either server.
	if (stoppedBefore) return paused(report, stoppedBefore);

	const writes = mode !== 'dryRun';
	const lease = writes ? await HeldMailboxLease.take(request) : null;
	const pairs = new SessionPairPool(connector, controls, signal);
	let runId: string | null = null;
	try {
		let first: SessionPair;
		try {
			first = await pairs.open();
		} catch (error) {
			// Stopped while waiting for a connection slot or a busy server: paused, not failed.
			if (signal.aborted) return pausedOrStopped(report, signal);
			throw error;
		}
		const plan = await planFolders(first, routeFolders, mode);
		if (writes) {
			runId = (await ledger.startRun({ migrationId, sourceAccount, mode })).runId;
			report.runId = runId;
		}
		const context = folderSyncContext(request, plan, report, signal);
		addSkippedRoutes(report, plan.routes);
		const outcome = await runFolderWorkers({
			context,
			routes: plan.routes,
			targetFolders: plan.targetFolders,
			pairs,
			first,
			report,
			signal,
			logger,
		});
		return completeReport(report, outcome, context.totals, signal);
	} finally {
		lease?.stopRenewing();
		recordDuration(report, started);
		await pairs.closeAll();
		if (runId) await recordRunEnd(ledger, runId, report, logger);
		await lease?.release();
	}
}

/** One signal for everything that stops this mailbox: the caller (n8n cancel) and the stop conditions. */
function mailboxSignal(request: MigrationRequest): AbortSignal {
	return AbortSignal.any(
		[request.signal, request.controls?.guard?.signalFor(request.sourceAccount)].filter(
			(one): one is AbortSignal => one !== undefined,
		),
	);
}

/** What the folder passes share; the lists they fill are the report's own. */
function folderSyncContext(
	request: MigrationRequest,
	plan: FolderPlan,
	report: MailboxReport,
	signal: AbortSignal,
): FolderSyncContext {
	return {
		migrationId: request.migrationId,
		sourceAccount: request.sourceAccount,
		mailbox: request.mailbox,
		mode: request.mode,
		ledger: request.ledger,
		tuning: { ...DEFAULT_TUNING, ...request.tuning },
		routes: plan.routes,
		failedItems: report.failedItems,
		vanishedItems: report.vanishedItems,
		maxFailedItemsReported: request.maxFailedItemsReported ?? DEFAULT_FAILED_ITEMS_LISTED,
		flagsNotKept: report.flagsNotKept,
		skippedByReason: report.counts.skippedByReason,
		differences: report.differences ?? [],
		totals: { copied: 0, bytes: 0, flagsUpdated: 0, serverBackoffs: 0, zipped: 0 },
		controls: request.controls,
		hold: { until: 0 },
		oversize: {
			maxMessageBytes: request.oversize?.maxMessageBytes ?? null,
			zipAttachments: request.oversize?.zipAttachments ?? true,
		},
		onProgress: request.onProgress,
		signal,
		afterAppend: request.afterAppend,
	};
}
