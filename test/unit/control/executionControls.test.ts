import { ExecutionControls } from '../../../nodes/lib/limits/executionControls';
import { ScheduleError } from '../../../nodes/lib/limits/schedule';
import { ManualClock } from './manualClock';

// Wednesday 2025-03-26 10:00 in Paris (UTC+1 before the switch to summer time).
const WEDNESDAY_10H = Date.parse('2025-03-26T09:00:00Z');

const officeHours = {
	name: 'office hours',
	side: 'source' as const,
	windows: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'] as const, start: '08:00', end: '20:00' }],
	maxConnections: 2,
	messagesPerSecond: 5,
};

function controlsAt(now: number, profiles = [officeHours]) {
	const clock = new ManualClock(now);
	const changes: string[] = [];
	const controls = new ExecutionControls(
		{
			timeZone: 'Europe/Paris',
			profiles: profiles.map((profile) => ({
				...profile,
				windows: profile.windows?.map((window) => ({ ...window, days: [...window.days] })),
			})),
			stop: {},
			defaultMaxConnections: 12,
		},
		{ clock, onProfileChange: (profile, host) => changes.push(`${host} ${profile.name}`) },
	);
	return { clock, controls, changes };
}

describe('ExecutionControls', () => {
	it('gives each side of a server its own limits and the defaults where no profile applies', async () => {
		const { controls, changes } = controlsAt(WEDNESDAY_10H);
		const mailbox = await controls.forMailbox('IMAP.Legacy.Example', 'imap.new.example');
		expect(mailbox.sourceHost).toBe('source:imap.legacy.example');
		expect(mailbox.targetHost).toBe('target:imap.new.example');
		expect(controls.limiter.stats(mailbox.sourceHost)).toMatchObject({
			profile: 'office hours',
			maxConnections: 2,
			messagesPerSecond: 5,
		});
		// The target side has no profile of its own: the default cap, no rate.
		expect(controls.limiter.stats(mailbox.targetHost)).toMatchObject({
			profile: 'default',
			maxConnections: 12,
			messagesPerSecond: null,
		});
		expect(changes.sort()).toEqual([
			'source:imap.legacy.example office hours',
			'target:imap.new.example default',
		]);
		await controls.dispose();
	});

	it('switches a host to the next profile at the boundary, once for all its mailboxes', async () => {
		const { clock, controls, changes } = controlsAt(WEDNESDAY_10H);
		const first = await controls.forMailbox('src', 'dst');
		const second = await controls.forMailbox('src', 'dst');
		expect(second.sourceHost).toBe(first.sourceHost);
		expect(changes).toHaveLength(2);
		await clock.advanceTo(Date.parse('2025-03-26T19:00:00Z'));
		expect(controls.limiter.stats(first.sourceHost).profile).toBe('default');
		expect(changes).toEqual([
			'source:src office hours',
			'target:dst default',
			'source:src default',
		]);
		await controls.dispose();
	});

	it('refuses settings that make no sense before anything runs', () => {
		expect(
			() =>
				new ExecutionControls({
					timeZone: 'Mars/Olympus',
					profiles: [],
					stop: {},
				}),
		).toThrow(ScheduleError);
		expect(
			() =>
				new ExecutionControls({
					timeZone: 'UTC',
					profiles: [{ ...officeHours, windows: undefined, maxConnections: 0 }],
					stop: {},
				}),
		).toThrow(/max connections/);
	});
});
