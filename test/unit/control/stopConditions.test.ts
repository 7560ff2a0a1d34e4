import { parseWindows } from '../../../nodes/lib/limits/schedule';
import { formatBytes, formatDuration } from '../../../nodes/lib/format';
import {
	RunGuard,
	RunStoppedError,
	type StopConditions,
} from '../../../nodes/lib/limits/stopConditions';
import { ManualClock } from './manualClock';

const BERLIN = 'Europe/Berlin';
const GB = 1e9;

function guardAt(
	iso: string,
	conditions: Omit<StopConditions, 'timeZone'> & { timeZone?: string },
) {
	const clock = new ManualClock(Date.parse(iso));
	const guard = new RunGuard({ timeZone: BERLIN, ...conditions }, { clock });
	return { clock, guard };
}

function stopReason(signal: AbortSignal): { reason: string; resumesAt: string | null } | null {
	if (!signal.aborted) return null;
	expect(signal.reason).toBeInstanceOf(RunStoppedError);
	const error = signal.reason as RunStoppedError;
	return { reason: error.message, resumesAt: error.resumesAt };
}

describe('RunGuard windows', () => {
	const maintenance = parseWindows('Sat 22:00-04:00');

	it('stops every mailbox when a maintenance window begins mid-copy and says when it ends', async () => {
		// Saturday 21:00 CET.
		const { clock, guard } = guardAt('2025-03-22T20:00:00Z', { blackoutWindows: maintenance });
		const alice = guard.signalFor('alice');
		const bob = guard.signalFor('bob');
		expect(guard.checkBeforeBatch('alice', 1000)).toEqual({ ok: true });
		await clock.advanceTo(Date.parse('2025-03-22T20:59:59Z'));
		expect(alice.aborted).toBe(false);
		await clock.advanceTo(Date.parse('2025-03-22T21:00:00Z'));
		const expected = {
			reason: 'maintenance window Sat 22:00-Sun 04:00 began',
			resumesAt: '2025-03-23T03:00:00.000Z',
		};
		expect(stopReason(alice)).toEqual(expected);
		expect(stopReason(bob)).toEqual(expected);
		expect(guard.checkBeforeBatch('carol', 1000)).toEqual({ ok: false, ...expected });
		expect(stopReason(guard.signalFor('carol'))).toEqual(expected);
		expect(guard.stopOf('alice')).toEqual(expected);
	});

	it('refuses from the start inside a maintenance window; it reopens after the clocks went forward', () => {
		// Sunday 01:30 CET, the night the clocks go forward: the window ends at 04:00 CEST.
		const { clock, guard } = guardAt('2025-03-30T00:30:00Z', { blackoutWindows: maintenance });
		const expected = {
			reason: 'maintenance window Sat 22:00-Sun 04:00 is in effect',
			resumesAt: '2025-03-30T02:00:00.000Z',
		};
		expect(stopReason(guard.signalFor('alice'))).toEqual(expected);
		expect(guard.checkBeforeBatch('alice', 1)).toEqual({ ok: false, ...expected });
		expect(clock.pendingTimers).toBe(0);
	});

	it('refuses outside the run windows and names the next opening', () => {
		// Monday 13:00 CET; nights run Mon-Fri 20:00 to 06:00 the next morning.
		const { guard } = guardAt('2025-03-24T12:00:00Z', {
			runWindows: parseWindows('Mon-Fri 20:00-06:00'),
		});
		expect(guard.checkBeforeBatch('alice', 1)).toEqual({
			ok: false,
			reason: 'outside the run windows (Mon-Fri 20:00-06:00)',
			resumesAt: '2025-03-24T19:00:00.000Z',
		});
	});

	it('stops when the run window closes in the morning', async () => {
		// Tuesday 05:00 CET, inside Monday night's window.
		const { clock, guard } = guardAt('2025-03-25T04:00:00Z', {
			runWindows: parseWindows('Mon-Fri 20:00-06:00'),
		});
		const signal = guard.signalFor('alice');
		await clock.advanceTo(Date.parse('2025-03-25T04:59:00Z'));
		expect(signal.aborted).toBe(false);
		await clock.advanceTo(Date.parse('2025-03-25T05:00:00Z'));
		expect(stopReason(signal)).toEqual({
			reason: 'run window Mon 20:00-Tue 06:00 ended',
			resumesAt: '2025-03-25T19:00:00.000Z',
		});
	});

	it('resumes when both the run window is open and the maintenance window is over', () => {
		const runWindows = parseWindows('Sat,Sun 00:00-24:00');
		// Maintenance ends Sunday 04:00 while the weekend window is still open.
		const weekend = guardAt('2025-03-22T22:00:00Z', { runWindows, blackoutWindows: maintenance });
		expect(weekend.guard.stopOf('x')?.resumesAt).toBe('2025-03-23T03:00:00.000Z');
		// Saturday evening window only: maintenance outlasts it, so the next chance is a week later.
		const evening = guardAt('2025-03-22T21:30:00Z', {
			runWindows: parseWindows('Sat 20:00-23:00'),
			blackoutWindows: maintenance,
		});
		expect(evening.guard.stopOf('x')).toEqual({
			reason: 'maintenance window Sat 22:00-Sun 04:00 is in effect',
			resumesAt: '2025-03-29T19:00:00.000Z',
		});
	});

	it('gives no reopening when the windows never allow copying', () => {
		const { guard } = guardAt('2025-03-22T12:00:00Z', {
			blackoutWindows: parseWindows('Daily 00:00-24:00'),
		});
		expect(guard.stopOf('x')?.resumesAt).toBeNull();
	});
});

