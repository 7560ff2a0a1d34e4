import { InProcessHostLimiter, type Release } from '../../../nodes/lib/limits/hostLimiter';
import { flushPromises, ManualClock } from './manualClock';

const limits = (
	maxConnections: number,
	rates: { messagesPerSecond?: number; bytesPerSecond?: number } = {},
) => ({
	name: `${maxConnections} connections`,
	maxConnections,
	...rates,
});

/**
 * Bottleneck hands out slots over a few event-loop turns; 30 ms is ample for it on an idle machine and short for a
 * test. Only for "nothing more happens": where a grant is expected, settleAt waits for it first.
 */
const settle = () => new Promise((resolve) => setTimeout(resolve, 30));

/**
 * Waits until `count` slots have been granted (polling: a loaded machine can stall between Bottleneck's turns for
 * longer than settle() waits), then settles, so that one grant too many would show as well.
 */
async function settleAt(granted: Release[], count: number): Promise<void> {
	const deadline = Date.now() + 5_000;
	while (granted.length < count && Date.now() < deadline) {
		await new Promise((resolve) => setTimeout(resolve, 5));
	}
	await settle();
}

/** Starts `count` acquisitions and collects the releases as they are granted. */
function acquireMany(limiter: InProcessHostLimiter, host: string, count: number) {
	const granted: Release[] = [];
	const promises = Array.from({ length: count }, () =>
		limiter.acquireConnection(host).then((release) => {
			granted.push(release);
			return release;
		}),
	);
	return { granted, promises };
}

describe('InProcessHostLimiter connections', () => {
	it('holds a host to its connection cap and hands freed slots to waiting callers', async () => {
		const limiter = new InProcessHostLimiter();
		await limiter.setProfile('imap.a.test', limits(2));
		const { granted, promises } = acquireMany(limiter, 'imap.a.test', 5);
		await settleAt(granted, 2);
		expect(granted).toHaveLength(2);
		expect(limiter.stats('imap.a.test')).toMatchObject({
			activeConnections: 2,
			queuedConnections: 3,
		});
		granted[0]();
		granted[0](); // a second release of the same slot frees nothing more
		await settleAt(granted, 3);
		expect(granted).toHaveLength(3);
		expect(limiter.stats('imap.a.test').activeConnections).toBe(2);
		// Each release lets one more caller in until all five have had a slot.
		for (let released = 1; released < 5; released++) {
			granted[released]();
			await settleAt(granted, Math.min(5, released + 3));
		}
		expect(granted).toHaveLength(5);
		await Promise.all(promises);
		expect(limiter.stats('imap.a.test')).toMatchObject({
			activeConnections: 0,
			queuedConnections: 0,
			peakConnections: 2,
		});
	});

	it('applies a new cap to waiting callers at once, and a lower one as slots come back', async () => {
		const limiter = new InProcessHostLimiter({ defaultLimits: limits(1) });
		const { granted } = acquireMany(limiter, 'h', 6);
		await settleAt(granted, 1);
		expect(granted).toHaveLength(1);
		await limiter.setProfile('h', limits(4));
		await settleAt(granted, 4);
		expect(granted).toHaveLength(4);
		await limiter.setProfile('h', limits(2));
		granted[0]();
		granted[1]();
		await settle();
		// Two still held, at the new cap of 2: nobody else may start.
		expect(limiter.stats('h')).toMatchObject({ activeConnections: 2, queuedConnections: 2 });
		granted[2]();
		await settleAt(granted, 5);
		expect(granted).toHaveLength(5);
		expect(limiter.stats('h').activeConnections).toBe(2);
	});

	it('keeps hosts apart', async () => {
		const limiter = new InProcessHostLimiter({ defaultLimits: limits(1) });
		const first = await limiter.acquireConnection('source.test');
		const other = await limiter.acquireConnection('target.test');
		expect(limiter.stats('source.test').activeConnections).toBe(1);
		expect(limiter.stats('target.test').activeConnections).toBe(1);
		first();
		other();
	});

	it('gives up a queued acquisition when its signal aborts, without losing the slot', async () => {
		const limiter = new InProcessHostLimiter({ defaultLimits: limits(1) });
		const held = await limiter.acquireConnection('h');
		const controller = new AbortController();
		const abandoned = limiter.acquireConnection('h', controller.signal);
		const { granted } = acquireMany(limiter, 'h', 1);
		controller.abort(new Error('window closed'));
		await expect(abandoned).rejects.toThrow('window closed');
		held();
		await settleAt(granted, 1);
		expect(granted).toHaveLength(1);
		expect(limiter.stats('h')).toMatchObject({ activeConnections: 1, queuedConnections: 0 });
	});

	it('rejects what is still waiting when closed', async () => {
		const limiter = new InProcessHostLimiter({
			defaultLimits: limits(1, { messagesPerSecond: 1 }),
		});
		await limiter.acquireConnection('h');
		const queued = limiter.acquireConnection('h');
		const pacing = limiter.consume('h', { messages: 100 });
		await limiter.close();
		await expect(queued).rejects.toThrow('closed');
		await expect(pacing).rejects.toThrow('closed');
		await expect(limiter.consume('h', { messages: 1 })).rejects.toThrow('closed');
	});
});

