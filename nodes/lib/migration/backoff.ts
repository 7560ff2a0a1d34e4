/** Pauses after a server said "not now": its own hint when it gave one, else growing, always jittered and bounded. */

/** Exchange says "Suggested Backoff Time: 30000 milliseconds"; other servers give nothing to go by. */
export function suggestedBackoffMs(text: string): number | null {
	const match = /backoff time:?\s*(\d+)\s*(ms|milliseconds|s|seconds)?/i.exec(text);
	if (!match) return null;
	const value = Number(match[1]);
	return /^s/i.test(match[2] ?? 'ms') ? value * 1000 : value;
}

/**
 * Longest pause taken on a server's word. Exchange suggests up to ~300 s ("Suggested Backoff Time: 299961
 * milliseconds", imapsync's FAQ.Office365): a pause cut short of it only earns the next refusal.
 */
const MAX_HINT_MS = 10 * 60_000;

/**
 * The server's hint plus up to a quarter more (never less: its budget allows nothing sooner); without one,
 * exponential from 1 s, capped at 60 s, jittered within the upper half. Jitter keeps mailboxes out of step.
 */
export function backoffDelayMs(attempt: number, hintMs: number | null): number {
	if (hintMs !== null) {
		const hint = Math.min(MAX_HINT_MS, hintMs);
		return Math.round(hint + (Math.random() * hint) / 4);
	}
	const ceiling = Math.min(60_000, 1000 * 2 ** attempt);
	return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

/** Waits, or stops waiting as soon as the signal aborts (the caller then checks the signal). */
export function pauseUnlessAborted(ms: number, signal?: AbortSignal): Promise<void> {
	return new Promise((resolve) => {
		if (signal?.aborted) {
			resolve();
			return;
		}
		const done = () => {
			clearTimeout(timer);
			signal?.removeEventListener('abort', done);
			resolve();
		};
		const timer = setTimeout(done, ms);
		signal?.addEventListener('abort', done, { once: true });
	});
}
