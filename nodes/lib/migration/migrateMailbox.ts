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
	failed,
	locked,
	newMailboxReport,
	paused,
	pausedOrStopped,
	recordDuration,
	recordRunEnd,
	recordRunNotStarted,
} from './mailbox/mailboxReport';
import { SessionPairPool, type MailboxConnector, type SessionPair } from './mailbox/sessionPairs';
import { TargetNotReadyError } from './mailStore';
import { MailboxSetupError } from './mailbox/setupError';
import type { MailboxTargetBinding } from '../ledger/types';
import {
	DEFAULT_TUNING,
	type MailboxReport,
	type MigrationRequest,
	type TargetBinding,
} from './types';

export type { FolderListing, FolderRouter } from './mailbox/folderPlanning';
export type { MailboxConnector } from './mailbox/sessionPairs';
export { MailboxSetupError } from './mailbox/setupError';
export { describeOwner, isDeadLocalOwner, jobOwnerId, newOwnerId } from './owner';

/**
 * Migrates (or verifies, or plans) one mailbox. Never throws for item or folder failures: they are in the report and
 * the ledger. Ends `locked` when another run holds the mailbox or takes it over, `paused` when a stop condition
 * holds it or its target is not ready yet. Throws MailboxSetupError only when nothing could start (login, listing).
 */
export async function migrateMailbox(
	request: MigrationRequest,
	connector: MailboxConnector,
	routeFolders: FolderRouter,
): Promise<MailboxReport> {
	const started = Date.now();
	const { ledger, migrationId, mode, logger, controls } = request;
	const writes = mode !== 'dryRun';
	const report = newMailboxReport(request);
	const binding = await ledger.bindMailboxTarget(
		migrationId,
		request.sourceAccount,
		request.targetAccount,
		!writes,
	);
	report.target = targetBindingOf(request, binding);
	if (report.target.changed) {
		logger?.warn(
			`The target of ${request.mailbox} changed (before: ${binding.earlierTargets.join(', ')}); reconciling and filling the new one`,
		);
	}
	// This mailbox job's name in the ledger and the stop conditions: its records are those of this target.
	const account = binding.ledgerAccount;
	const notStarted = async (ended: MailboxReport) =>
		writes
			? await recordRunNotStarted(ledger, { migrationId, sourceAccount: account }, ended, logger)
			: ended;
	const stoppedBefore = controls?.guard?.stopOf(account);
	// Nothing may be copied now (a window is closed, a budget used up): say so without touching either server.
	if (stoppedBefore) return await notStarted(paused(report, stoppedBefore));

	const taken = writes ? await HeldMailboxLease.take({ ...request, account }) : null;
	if (taken && !(taken instanceof HeldMailboxLease)) return locked(report, taken.reason);
	const lease = taken;
	const signal = mailboxSignal(request, account, lease);
	const pairs = new SessionPairPool(connector, controls, signal);
	let runId: string | null = null;
	try {
		let first: SessionPair;
		try {
			first = await pairs.open();
		} catch (error) {
			// Stopped while waiting for a connection slot or a busy server: paused, not failed.
			if (signal.aborted) return stoppedReport(report, signal, lease);
			// A target mailbox not provisioned yet: nothing was touched, the next run starts it.
			if (error instanceof TargetNotReadyError) {
				return await notStarted(paused(report, { reason: error.message, resumesAt: null }));
			}
			throw error;
		}
		const plan = await planFolders(first, routeFolders, mode);
		if (writes) {
			runId = (await ledger.startRun({ migrationId, sourceAccount: account, mode })).runId;
			report.runId = runId;
		}
		const context = folderSyncContext(request, account, lease, plan, report, signal);
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
		completeReport(report, outcome, context.totals, signal);
		return lease?.lostReason ? locked(report, lease.lostReason) : report;
	} catch (error) {
		// Still thrown (the caller reports it); the ledger keeps that the mailbox was tried and could not start.
		if (runId === null && error instanceof MailboxSetupError)
			await notStarted(failed({ ...report }, error));
		throw error;
	} finally {
		lease?.stopRenewing();
		recordDuration(report, started);
		await pairs.closeAll();
		if (runId) await recordRunEnd(ledger, runId, report, logger);
		await lease?.release();
	}
}

function targetBindingOf(request: MigrationRequest, binding: MailboxTargetBinding): TargetBinding {
	return {
		account: request.targetAccount,
		changed: binding.bound && binding.earlierTargets.length > 0,
		earlierTargets: binding.earlierTargets,
	};
}

function stoppedReport(
	report: MailboxReport,
	signal: AbortSignal,
	lease: HeldMailboxLease | null,
): MailboxReport {
	return lease?.lostReason ? locked(report, lease.lostReason) : pausedOrStopped(report, signal);
}

/**
 * One signal for everything that stops this mailbox: the caller (n8n cancel), the stop conditions, and the lease
 * being lost.
 */
function mailboxSignal(
	request: MigrationRequest,
	account: string,
	lease: HeldMailboxLease | null,
): AbortSignal {
	return AbortSignal.any(
		[request.signal, request.controls?.guard?.signalFor(account), lease?.lostSignal].filter(
			(one): one is AbortSignal => one !== undefined,
		),
	);
}

/** What the folder passes share; the lists they fill are the report's own. */
function folderSyncContext(
	request: MigrationRequest,
	account: string,
	lease: HeldMailboxLease | null,
	plan: FolderPlan,
	report: MailboxReport,
	signal: AbortSignal,
): FolderSyncContext {
	return {
		migrationId: request.migrationId,
		sourceAccount: account,
		mailbox: request.mailbox,
		mode: request.mode,
		ledger: lease ? lease.guard(request.ledger) : request.ledger,
		tuning: { ...DEFAULT_TUNING, ...request.tuning },
		routes: plan.routes,
		failedItems: report.failedItems,
		vanishedItems: report.vanishedItems,
		maxFailedItemsReported: request.maxFailedItemsReported ?? DEFAULT_FAILED_ITEMS_LISTED,
		flagsNotKept: report.flagsNotKept,
		rebuiltAs: report.rebuiltAs,
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
