/** Rate arithmetic for the limited runs of the benchmark: timestamped amounts (ms, units) to units per second. */

export interface Sample {
	/** Milliseconds, any origin (the same for every sample compared). */
	at: number;
	/** Units that passed at that instant: messages or bytes. */
	units: number;
}

/**
 * The most units per second over any span of at least `minSpanMs` (and at most `maxSpanMs`) between two samples: the
 * units after the first sample up to and including the last, divided by the time between them. Anchoring spans on
 * samples counts each batch once, as arrivals are counted between two arrivals; a fixed window placed anywhere
 * would catch one batch more than its span paid for (up to a whole batch over: 20 % for one-second batches in 5 s).
 * Null when no two samples are far enough apart.
 */
export function maxSpanRate(
	samples: readonly Sample[],
	minSpanMs: number,
	maxSpanMs = 2 * minSpanMs,
): { rate: number; from: number; to: number } | null {
	const sorted = [...samples].sort((a, b) => a.at - b.at);
	const before = [0];
	for (const sample of sorted) before.push(before[before.length - 1] + sample.units);
	// after[i]: index of the first sample later than sample i.
	const after: number[] = new Array<number>(sorted.length);
	for (let index = sorted.length - 1; index >= 0; index--) {
		after[index] =
			index + 1 < sorted.length && sorted[index + 1].at === sorted[index].at
				? after[index + 1]
				: index + 1;
	}
	let best: { rate: number; from: number; to: number } | null = null;
	for (let end = 0; end < sorted.length; end++) {
		for (let start = end - 1; start >= 0; start--) {
			const span = sorted[end].at - sorted[start].at;
			if (span < minSpanMs) continue;
			if (span > maxSpanMs) break;
			const rate = ((before[end + 1] - before[after[start]]) * 1000) / span;
			if (!best || rate > best.rate) best = { rate, from: sorted[start].at, to: sorted[end].at };
		}
	}
	return best;
}

export function total(samples: readonly Sample[]): number {
	return samples.reduce((sum, sample) => sum + sample.units, 0);
}

export function median(values: readonly number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	const middle = Math.floor(sorted.length / 2);
	return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