describe('RunGuard budgets and errors', () => {
	it('stops at the end of the time budget', async () => {
		const { clock, guard } = guardAt('2025-03-24T12:00:00Z', { timeBudgetMs: 2 * 3_600_000 });
		const signal = guard.signalFor('alice');
		await clock.advance(2 * 3_600_000 - 1);
		expect(guard.checkBeforeBatch('alice', 1)).toEqual({ ok: true });
		await clock.advance(1);
		expect(stopReason(signal)).toEqual({ reason: 'time budget of 2 h used up', resumesAt: null });
		expect(guard.checkBeforeBatch('alice', 1).ok).toBe(false);
	});

	it('stops one mailbox after its errors reach the limit, and the others go on', () => {
		const { guard } = guardAt('2025-03-24T12:00:00Z', { maxErrorsPerMailbox: 10 });
		const alice = guard.signalFor('alice');
		guard.recordErrors('alice', 4);
		guard.recordErrors('alice', 5);
		guard.recordErrors('bob', 9);
		expect(alice.aborted).toBe(false);
		guard.recordErrors('alice', 1);
		expect(stopReason(alice)).toEqual({ reason: '10 errors in this mailbox', resumesAt: null });
		expect(guard.checkBeforeBatch('alice', 1)).toMatchObject({ ok: false });
		expect(guard.checkBeforeBatch('bob', 1)).toEqual({ ok: true });
		expect(guard.signalFor('bob').aborted).toBe(false);
	});

	it('stops all mailboxes after the errors of the batch reach the limit', () => {
		const { guard } = guardAt('2025-03-24T12:00:00Z', { maxErrorsPerBatch: 5 });
		const alice = guard.signalFor('alice');
		guard.recordErrors('alice', 3);
		expect(alice.aborted).toBe(false);
		guard.recordErrors('bob', 2);
		const expected = { reason: '5 errors in this batch of mailboxes', resumesAt: null };
		expect(stopReason(alice)).toEqual(expected);
		expect(stopReason(guard.signalFor('carol'))).toEqual(expected);
		expect(guard.errors).toBe(5);
	});

	it('never lets the byte budget be exceeded, counting batches in flight', () => {
		const { guard } = guardAt('2025-03-24T12:00:00Z', { maxBytesPerExecution: 5 * GB });
		expect(guard.checkBeforeBatch('alice', 3 * GB)).toEqual({ ok: true });
		expect(guard.checkBeforeBatch('bob', 1.5 * GB)).toEqual({ ok: true });
		guard.recordBytes(3 * GB);
		expect(guard.checkBeforeBatch('alice', 1 * GB)).toEqual({
			ok: false,
			reason: 'byte budget of 5 GB reached',
			resumesAt: null,
		});
		// The execution is over for everyone, even for a batch that would still fit.
		expect(guard.checkBeforeBatch('bob', 1000).ok).toBe(false);
		expect(stopReason(guard.signalFor('bob'))?.reason).toBe('byte budget of 5 GB reached');
		guard.recordBytes(1.5 * GB);
		expect(guard.bytesCopied).toBe(4.5 * GB);
	});

	it('frees the bytes of a failed batch and always lets the first batch go', () => {
		const small = guardAt('2025-03-24T12:00:00Z', { maxBytesPerExecution: 10_000_000 });
		expect(small.guard.checkBeforeBatch('alice', 6_000_000).ok).toBe(true);
		small.guard.recordBytes(0, 6_000_000);
		expect(small.guard.checkBeforeBatch('alice', 6_000_000).ok).toBe(true);
		expect(small.guard.checkBeforeBatch('alice', 6_000_000).ok).toBe(false);

		const tiny = guardAt('2025-03-24T12:00:00Z', { maxBytesPerExecution: 1_000_000 });
		expect(tiny.guard.checkBeforeBatch('alice', 30_000_000).ok).toBe(true);
		expect(tiny.guard.checkBeforeBatch('alice', 1).ok).toBe(false);
	});

	it('cancels its timers when disposed', () => {
		const { clock, guard } = guardAt('2025-03-24T12:00:00Z', {
			timeBudgetMs: 60_000,
			blackoutWindows: parseWindows('Sat 22:00-04:00'),
		});
		expect(clock.pendingTimers).toBe(2);
		guard.dispose();
		expect(clock.pendingTimers).toBe(0);
	});

	it.each([
		[{ maxErrorsPerMailbox: 2.5 }, 'The errors per mailbox must be a whole number above 0'],
		[{ maxBytesPerExecution: -1 }, 'The bytes per execution must be a number above 0'],
		[{ timeBudgetMs: Number.NaN }, 'The time budget must be a number above 0'],
		[{ timeZone: 'Mars/Olympus' }, 'Unknown time zone "Mars/Olympus"'],
		[
			{ blackoutWindows: [{ days: ['sat' as const], start: '22:00', end: '4' }] },
			'Maintenance windows: Window "Sat 22:00-4": end "4" is not a time',
		],
	])('refuses unusable conditions (%#)', (conditions, message) => {
		expect(() => new RunGuard({ timeZone: BERLIN, ...conditions })).toThrow(message);
	});
});

describe('formatting', () => {
	it('writes sizes and durations for people', () => {
		expect(formatBytes(5 * GB)).toBe('5 GB');
		expect(formatBytes(1_250_000)).toBe('1.3 MB');
		expect(formatBytes(999)).toBe('999 bytes');
		expect(formatDuration(2.5 * 3_600_000)).toBe('2 h 30 min');
		expect(formatDuration(90_000)).toBe('1 min 30 s');
	});
});