describe('InProcessHostLimiter rates (injected clock)', () => {
	const start = Date.parse('2025-03-24T08:00:00Z');

	it('makes a usage wait until it is paid for, by the stricter of messages and bytes', async () => {
		const clock = new ManualClock(start);
		const limiter = new InProcessHostLimiter({ clock });
		await limiter.setProfile('h', limits(4, { messagesPerSecond: 10, bytesPerSecond: 1000 }));
		const resolvedAt: number[] = [];
		const record = () => resolvedAt.push(clock.now() - start);
		void limiter.consume('h', { messages: 1, bytes: 500 }).then(record); // bytes: 500 ms
		void limiter.consume('h', { messages: 20, bytes: 0 }).then(record); // messages: 100 ms + 2000 ms
		void limiter.consume('h', { messages: 0, bytes: 250 }).then(record); // bytes: after the first, 750 ms
		await clock.advance(5000);
		expect(resolvedAt).toEqual([500, 750, 2100]);
		expect(limiter.stats('h')).toMatchObject({ messages: 21, bytes: 750, waitedMs: 3350 });
	});

	it('lets everything through at once without a rate, and after a limit is lifted', async () => {
		const clock = new ManualClock(start);
		const limiter = new InProcessHostLimiter({ clock });
		await limiter.consume('h', { messages: 1e6, bytes: 1e12 });
		await limiter.setProfile('h', limits(4, { bytesPerSecond: 1 }));
		let done = false;
		void limiter.consume('h', { bytes: 1e6 }).then(() => (done = true));
		await clock.advance(1000);
		expect(done).toBe(false);
		await limiter.setProfile('h', limits(4));
		await flushPromises();
		expect(done).toBe(true);
	});

	it('slows waiting consumers down when the rate drops', async () => {
		const clock = new ManualClock(start);
		const limiter = new InProcessHostLimiter({ clock });
		await limiter.setProfile('h', limits(4, { messagesPerSecond: 10 }));
		let doneAt = 0;
		void limiter.consume('h', { messages: 10 }).then(() => (doneAt = clock.now() - start));
		await clock.advance(400);
		// 6 messages left, now at 2/s: 3 s more.
		await limiter.setProfile('h', limits(4, { messagesPerSecond: 2 }));
		await clock.advance(10_000);
		expect(doneAt).toBe(3400);
	});

	it('stops waiting when the signal aborts', async () => {
		const clock = new ManualClock(start);
		const limiter = new InProcessHostLimiter({ clock });
		await limiter.setProfile('h', limits(4, { messagesPerSecond: 1 }));
		const controller = new AbortController();
		const waiting = limiter.consume('h', { messages: 5 }, controller.signal);
		await clock.advance(1000);
		controller.abort(new Error('stop'));
		await expect(waiting).rejects.toThrow('stop');
		expect(limiter.stats('h').messages).toBe(0);
		expect(clock.pendingTimers).toBe(0);
	});
});

/**
 * Real time: consumers ask concurrently for ~2 s. `granted(t)` is what had been let through by time t after the start;
 * it must never exceed limit × t, and the total over the run must reach at least 90 % of the limit.
 */
async function measure(
	limiter: InProcessHostLimiter,
	host: string,
	consumers: number,
	durationMs: number,
	usage: (round: number) => { messages?: number; bytes?: number },
) {
	const started = Date.now();
	const grants: { at: number; messages: number; bytes: number }[] = [];
	let round = 0;
	await Promise.all(
		Array.from({ length: consumers }, async () => {
			while (Date.now() - started < durationMs) {
				const wanted = usage(round++);
				await limiter.consume(host, wanted);
				grants.push({
					at: Date.now() - started,
					messages: wanted.messages ?? 0,
					bytes: wanted.bytes ?? 0,
				});
			}
		}),
	);
	grants.sort((a, b) => a.at - b.at);
	let messages = 0;
	let bytes = 0;
	const cumulative = grants.map((grant) => ({
		at: grant.at,
		messages: (messages += grant.messages),
		bytes: (bytes += grant.bytes),
	}));
	const last = cumulative[cumulative.length - 1];
	return { cumulative, last };
}

