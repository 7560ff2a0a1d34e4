/**
 * The folders of one mailbox worked through by up to `tuning.connections` workers, each on its own session pair: a
 * pair given back when a lower throttle profile begins, reopened with back-off when lost, and the run stopped cleanly.
 */
import { backoffDelayMs, pauseUnlessAborted } from '../backoff';
import {
	accountedFor,
	ConnectionYieldError,
	syncFolder,
	verifyFolder,
	type FolderPassOptions,
	type FolderSyncContext,
} from '../folderCopy';
import { ServerBusyError, SessionLostError } from '../mailStore';
import type { EngineLogger, FolderReport, FolderRoute, MailboxReport } from '../types';
import { folderNotWorked, type FolderOutcome } from './mailboxReport';
import { closePair, type SessionPair, type SessionPairPool } from './sessionPairs';
import { MailboxSetupError } from './setupError';

export interface FolderWork {
	context: FolderSyncContext;
	routes: FolderRoute[];
	/** Raw names of the target's folders (verify compares only those that exist). */
	targetFolders: Set<string>;
	pairs: SessionPairPool;
	/** The pair setup opened, taken by the first worker. */
	first: SessionPair;
	/** Counts reconnects and keeps the first folder error as its reason. */
	report: MailboxReport;
	signal: AbortSignal;
	logger?: EngineLogger;
}

/** Works through the folders; those left when the run stopped are paused, started ones with their counts. */
export async function runFolderWorkers(work: FolderWork): Promise<FolderOutcome> {
	return await new FolderWorkers(work).run();
}

class FolderWorkers {
	private readonly queue: FolderRoute[];
	private readonly reports = new Map<FolderRoute, FolderReport>();
	/** Each folder's progress, kept so a pass resumed on a new pair goes on where it stopped. */
	private readonly passes = new Map<FolderRoute, FolderPassOptions['progress']>();
	private folderErrors = 0;
	/** Where each folder's pass stood when the server last ended its session for an expired token. */
	private readonly markAtExpiry = new Map<FolderRoute, string>();
	/** Reconnects after the server closed a session to shed load. */
	private reconnectBackoffs = 0;
	/** Shared by the workers: for failures in a row, so a long run may lose a connection now and then. */
	private reconnectsLeft: number;
	/** Items accounted for (copied, found present...) at the last lost connection: a loss after progress is not one more in a row. */
	private settledAtLastLoss = 0;

	constructor(private readonly work: FolderWork) {
		this.queue = work.routes.filter((route) => route.selectable && !route.skipReason);
		this.reconnectsLeft = work.context.tuning.reconnects;
	}

	async run(): Promise<FolderOutcome> {
		const count = Math.max(1, Math.min(this.work.context.tuning.connections, this.queue.length));
		await Promise.all(
			Array.from({ length: count }, (_, slot) => this.worker(slot === 0 ? this.work.first : null)),
		);
		for (const route of this.queue.splice(0)) {
			const started = this.passes.get(route)?.current?.report;
			if (started) started.action = 'paused';
			this.reports.set(route, started ?? folderNotWorked(route, 'paused', 'not reached'));
		}
		return {
			routes: this.work.routes,
			reports: this.reports,
			folderErrors: this.folderErrors,
			serverBackoffs: this.work.pairs.busyLogins + this.reconnectBackoffs,
		};
	}

