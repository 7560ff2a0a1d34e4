import { InProcessHostLimiter, type HostLimiter } from '../../../nodes/lib/limits/hostLimiter';
import { ProfileClock } from '../../../nodes/lib/limits/profileClock';
import { parseWindows } from '../../../nodes/lib/limits/schedule';
import { ThrottleSchedule, type ThrottleProfile } from '../../../nodes/lib/limits/throttleProfiles';
import { ManualClock } from './manualClock';

const BERLIN = 'Europe/Berlin';
const iso = (date: Date | null) => date?.toISOString() ?? null;

const officeHours: ThrottleProfile = {
	name: 'office hours',
	windows: parseWindows('Mon-Fri 08:00-20:00'),
	maxConnections: 2,
	messagesPerSecond: 5,
};
const offHours: ThrottleProfile = { name: 'nights and weekends', maxConnections: 16 };

describe('ThrottleSchedule', () => {
	const schedule = new ThrottleSchedule([officeHours, offHours], BERLIN);

	it('picks the profile of the local time, the last one outside all windows', () => {
		expect(schedule.profileAt(new Date('2025-03-24T09:00:00Z')).name).toBe('office hours');
		expect(schedule.profileAt(new Date('2025-03-24T19:00:00Z')).name).toBe('nights and weekends');
		expect(schedule.profileAt(new Date('2025-03-29T09:00:00Z')).name).toBe('nights and weekends');
	});

	it('finds the next boundary, across a weekend and a clock change', () => {
		expect(iso(schedule.nextProfileChange(new Date('2025-03-28T12:00:00Z')))).toBe(
			'2025-03-28T19:00:00.000Z',
		);
		expect(iso(schedule.nextProfileChange(new Date('2025-03-28T19:00:00Z')))).toBe(
			'2025-03-31T06:00:00.000Z',
		);
	});

	it('lets the first matching profile win and skips changes hidden by it', () => {
		const layered = new ThrottleSchedule(
			[
				{ name: 'maintenance', windows: parseWindows('Sat 22:00-04:00'), maxConnections: 1 },
				{ name: 'weekend', windows: parseWindows('Sat,Sun 00:00-24:00'), maxConnections: 8 },
				{ name: 'lunch', windows: parseWindows('Daily 12:00-13:00'), maxConnections: 3 },
				{ name: 'default', maxConnections: 4 },
			],
			'UTC',
		);
		expect(layered.profileAt(new Date('2025-03-22T23:00:00Z')).name).toBe('maintenance');
		expect(layered.profileAt(new Date('2025-03-23T05:00:00Z')).name).toBe('weekend');
		expect(layered.profileAt(new Date('2025-03-23T12:30:00Z')).name).toBe('weekend');
		expect(layered.profileAt(new Date('2025-03-24T12:30:00Z')).name).toBe('lunch');
		const changes: string[] = [];
		let cursor: Date | null = new Date('2025-03-22T09:00:00Z');
		for (let i = 0; i < 4 && cursor; i++) {
			cursor = layered.nextProfileChange(cursor);
			if (cursor) changes.push(`${cursor.toISOString()} ${layered.profileAt(cursor).name}`);
		}
		// Lunch on Saturday and Sunday and the weekend's midnight do not change the profile in force.
		expect(changes).toEqual([
			'2025-03-22T22:00:00.000Z maintenance',
			'2025-03-23T04:00:00.000Z weekend',
			'2025-03-24T00:00:00.000Z default',
			'2025-03-24T12:00:00.000Z lunch',
		]);
	});

	it('returns null when one profile applies at all times', () => {
		expect(ThrottleSchedule.constant(offHours).nextProfileChange(Date.now())).toBeNull();
	});

	it.each([
		[[officeHours], 'The last throttle profile must have no windows'],
		[[offHours, officeHours], '"office hours" never applies: it comes after "nights and weekends"'],
		[[{ name: 'none', maxConnections: 0 }], 'max connections must be a whole number of at least 1'],
		[[{ name: 'odd', maxConnections: 1, bytesPerSecond: -5 }], 'bytesPerSecond must be a number'],
		[[], 'needs a profile'],
	])('refuses an unusable schedule (%#)', (profiles, message) => {
		expect(() => new ThrottleSchedule(profiles as ThrottleProfile[], BERLIN)).toThrow(message);
	});
});

