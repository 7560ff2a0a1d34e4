/** Source and target sessions of one mailbox, opened in pairs under the host limiter's connection slots. */
import type { Release } from '../../limits/hostLimiter';
import { backoffDelayMs, pauseUnlessAborted } from '../backoff';
import {
	ServerBusyError,
	TargetNotReadyError,
	type MailSource,
	type MailTarget,
} from '../mailStore';
import type { EngineControls } from '../types';
import { MailboxSetupError } from './setupError';

/** Opens sessions to both sides of one mailbox; called again after a lost connection and once per extra connection. */
export interface MailboxConnector {
	openSource(): Promise<MailSource>;
	openTarget(): Promise<MailTarget>;
}

/** Logins a server turns away for now ([UNAVAILABLE], [THROTTLED]) retried before the mailbox gives up. */
const MAX_BUSY_LOGIN_RETRIES = 4;

export interface SessionPair {
	source: MailSource;
	target: MailTarget;
	/** Connection slots held from the host limiter, given back when the pair closes. */
	sourceSlot: Release | null;
	targetSlot: Release | null;
	closed: boolean;
}

/** Closes both sessions, then gives the slots back, so the servers never see more connections than allowed. */
export async function closePair(pair: SessionPair | null): Promise<void> {
	if (!pair || pair.closed) return;
	pair.closed = true;
	await Promise.allSettled([pair.source.close(), pair.target.close()]);
	pair.sourceSlot?.();
	pair.targetSlot?.();
}

/** Every pair one mailbox opened, so all are closed at its end whatever became of its workers. */
export class SessionPairPool {
	private readonly opened: SessionPair[] = [];
	/** Logins the servers turned away for now, each followed by a pause. */
	busyLogins = 0;

	constructor(
		private readonly connector: MailboxConnector,
		private readonly controls: EngineControls | undefined,
		private readonly signal: AbortSignal,
	) {}

	/** Takes a connection slot on each host (source first, always, so two pairs never wait on each other), then logs in. */
	async open(): Promise<SessionPair> {
		const { controls, connector, signal } = this;
		const limiter = controls?.limiter;
		let sourceSlot: Release | null = null;
		let targetSlot: Release | null = null;
		try {
			if (limiter && controls) {
				sourceSlot = await limiter.acquireConnection(controls.sourceHost, signal);
				targetSlot = await limiter.acquireConnection(controls.targetHost, signal);
			}
			const source = await this.login('source', () => connector.openSource());
			try {
				const target = await this.login('target', () => connector.openTarget());
				const pair = { source, target, sourceSlot, targetSlot, closed: false };
				this.opened.push(pair);
				return pair;
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

	/** Asked before each batch of a pass on this pair: true when a lower throttle profile wants its slots back. */
	yieldCheck(pair: SessionPair): () => boolean {
		const { controls } = this;
		const limiter = controls?.limiter;
		return () =>
			Boolean(
				limiter &&
				controls &&
				((pair.sourceSlot && limiter.claimExcessConnection(controls.sourceHost, pair.sourceSlot)) ||
					(pair.targetSlot && limiter.claimExcessConnection(controls.targetHost, pair.targetSlot))),
			);
	}

	async closeAll(): Promise<void> {
		await Promise.allSettled(this.opened.map((pair) => closePair(pair)));
	}

	private async login<T>(side: 'source' | 'target', open: () => Promise<T>): Promise<T> {
		for (let attempt = 0; ; attempt++) {
			try {
				return await open();
			} catch (error) {
				// Not a setup failure: the mailbox waits for the next run (migrateMailbox pauses it).
				if (error instanceof TargetNotReadyError) throw error;
				const busy = error instanceof ServerBusyError;
				if (!busy || attempt >= MAX_BUSY_LOGIN_RETRIES || this.signal.aborted) {
					throw new MailboxSetupError(`${side}: ${(error as Error).message}`, side, {
						cause: error,
					});
				}
				this.busyLogins++;
				await pauseUnlessAborted(backoffDelayMs(attempt, error.busy.hintMs), this.signal);
			}
		}
	}
}