describe('InProcessHostLimiter rate accuracy (real time)', () => {
	it('holds 20 messages/s from three mailboxes: never above, within 10 % under', async () => {
		const limiter = new InProcessHostLimiter();
		await limiter.setProfile('h', limits(4, { messagesPerSecond: 20 }));
		const { cumulative, last } = await measure(limiter, 'h', 3, 2000, () => ({ messages: 1 }));
		for (const point of cumulative)
			expect(point.messages).toBeLessThanOrEqual((20 * point.at) / 1000);
		const achieved = (last.messages * 1000) / last.at;
		expect(achieved).toBeLessThanOrEqual(20);
		expect(achieved).toBeGreaterThanOrEqual(18);
	});

	it('holds 2 MB/s with batches of uneven size: never above, within 10 % under', async () => {
		const limiter = new InProcessHostLimiter();
		const rate = 2_000_000;
		await limiter.setProfile('h', limits(4, { bytesPerSecond: rate, messagesPerSecond: 1000 }));
		const sizes = [120_000, 35_000, 410_000, 8_000, 260_000];
		const { cumulative, last } = await measure(limiter, 'h', 2, 2000, (round) => ({
			messages: 1,
			bytes: sizes[round % sizes.length],
		}));
		for (const point of cumulative)
			expect(point.bytes).toBeLessThanOrEqual((rate * point.at) / 1000);
		const achieved = (last.bytes * 1000) / last.at;
		expect(achieved).toBeLessThanOrEqual(rate);
		expect(achieved).toBeGreaterThanOrEqual(rate * 0.9);
	});
});

describe('InProcessHostLimiter excess connections', () => {
	it('names exactly the connections above a lowered cap, once each, and frees the claim on release', async () => {
		const limiter = new InProcessHostLimiter({ defaultLimits: limits(4) });
		const { granted } = acquireMany(limiter, 'h', 4);
		await settleAt(granted, 4);
		expect(granted).toHaveLength(4);
		expect(granted.map((release) => limiter.claimExcessConnection('h', release))).toEqual([
			false,
			false,
			false,
			false,
		]);

		await limiter.setProfile('h', limits(1));
		const claims = granted.map((release) => limiter.claimExcessConnection('h', release));
		expect(claims).toEqual([true, true, true, false]);
		// A holder asking again is not counted twice.
		expect(limiter.claimExcessConnection('h', granted[0])).toBe(false);

		granted[0]();
		granted[1]();
		expect(limiter.claimExcessConnection('h', granted[3])).toBe(false);
		granted[2]();
		expect(limiter.stats('h').activeConnections).toBe(1);
		expect(limiter.claimExcessConnection('h', granted[3])).toBe(false);
	});

	it('claims nothing on a host it has never seen', () => {
		const limiter = new InProcessHostLimiter();
		expect(limiter.claimExcessConnection('unknown', () => undefined)).toBe(false);
	});
});

describe('InProcessHostLimiter hold-off', () => {
	it('grants nothing on a host the server asked to pause, waiting callers included, and leaves other hosts alone', async () => {
		const clock = new ManualClock(1_000_000);
		const limiter = new InProcessHostLimiter({ clock, defaultLimits: limits(4) });
		const granted: string[] = [];
		const first = limiter.consume('busy', { messages: 1 }).then(() => granted.push('busy 1'));
		await flushPromises();
		expect(granted).toEqual(['busy 1']);

		limiter.holdOff('busy', 2000);
		limiter.holdOff('busy', 500); // a shorter hold never shortens the one in force
		const second = limiter.consume('busy', { messages: 1 }).then(() => granted.push('busy 2'));
		const other = limiter.consume('calm', { messages: 1 }).then(() => granted.push('calm'));
		await flushPromises();
		expect(granted).toEqual(['busy 1', 'calm']);
		await clock.advanceTo(1_001_999);
		expect(granted).toEqual(['busy 1', 'calm']);
		await clock.advanceTo(1_002_000);
		expect(granted).toEqual(['busy 1', 'calm', 'busy 2']);
		await Promise.all([first, second, other]);
	});
});