describe('ProfileClock', () => {
	const schedule = new ThrottleSchedule([officeHours, offHours], BERLIN);

	it('applies the profile now and again at each boundary', async () => {
		const clock = new ManualClock(Date.parse('2025-03-28T18:00:00Z'));
		const limiter = new InProcessHostLimiter({ clock });
		const changes: string[] = [];
		const profileClock = new ProfileClock({
			limiter,
			host: 'imap.source.test',
			schedule,
			clock,
			onChange: (profile) => changes.push(`${new Date(clock.now()).toISOString()} ${profile.name}`),
		});
		expect((await profileClock.start()).name).toBe('office hours');
		expect(limiter.stats('imap.source.test')).toMatchObject({
			profile: 'office hours',
			maxConnections: 2,
			messagesPerSecond: 5,
		});
		await clock.advanceTo(Date.parse('2025-03-28T18:59:59Z'));
		expect(limiter.stats('imap.source.test').profile).toBe('office hours');
		await clock.advanceTo(Date.parse('2025-03-31T12:00:00Z'));
		expect(changes).toEqual([
			'2025-03-28T18:00:00.000Z office hours',
			'2025-03-28T19:00:00.000Z nights and weekends',
			'2025-03-31T06:00:00.000Z office hours',
		]);
		expect(limiter.stats('imap.source.test')).toMatchObject({
			profile: 'office hours',
			messagesPerSecond: 5,
		});
		profileClock.stop();
		expect(clock.pendingTimers).toBe(0);
		await clock.advanceTo(Date.parse('2025-04-01T12:00:00Z'));
		expect(changes).toHaveLength(3);
	});

	it('speeds up a consumer already waiting when the faster profile begins', async () => {
		const clock = new ManualClock(Date.parse('2025-03-28T18:59:50Z'));
		const limiter = new InProcessHostLimiter({ clock });
		const profileClock = new ProfileClock({
			limiter,
			host: 'h',
			schedule: new ThrottleSchedule(
				[
					{ ...officeHours, messagesPerSecond: 1 },
					{ ...offHours, messagesPerSecond: 100 },
				],
				BERLIN,
			),
			clock,
		});
		await profileClock.start();
		let doneAt: number | null = null;
		// 60 messages at 1/s would take until 19:00:50; 10 s pass at the slow rate, the other 50 messages take 0.5 s.
		void limiter.consume('h', { messages: 60 }).then(() => (doneAt = clock.now()));
		await clock.advanceTo(Date.parse('2025-03-28T19:00:00.499Z'));
		expect(doneAt).toBeNull();
		await clock.advanceTo(Date.parse('2025-03-28T19:00:01Z'));
		expect(doneAt).toBe(Date.parse('2025-03-28T19:00:00.500Z'));
		profileClock.stop();
	});

	it('reports a refused profile and tries again', async () => {
		const clock = new ManualClock(Date.parse('2025-03-28T12:00:00Z'));
		const real = new InProcessHostLimiter({ clock });
		let refusals = 0;
		const flaky: HostLimiter = {
			acquireConnection: (host, signal) => real.acquireConnection(host, signal),
			consume: (host, usage, signal) => real.consume(host, usage, signal),
			stats: (host) => real.stats(host),
			claimExcessConnection: (host, release) => real.claimExcessConnection(host, release),
			holdOff: (host, durationMs) => real.holdOff(host, durationMs),
			close: () => real.close(),
			setProfile: async (host, limits) => {
				if (refusals-- > 0) throw new Error('store unreachable');
				await real.setProfile(host, limits);
			},
		};
		const errors: string[] = [];
		const profileClock = new ProfileClock({
			limiter: flaky,
			host: 'h',
			schedule,
			clock,
			onError: (error) => errors.push((error as Error).message),
		});
		await profileClock.start();
		refusals = 1;
		await clock.advanceTo(Date.parse('2025-03-28T19:00:00Z'));
		expect(errors).toEqual(['store unreachable']);
		expect(real.stats('h').profile).toBe('office hours');
		await clock.advanceTo(Date.parse('2025-03-28T19:00:10Z'));
		expect(real.stats('h').profile).toBe('nights and weekends');
		profileClock.stop();
	});
});