	private async worker(first: SessionPair | null): Promise<void> {
		const { queue } = this;
		const { context, pairs, signal, logger } = this.work;
		let pair = first;
		try {
			while (queue.length && !signal.aborted) {
				const route = queue.shift() as FolderRoute;
				const progress = this.passes.get(route) ?? {};
				this.passes.set(route, progress);
				try {
					if (!pair) pair = await pairs.open();
					this.reports.set(route, await this.pass(route, pair, progress));
					this.reconnectsLeft = context.tuning.reconnects;
				} catch (error) {
					if (error instanceof ConnectionYieldError) {
						// A lower throttle profile began: give the connections back and wait for a slot to go on.
						logger?.debug(`Giving a connection pair back in ${route.sourcePath}`, {
							mailbox: context.mailbox,
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
					const lost = isLostConnection(error);
					if (lost) this.forgiveLossesBeforeProgress();
					if (lost && this.reconnectsLeft > 0) {
						const renewal = this.isScheduledRenewal(route, error, progress);
						const busy = this.noteReconnect(route, error as Error, renewal);
						await closePair(pair);
						pair = null;
						queue.unshift(route);
						if (renewal) continue;
						const attempt = context.tuning.reconnects - this.reconnectsLeft - 1;
						// A hint is the time until the server's budget allows one message, which another connection of
						// the mailbox may take first: lost again with nothing done, wait the growing step as well.
						const step = attempt > 0 ? backoffDelayMs(attempt - 1, null) : 0;
						const hinted = backoffDelayMs(attempt, busy?.hintMs ?? null);
						await pauseUnlessAborted(Math.max(step, hinted), signal);
						continue;
					}
					this.failFolder(route, error as Error, lost);
				}
			}
		} finally {
			// Also the first pair: its slots may be what another worker of this mailbox is waiting for.
			if (pair) await closePair(pair);
		}
	}

	private pass(
		route: FolderRoute,
		pair: SessionPair,
		progress: FolderPassOptions['progress'],
	): Promise<FolderReport> {
		const { context, targetFolders, pairs } = this.work;
		return context.mode === 'verify'
			? verifyFolder(context, route, pair.source, pair.target, targetFolders.has(route.targetRaw))
			: syncFolder(context, route, pair.source, pair.target, {
					progress,
					shouldYield: pairs.yieldCheck(pair),
				});
	}

	/**
	 * A server that sheds sessions to pace a long copy (Exchange's BYE after throttled answers) ends many of them,
	 * each after progress: only losses with nothing copied in between exhaust the reconnects.
	 */
	private forgiveLossesBeforeProgress(): void {
		let settled = 0;
		for (const progress of this.passes.values()) {
			const report = progress.current?.report;
			if (report) settled += accountedFor(report);
		}
		if (settled > this.settledAtLastLoss) this.reconnectsLeft = this.work.context.tuning.reconnects;
		this.settledAtLastLoss = settled;
	}

	/**
	 * A session the server ended because its OAuth token expired, after the pass went on since the last such end:
	 * routine with short-lived tokens (Exchange's last 60-90 minutes), so it is re-established at once without
	 * spending a reconnect. Without progress in between it counts as any lost connection, so it cannot loop.
	 */
	private isScheduledRenewal(
		route: FolderRoute,
		error: unknown,
		progress: FolderPassOptions['progress'],
	): boolean {
		if (!(error instanceof SessionLostError) || !error.tokenExpired) return false;
		const current = progress.current;
		const mark = current
			? `${current.windowFrom}:${current.unhandled?.size ?? -1}:${accountedFor(current.report)}`
			: '';
		const progressed = current !== undefined && this.markAtExpiry.get(route) !== mark;
		this.markAtExpiry.set(route, mark);
		return progressed;
	}

	/** Counts one reconnect and spends it unless it renews an expired session; returns the server's busy hint. */
	private noteReconnect(
		route: FolderRoute,
		error: Error,
		renewal: boolean,
	): SessionLostError['busy'] {
		if (!renewal) this.reconnectsLeft--;
		this.work.report.reconnects++;
		const busy = error instanceof SessionLostError ? error.busy : null;
		if (busy) this.reconnectBackoffs++;
		this.work.logger?.warn(
			`Connection lost in ${route.sourcePath}, reconnecting: ${error.message}`,
			{
				mailbox: this.work.context.mailbox,
			},
		);
		return busy;
	}

	private failFolder(route: FolderRoute, error: Error, lost: boolean): void {
		const { context, report, logger } = this.work;
		this.folderErrors++;
		context.controls?.guard?.recordErrors(context.sourceAccount, 1);
		const reason = error.message;
		logger?.warn(`Folder ${route.sourcePath} failed: ${reason}`, { mailbox: context.mailbox });
		this.reports.set(route, folderNotWorked(route, 'skipped', `error: ${reason}`));
		report.reason ??= `folder ${route.sourcePath}: ${reason}`;
		if (lost) {
			// Out of reconnects: leave the rest for the next run rather than failing each folder in turn.
			for (const rest of this.queue.splice(0)) {
				this.reports.set(rest, folderNotWorked(rest, 'skipped', 'not reached: connection lost'));
				this.folderErrors++;
			}
		}
	}
}

/** A login the server kept turning away was already retried with back-off at login: not reconnected again here. */
function isLostConnection(error: unknown): boolean {
	const busyLogin = error instanceof MailboxSetupError && error.cause instanceof ServerBusyError;
	return error instanceof SessionLostError || (error instanceof MailboxSetupError && !busyLogin);
}
