/**
 * Full, Delta and Dry run for one folder: the coordinator. It skips a folder the ledger shows unchanged, rebinds the
 * records after a UIDVALIDITY change, walks the UID windows (windowLoop) and records where the pass got to.
 */
import type { FolderState } from '../../ledger/types';
import type { FolderStatus, MailSource, MailTarget } from '../mailStore';
import type { FolderReport, FolderRoute } from '../types';
import {
	emptyReport,
	type FolderPassOptions,
	type FolderProgress,
	type FolderSyncContext,
} from './context';
import { ReturningMessages } from './returningMessages';
import { rebindAfterUidValidityChange } from './uidValidityRebind';
import { walkWindows } from './windowLoop';

/**
 * Resumable at any point: the ledger and the target decide what is left. When a pass is interrupted
 * (ConnectionYieldError, a lost session), calling again with the same `options.progress` continues it where it
 * stopped.
 */
export async function syncFolder(
	context: FolderSyncContext,
	route: FolderRoute,
	source: MailSource,
	target: MailTarget,
	options: FolderPassOptions = { progress: {} },
): Promise<FolderReport> {
	const { ledger, migrationId, sourceAccount } = context;
	const status = await source.openFolder(route.sourceRaw);
	const earlier = options.progress.current;
	// A pass continued on a new session, unless the folder was recreated in between.
	const resumed = earlier && earlier.uidValidity === status.uidValidity ? earlier : null;
	const report =
		resumed?.report ?? emptyReport(route, context.mode === 'dryRun' ? 'planned' : 'copied');
	if (!resumed) report.sourceItems = status.exists;
	const state = await ledger.getFolderState(migrationId, sourceAccount, route.sourceRaw);
	const condstoreUnchanged =
		context.mode !== 'delta' ||
		!status.highestModseq ||
		state?.highestModseq === status.highestModseq;
	if (
		!resumed &&
		context.mode !== 'dryRun' &&
		state &&
		state.uidValidity === status.uidValidity &&
		state.uidNext === status.uidNext &&
		state.counts.sourceExists === status.exists &&
		state.counts.open === 0 &&
		// Skipped items are counted by reason only when the folder is walked.
		!state.counts.skipped &&
		condstoreUnchanged
	) {
		report.action = 'unchanged';
		report.alreadyPresent = status.exists;
		return report;
	}

	const uids = status.exists > 0 ? await source.uids() : [];
	if (!resumed && context.mode !== 'dryRun' && state?.uidValidity !== status.uidValidity) {
		await relinkOtherUidValidities(context, route, source, { status, uids }, state);
	}
	report.sourceItems = resumed ? resumedSourceItems(resumed, uids) : uids.length;
	const progress: FolderProgress = resumed ?? {
		report,
		uidValidity: status.uidValidity,
		windowFrom: 0,
		windowTo: 0,
		unhandled: null,
		open: 0,
		returning: new ReturningMessages(),
		retries: [],
	};
	options.progress.current = progress;
	const walked = await walkWindows({
		context,
		route,
		source,
		target,
		uids,
		uidValidity: status.uidValidity,
		report,
		progress,
		shouldYield: options.shouldYield,
	});
	if (walked === 'paused') {
		report.action = 'paused';
		return report;
	}
	if (context.mode === 'dryRun') return report;
	const unaccounted = report.sourceItems - accountedFor(report);
	if (unaccounted !== 0) {
		// Never complete with an item unexplained: the folder stays open, so the next run walks it again.
		report.unaccounted = unaccounted;
		progress.open += Math.max(0, unaccounted);
	}

	const counts = await ledger.countsByStatus(
		migrationId,
		sourceAccount,
		route.sourceRaw,
		status.uidValidity,
	);
	await ledger.setFolderState({
		migrationId,
		sourceAccount,
		sourceFolder: route.sourceRaw,
		uidValidity: status.uidValidity,
		uidNext: status.uidNext,
		highestModseq: status.highestModseq,
		lastPassCompletedAt: new Date().toISOString(),
		targetFolder: route.targetRaw,
		counts: { ...counts, sourceExists: uids.length, open: progress.open },
	});
	return report;
}

/**
 * Before a pass under a UIDVALIDITY the folder state does not name (it changed, or no pass over the folder has
 * completed yet): the records under other UIDVALIDITY values, the state's first, are tied to the new UIDs. Then the
 * state names this UIDVALIDITY, so a change before the first pass completes is seen too, and other folders that land
 * in the same target folder count this one's copies.
 */
async function relinkOtherUidValidities(
	context: FolderSyncContext,
	route: FolderRoute,
	source: MailSource,
	folder: { status: FolderStatus; uids: readonly number[] },
	state: FolderState | null,
): Promise<void> {
	const { status, uids } = folder;
	const { ledger, migrationId, sourceAccount } = context;
	const recorded = await ledger.recordedUidValidities(migrationId, sourceAccount, route.sourceRaw);
	const others = recorded.filter(
		(uidValidity) => uidValidity !== status.uidValidity && uidValidity !== state?.uidValidity,
	);
	const older = state ? [state.uidValidity, ...others] : others;
	for (const oldUidValidity of older) {
		await rebindAfterUidValidityChange(
			context,
			route,
			source,
			{ oldUidValidity, newUidValidity: status.uidValidity },
			uids,
		);
	}
	if (!state) {
		await ledger.setFolderState({
			migrationId,
			sourceAccount,
			sourceFolder: route.sourceRaw,
			uidValidity: status.uidValidity,
			uidNext: null,
			highestModseq: null,
			lastPassCompletedAt: null,
			targetFolder: route.targetRaw,
			counts: {},
		});
	}
}

/** Source items the pass has settled one way or another. */
export function accountedFor(report: FolderReport): number {
	return report.copied + report.alreadyPresent + report.skipped + report.failed + report.vanished;
}

/**
 * The source items of a pass continued on a new session: those it accounted for, those of its interrupted window
 * still to do, and the UIDs the new listing has beyond where it stopped.
 */
function resumedSourceItems(progress: FolderProgress, uids: readonly number[]): number {
	const next = progress.unhandled ? progress.windowTo + 1 : progress.windowFrom;
	let after = uids.length;
	while (after > 0 && uids[after - 1] >= next) after--;
	return (
		accountedFor(progress.report) +
		(progress.unhandled?.size ?? 0) +
		(uids.length - after) +
		progress.retries.length
	);
}
