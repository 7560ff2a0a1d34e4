import {
	RESUME_AFTER_MS,
	waitForMailboxes,
} from '../../../nodes/lib/provisioning/microsoft365/mailboxWait';

/** A clock that moves only when the wait pauses: no real time passes. */
function virtualTime() {
	let now = 0;
	const pauses: number[] = [];
	return {
		now: () => now,
		pause: async (ms: number) => {
			pauses.push(ms);
			now += ms;
		},
		pauses,
	};
}

const readyAfter = (polls: number, log: string[], name: string) => {
	let count = 0;
	return async () => {
		log.push(`${name}@${count}`);
		return ++count > polls;
	};
};

describe('waiting for several mailboxes', () => {
	it('interleaves their polls on back-off, each on its own, within one budget', async () => {
		const time = virtualTime();
		const log: string[] = [];
		const results = await waitForMailboxes(
			new Map([
				['slow', readyAfter(Infinity, log, 'slow')],
				['quick', readyAfter(1, log, 'quick')],
			]),
			{ budgetMs: 10_000, intervalsMs: [2_000, 4_000], now: time.now, pause: time.pause },
		);
		expect(results.get('quick')).toEqual({ ready: true, polls: 2 });
		expect(results.get('slow')).toEqual({
			ready: false,
			polls: 4,
			resumesAt: new Date(10_000 + RESUME_AFTER_MS).toISOString(),
		});
		// Both polled at once first, then each on its back-off: quick is done at 2 s, slow goes on (6 s, 10 s) to the
		// end of the budget; the next poll (14 s) would be past it.
		expect(log).toEqual(['slow@0', 'quick@0', 'slow@1', 'quick@1', 'slow@2', 'slow@3']);
		expect(time.now()).toBe(10_000);
	});

	it('polls each mailbox once even with no budget, and reports a failure that is not "not ready"', async () => {
		const time = virtualTime();
		const results = await waitForMailboxes(
			new Map([
				['a', async () => false],
				['b', async () => Promise.reject(new Error('403 Mail.Read missing'))],
				['c', async () => true],
			]),
			{ budgetMs: 0, now: time.now, pause: time.pause },
		);
		expect(results.get('a')).toMatchObject({ ready: false, polls: 1 });
		expect(results.get('b')).toMatchObject({ polls: 1, error: new Error('403 Mail.Read missing') });
		expect(results.get('c')).toEqual({ ready: true, polls: 1 });
		expect(time.pauses).toEqual([]);
	});
});
