import { DEFAULT_FAILED_ITEMS_LISTED } from '../defaults';
import type { Release } from '../limits/hostLimiter';
import { RunStoppedError } from '../limits/stopConditions';
import type { MailboxLease } from '../ledger/types';
import { isDeadLocalOwner } from './owner';
import { backoffDelayMs, pauseUnlessAborted } from './backoff';
import {
	ConnectionYieldError,
	syncFolder,
	verifyFolder,
	type FolderPassOptions,
	type FolderSyncContext,
} from './folderCopy';
import {
	ServerBusyError,
	SessionLostError,
	type MailSource,
	type MailTarget,
	type StoreFolder,
	type StoreNamespace,
} from './mailStore';
import {
	DEFAULT_TUNING,
	type EngineControls,
	type FolderReport,
	type FolderRoute,
	type MailboxReport,
	type MailboxStatus,
	type MigrationRequest,
} from './types';

/** Opens sessions to both sides of one mailbox; called again after a lost connection and once per extra connection. */
export interface MailboxConnector {
	openSource(): Promise<MailSource>;
	openTarget(): Promise<MailTarget>;
}

export interface FolderListing {
	folders: StoreFolder[];
	namespace: StoreNamespace;
}

/** Decides where each source folder goes (see folders/FolderMapper); injected so rules stay outside the engine. */
export type FolderRouter = (source: FolderListing, target: FolderListing) => FolderRoute[];

/** Raised before any folder was worked on: the mailbox could not be reached, locked or listed. */
export class MailboxSetupError extends Error {
	constructor(
		message: string,
		readonly side: 'source' | 'target' | 'ledger',
		options?: { cause?: unknown },
	) {
		super(message, options);
		this.name = 'MailboxSetupError';
	}
}

/** Logins a server turns away for now ([UNAVAILABLE], [THROTTLED]) retried before the mailbox gives up. */
const MAX_BUSY_LOGIN_RETRIES = 4;

interface SessionPair {
	source: MailSource;
	target: MailTarget;
	/** Connection slots held from the host limiter, given back when the pair closes. */
	sourceSlot: Release | null;
	targetSlot: Release | null;
	closed: boolean;
}

/** Closes both sessions, then gives the slots back, so the servers never see more connections than allowed. */
async function closePair(pair: SessionPair | null): Promise<void> {
	if (!pair || pair.closed) return;
	pair.closed = true;
	await Promise.allSettled([pair.source.close(), pair.target.close()]);
	pair.sourceSlot?.();
	pair.targetSlot?.();
}

/** What opening sessions needs besides the connector. */
interface PairOpening {
	connector: MailboxConnector;
	controls?: EngineControls;
	signal: AbortSignal;
	/** Called for each login the server turned away for now. */
	onBusy: () => void;
}

async function login<T>(
	side: 'source' | 'target',
	open: () => Promise<T>,
	opening: PairOpening,
): Promise<T> {
	for (let attempt = 0; ; attempt++) {
		try {
			return await open();
		} catch (error) {
			const busy = error instanceof ServerBusyError;
			if (!busy || attempt >= MAX_BUSY_LOGIN_RETRIES || opening.signal.aborted) {
				throw new MailboxSetupError(`${side}: ${(error as Error).message}`, side, {
					cause: error,
				});
			}
			opening.onBusy();
			await pauseUnlessAborted(backoffDelayMs(attempt, error.busy.hintMs), opening.signal);
		}
	}
}

/** Takes a connection slot on each host (source first, always, so two pairs never wait on each other), then logs in. */
async function openPair(opening: PairOpening): Promise<SessionPair> {
	const { controls, connector, signal } = opening;
	const limiter = controls?.limiter;
	let sourceSlot: Release | null = null;
	let targetSlot: Release | null = null;
	try {
		if (limiter && controls) {
			sourceSlot = await limiter.acquireConnection(controls.sourceHost, signal);
			targetSlot = await limiter.acquireConnection(controls.targetHost, signal);
		}
		const source = await login('source', () => connector.openSource(), opening);
		try {
			const target = await login('target', () => connector.openTarget(), opening);
			return { source, target, sourceSlot, targetSlot, closed: false };
		} catch (error) {
			await source.close().catch(() => undefined);
			throw error;
		}
	} catch (error) {
		sourceSlot?.();
		targetSlot?.();
		throw error;
	}
}

function notReached(route: FolderRoute, reason: string): FolderReport {
	return {
		source: route.sourcePath,
		target: route.targetPath,
		action: 'paused',
		skipReason: reason,
		sourceItems: 0,
		copied: 0,
		alreadyPresent: 0,
		skipped: 0,
		failed: 0,
	};
}

