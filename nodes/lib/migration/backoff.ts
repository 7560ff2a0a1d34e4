/** Pauses after a server said "not now": its own hint when it gave one, else growing, always jittered and bounded. */

/** Exchange says "Suggested Backoff Time: 30000 milliseconds"; other servers give nothing to go by. */
export function suggestedBackoffMs(text: string): number | null {
	const match = /backoff time:?\s*(\d+)\s*(ms|milliseconds|s|seconds)?/i.exec(text);
	if (!match) return null;
	const value = Number(match[1]);
	return /^s/i.test(match[2] ?? 'ms') ? value * 1000 : value;
}

/** Exponential from 1 s, capped at 60 s, with full jitter so many mailboxes do not retry in step. */
export function backoffDelayMs(attempt: number, hintMs: number | null): number {
	const ceiling = Math.min(60_000, hintMs ?? 1000 * 2 ** attempt);
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
