/**
 * Waiting for new mailboxes, several at once: each is polled on its own back-off (2 s, 4 s, 8 s… up to 30 s) and the
 * polls of all of them interleave, so one slow mailbox does not hold up the others; the whole wait ends at one
 * deadline (the run's budget). A mailbox still not ready then is left for a later run, with when to look again.
 */
import { pauseUnlessAborted } from '../../migration/backoff';

export const POLL_INTERVALS_MS = [2_000, 4_000, 8_000, 15_000, 30_000];

/**
 * How long to leave a mailbox that was not ready before looking again: Exchange usually needs minutes, at worst a day,
 * for a newly licensed mailbox (see graph/mailboxReadiness).
 */
export const RESUME_AFTER_MS = 5 * 60_000;

export interface WaitOptions {
	budgetMs: number;
	intervalsMs?: readonly number[];
	now?: () => number;
	pause?: (ms: number, signal?: AbortSignal) => Promise<void>;
	signal?: AbortSignal;
}

/** One mailbox's wait: ready, not yet (look again at `resumesAt`), or a failure that is not "not ready". */
export type WaitResult =
	| { ready: true; polls: number }
	| { ready: false; polls: number; resumesAt: string }
	| { error: Error; polls: number };

interface Waiting {
	key: string;
	probe: () => Promise<boolean>;
	polls: number;
	nextAt: number;
}

/** Polls every probe (true: ready) until it is ready, fails, or the budget is spent; every probe is tried once. */
export async function waitForMailboxes(
	probes: ReadonlyMap<string, () => Promise<boolean>>,
	options: WaitOptions,
): Promise<Map<string, WaitResult>> {
	const now = options.now ?? Date.now;
	const pause = options.pause ?? pauseUnlessAborted;
	const intervals = options.intervalsMs ?? POLL_INTERVALS_MS;
	const deadline = now() + Math.max(0, options.budgetMs);
	const results = new Map<string, WaitResult>();
	let waiting: Waiting[] = [...probes].map(([key, probe]) => ({
		key,
		probe,
		polls: 0,
		nextAt: now(),
	}));
	while (waiting.length > 0) {
		const due = waiting.reduce((first, entry) => (entry.nextAt < first.nextAt ? entry : first));
		const polledOnce = due.polls > 0;
		if (polledOnce && (due.nextAt > deadline || options.signal?.aborted)) {
			// Nothing left can be polled within the budget: everyone still waiting is left for a later run.
			for (const entry of waiting) {
				results.set(entry.key, {
					ready: false,
					polls: entry.polls,
					resumesAt: new Date(now() + RESUME_AFTER_MS).toISOString(),
				});
			}
			break;
		}
		const delay = due.nextAt - now();
		if (delay > 0) await pause(delay, options.signal);
		due.polls += 1;
		let ready: boolean;
		try {
			ready = await due.probe();
		} catch (error) {
			results.set(due.key, { error: error as Error, polls: due.polls });
			waiting = waiting.filter((entry) => entry !== due);
			continue;
		}
		if (ready) {
			results.set(due.key, { ready: true, polls: due.polls });
			waiting = waiting.filter((entry) => entry !== due);
			continue;
		}
		due.nextAt = now() + intervals[Math.min(due.polls - 1, intervals.length - 1)];
	}
	return results;
}