/** Creates what the target lacks, parents first (routes come parents first), and carries subscriptions over. */
async function prepareTargetFolders(
	target: MailTarget,
	routes: FolderRoute[],
	existing: Set<string>,
	subscribed: Set<string>,
): Promise<void> {
	for (const route of routes) {
		if (route.skipReason) continue;
		if (!existing.has(route.targetRaw)) {
			await target.createFolder(route.targetRaw);
			existing.add(route.targetRaw);
		}
		if (route.subscribe && !subscribed.has(route.targetRaw)) {
			await target.subscribe(route.targetRaw);
			subscribed.add(route.targetRaw);
		}
	}
}

function statusOf(report: MailboxReport, folderErrors: number): MailboxStatus {
	if (report.mode === 'verify') {
		return report.differences?.length || folderErrors ? 'partial' : 'completed';
	}
	return report.counts.failed > 0 || folderErrors > 0 ? 'partial' : 'completed';
}

/**
 * Migrates (or verifies, or plans) one mailbox. Never throws for item or folder failures: they are in the report and
 * the ledger. Throws MailboxSetupError only when nothing could start (login, lock, listing).
 */
export async function migrateMailbox(
	request: MigrationRequest,
	connector: MailboxConnector,
	routeFolders: FolderRouter,
): Promise<MailboxReport> {
	const tuning = { ...DEFAULT_TUNING, ...request.tuning };
	const started = Date.now();
	const { ledger, migrationId, sourceAccount, mode, logger, controls } = request;
	const writes = mode !== 'dryRun';
	const guard = controls?.guard;
	// One signal for everything that stops this mailbox: the caller (n8n cancel) and the stop conditions.
	const signal = AbortSignal.any(
		[request.signal, guard?.signalFor(sourceAccount)].filter(
			(one): one is AbortSignal => one !== undefined,
		),
	);
	const report: MailboxReport = {
		mailbox: request.mailbox,
		targetMailbox: request.targetMailbox,
		migrationId,
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
			flagsUpdated: 0,
			zipped: 0,
		},
		bytes: 0,
		seconds: 0,
		messagesPerSecond: 0,
		megabytesPerSecond: 0,
		failedItems: [],
		flagsNotKept: {},
		resumesAt: null,
		reconnects: 0,
		serverBackoffs: 0,
		folders: [],
		...(mode === 'verify' ? { differences: [] } : {}),
		runId: null,
	};

	const stoppedBefore = guard?.stopOf(sourceAccount);
	if (stoppedBefore) {
		// Nothing may be copied now (a window is closed, a budget used up): say so without touching either server.
		report.status = 'paused';
		report.reason = stoppedBefore.reason;
		report.resumesAt = stoppedBefore.resumesAt;
		return report;
	}

	let lease: MailboxLease | null = null;
	let renewTimer: NodeJS.Timeout | null = null;
	const lockTtlMs = 10 * 60_000;
	if (writes) {
		let attempt = await ledger.acquireMailboxLock(
			migrationId,
			sourceAccount,
			request.owner,
			lockTtlMs,
		);
		if (!attempt.acquired && isDeadLocalOwner(attempt.heldBy)) {
			// The holder was killed on this host (kill -9, OOM): its lease would block reruns until it expired.
			logger?.warn(`Taking over the mailbox lock of ${attempt.heldBy}, whose process is gone`);
			const stale = await ledger.acquireMailboxLock(
				migrationId,
				sourceAccount,
				attempt.heldBy,
				lockTtlMs,
			);
			if (stale.acquired) await ledger.releaseMailboxLock(stale.lease);
			attempt = await ledger.acquireMailboxLock(
				migrationId,
				sourceAccount,
				request.owner,
				lockTtlMs,
			);
		}
		if (!attempt.acquired) {
			throw new MailboxSetupError(
				`the mailbox is being migrated by another execution (${attempt.heldBy}, lease until ${attempt.expiresAt})`,
				'ledger',
			);
		}
		lease = attempt.lease;
		renewTimer = setInterval(() => {
			if (!lease) return;
			ledger
				.renewMailboxLock(lease, lockTtlMs)
				.then((renewed) => {
					if (renewed) lease = renewed;
					else logger?.warn('Mailbox lock lost', { mailbox: request.mailbox });
				})
				.catch((error: unknown) => logger?.warn(`Mailbox lock renewal failed: ${String(error)}`));
		}, lockTtlMs / 3);
		renewTimer.unref();
	}

	const pairs: SessionPair[] = [];
	let runId: string | null = null;
	let folderErrors = 0;
	let serverBackoffs = 0;
	const opening: PairOpening = {
		connector,
		controls,
		signal,
		onBusy: () => serverBackoffs++,
	};
	try {
		let first: SessionPair;
		try {
			first = await openPair(opening);
		} catch (error) {
			// Stopped while waiting for a connection slot or a busy server: paused, not failed.
			if (signal.aborted) return pausedOrStopped(report, signal);
			throw error;
		}
		pairs.push(first);
		let routes: FolderRoute[];
		let targetFolders: Set<string>;
		try {
			const [sourceFolders, sourceNamespace, targetList, targetNamespace] = await Promise.all([
				first.source.listFolders(),
				first.source.namespace(),
				first.target.listFolders(),
				first.target.namespace(),
			]);
			routes = routeFolders(
				{ folders: sourceFolders, namespace: sourceNamespace },
				{ folders: targetList, namespace: targetNamespace },
			);
			targetFolders = new Set(targetList.map((folder) => folder.rawName));
			const subscribed = new Set(
				targetList.filter((folder) => folder.subscribed).map((folder) => folder.rawName),
			);
			if (mode === 'full' || mode === 'delta') {
				await prepareTargetFolders(first.target, routes, targetFolders, subscribed);
			}
		} catch (error) {
			throw new MailboxSetupError(`listing folders failed: ${(error as Error).message}`, 'source', {
				cause: error,
			});
		}
		if (writes) {
			runId = (await ledger.startRun({ migrationId, sourceAccount, mode })).runId;
			report.runId = runId;
		}

		const context: FolderSyncContext = {
			migrationId,
			sourceAccount,
			mailbox: request.mailbox,
			mode,
			ledger,
			tuning,
			routes,
			failedItems: report.failedItems,
			maxFailedItemsReported: request.maxFailedItemsReported ?? DEFAULT_FAILED_ITEMS_LISTED,
			flagsNotKept: report.flagsNotKept,
			skippedByReason: report.counts.skippedByReason,
			differences: report.differences ?? [],
			totals: { copied: 0, bytes: 0, flagsUpdated: 0, serverBackoffs: 0, zipped: 0 },
			controls,
			hold: { until: 0 },
			oversize: {
				maxMessageBytes: request.oversize?.maxMessageBytes ?? null,
				zipAttachments: request.oversize?.zipAttachments ?? true,
			},
			onProgress: request.onProgress,
			signal,
			afterAppend: request.afterAppend,
		};

		const queue = routes.filter((route) => route.selectable && !route.skipReason);
		for (const route of routes) {
			if (route.skipReason) {
				report.folders.push({
					source: route.sourcePath,
					target: route.targetPath,
					action: 'skipped',
					skipReason: route.skipReason,
					sourceItems: 0,
					copied: 0,
					alreadyPresent: 0,
					skipped: 0,
					failed: 0,
				});
			}
		}
		const reports = new Map<FolderRoute, FolderReport>();
		const passes = new Map<FolderRoute, FolderPassOptions['progress']>();
		let reconnectsLeft = tuning.reconnects;
		const limiter = controls?.limiter;
		const excess = (pair: SessionPair) => () =>
			Boolean(
				limiter &&
				controls &&
				((pair.sourceSlot && limiter.claimExcessConnection(controls.sourceHost, pair.sourceSlot)) ||
					(pair.targetSlot && limiter.claimExcessConnection(controls.targetHost, pair.targetSlot))),
			);

		const work = async (slot: number) => {
			let pair: SessionPair | null = slot === 0 ? first : null;
			try {
				while (queue.length && !signal.aborted) {
					const route = queue.shift() as FolderRoute;
					const progress = passes.get(route) ?? {};
					passes.set(route, progress);
					try {
						if (!pair) {
							pair = await openPair(opening);
							pairs.push(pair);
						}
						const folderReport =
							mode === 'verify'
								? await verifyFolder(
										context,
										route,
										pair.source,
										pair.target,
										targetFolders.has(route.targetRaw),
									)
								: await syncFolder(context, route, pair.source, pair.target, {
										progress,
										shouldYield: excess(pair),
									});
						reports.set(route, folderReport);
						// The budget is for failures in a row: a long run may lose a connection now and then.
						reconnectsLeft = tuning.reconnects;
					} catch (error) {
						if (error instanceof ConnectionYieldError) {
							// A lower throttle profile began: give the connections back and wait for a slot to go on.
							logger?.debug(`Giving a connection pair back in ${route.sourcePath}`, {
								mailbox: request.mailbox,
							});
							await closePair(pair);
							pair = null;
							queue.unshift(route);
							continue;
						}
						if (signal.aborted) {
							queue.unshift(route);
							break;
						}
						// A login the server kept turning away was already retried with back-off in login(): not again here.
						const busyLogin =
							error instanceof MailboxSetupError && error.cause instanceof ServerBusyError;
						const lost =
							error instanceof SessionLostError ||
							(error instanceof MailboxSetupError && !busyLogin);
						if (lost && reconnectsLeft > 0) {
							reconnectsLeft--;
							report.reconnects++;
							const busy = error instanceof SessionLostError ? error.busy : null;
							if (busy) serverBackoffs++;
							logger?.warn(
								`Connection lost in ${route.sourcePath}, reconnecting: ${(error as Error).message}`,
								{ mailbox: request.mailbox },
							);
							await closePair(pair);
							pair = null;
							queue.unshift(route);
							await pauseUnlessAborted(
								backoffDelayMs(tuning.reconnects - reconnectsLeft - 1, busy?.hintMs ?? null),
								signal,
							);
							continue;
						}
						folderErrors++;
						guard?.recordErrors(sourceAccount, 1);
						const reason = (error as Error).message;
						logger?.warn(`Folder ${route.sourcePath} failed: ${reason}`, {
							mailbox: request.mailbox,
						});
						reports.set(route, {
							source: route.sourcePath,
							target: route.targetPath,
							action: 'skipped',
							skipReason: `error: ${reason}`,
							sourceItems: 0,
							copied: 0,
							alreadyPresent: 0,
							skipped: 0,
							failed: 0,
						});
						report.reason ??= `folder ${route.sourcePath}: ${reason}`;
						if (lost) {
							// Out of reconnects: leave the rest for the next run rather than failing each folder in turn.
							for (const rest of queue.splice(0)) {
								reports.set(rest, {
									source: rest.sourcePath,
									target: rest.targetPath,
									action: 'skipped',
									skipReason: 'not reached: connection lost',
									sourceItems: 0,
									copied: 0,
									alreadyPresent: 0,
									skipped: 0,
									failed: 0,
								});
								folderErrors++;
							}
						}
					}
				}
			} finally {
				// Also the first pair: its slots may be what another worker of this mailbox is waiting for.
				if (pair) await closePair(pair);
			}
		};
		const workers = Math.max(1, Math.min(tuning.connections, queue.length));
		await Promise.all(Array.from({ length: workers }, (_, slot) => work(slot)));
		// Left when the run stopped: started ones keep their counts, all are paused.
		for (const route of queue.splice(0)) {
			const started = passes.get(route)?.current?.report;
			if (started) started.action = 'paused';
			reports.set(route, started ?? notReached(route, 'not reached'));
		}

		for (const route of routes) {
			const folderReport = reports.get(route);
			if (folderReport) report.folders.push(folderReport);
		}
		for (const folder of report.folders) {
			report.counts.sourceItems += folder.sourceItems;
			report.counts.copied += folder.copied;
			report.counts.alreadyPresent += folder.alreadyPresent;
			report.counts.skipped += folder.skipped;
			report.counts.failed += folder.failed;
		}
		report.counts.folders = reports.size;
		report.counts.flagsUpdated = context.totals.flagsUpdated;
		report.counts.zipped = context.totals.zipped;
		report.serverBackoffs = context.totals.serverBackoffs + serverBackoffs;
		report.bytes = context.totals.bytes;
		report.status = statusOf(report, folderErrors);
		const unfinished = report.folders.some((folder) => folder.action === 'paused');
		if (signal.aborted && unfinished) pausedOrStopped(report, signal);
		return report;
	} finally {
		if (renewTimer) clearInterval(renewTimer);
		report.seconds = (Date.now() - started) / 1000;
		if (report.seconds > 0) {
			report.messagesPerSecond = Math.round((report.counts.copied / report.seconds) * 10) / 10;
			report.megabytesPerSecond = Math.round((report.bytes / 1e6 / report.seconds) * 100) / 100;
		}
		await Promise.allSettled(pairs.map((pair) => closePair(pair)));
		if (runId) {
			await ledger
				.finishRun(runId, {
					status: report.status === 'completed' ? 'completed' : 'completedWithErrors',
					summary: { counts: report.counts, bytes: report.bytes, seconds: report.seconds },
				})
				.catch((error: unknown) =>
					logger?.warn(`Could not record the run's end: ${String(error)}`),
				);
		}
		if (lease) await ledger.releaseMailboxLock(lease).catch(() => false);
	}
}

/**
 * A mailbox stopped before its end: `paused` with the stop condition's reason and when it may go on, or `partial`
 * when the caller cancelled it. The next run resumes from the last item either way.
 */
function pausedOrStopped(report: MailboxReport, signal: AbortSignal): MailboxReport {
	const stop = signal.reason instanceof RunStoppedError ? signal.reason : null;
	if (stop) {
		report.status = 'paused';
		report.reason = stop.message;
		report.resumesAt = stop.resumesAt;
	} else {
		report.status = 'partial';
		report.reason ??= 'stopped before the end; the next run resumes from the last item';
	}
	return report;
}

export { isDeadLocalOwner, newOwnerId } from './owner';
