import {
	checkPlan,
	migrationDateOf,
	planRecipient,
	PlanInputError,
	type PlanStage,
} from '../../../nodes/lib/communications/communicationPlan';
import { zonedInstant } from '../../../nodes/lib/communications/zonedTime';

const PLAN: PlanStage[] = [
	{ name: 'T-7', offsetDays: -7, timeOfDay: '09:00' },
	{ name: 'T-1', offsetDays: -1, timeOfDay: '09:00' },
	{ name: 'T+0', offsetDays: 0, timeOfDay: '08:00' },
	{ name: 'T+1', offsetDays: 1, timeOfDay: '10:00' },
];

const iso = (date: Date) => date.toISOString();

describe('wall-clock times in IANA zones', () => {
	it('follows the zone across daylight saving, both hemispheres', () => {
		// Berlin: CET (+1) until 2025-03-30 01:00 UTC, CEST (+2) after.
		expect(iso(zonedInstant({ year: 2025, month: 3, day: 29 }, 9, 0, 'Europe/Berlin'))).toBe(
			'2025-03-29T08:00:00.000Z',
		);
		expect(iso(zonedInstant({ year: 2025, month: 3, day: 30 }, 8, 0, 'Europe/Berlin'))).toBe(
			'2025-03-30T06:00:00.000Z',
		);
		// Sydney: AEDT (+11) until 2025-04-06 03:00 local, AEST (+10) after.
		expect(iso(zonedInstant({ year: 2025, month: 4, day: 5 }, 9, 0, 'Australia/Sydney'))).toBe(
			'2025-04-04T22:00:00.000Z',
		);
		expect(iso(zonedInstant({ year: 2025, month: 4, day: 6 }, 9, 0, 'Australia/Sydney'))).toBe(
			'2025-04-05T23:00:00.000Z',
		);
		expect(iso(zonedInstant({ year: 2025, month: 3, day: 29 }, 8, 0, 'Asia/Kolkata'))).toBe(
			'2025-03-29T02:30:00.000Z',
		);
	});

	it('moves a skipped time forward by the gap and takes the earlier of a repeated one', () => {
		// 02:30 does not exist in Berlin on 2025-03-30 (02:00 -> 03:00): 03:30 CEST.
		expect(iso(zonedInstant({ year: 2025, month: 3, day: 30 }, 2, 30, 'Europe/Berlin'))).toBe(
			'2025-03-30T01:30:00.000Z',
		);
		// 02:30 happens twice on 2025-10-26 (03:00 CEST -> 02:00 CET): the first, in CEST.
		expect(iso(zonedInstant({ year: 2025, month: 10, day: 26 }, 2, 30, 'Europe/Berlin'))).toBe(
			'2025-10-26T00:30:00.000Z',
		);
	});
});

describe('the communication plan', () => {
	const berlin = (migrationDate: unknown, asOf: string) =>
		planRecipient(
			{ email: ' Alice@Example.COM ', migrationDate, timeZone: 'Europe/Berlin' },
			PLAN,
			new Date(asOf),
		);
	const timings = (plan: ReturnType<typeof berlin>) =>
		Object.fromEntries(plan.stages.map((stage) => [stage.stage, stage.timing]));

	it('finds the due stage, with the moments on the user’s clock', () => {
		const plan = berlin('2025-03-30', '2025-03-29T08:30:00Z');
		expect(plan.recipient).toBe('alice@example.com');
		expect(timings(plan)).toEqual({
			'T-7': 'stale',
			'T-1': 'due',
			'T+0': 'notDue',
			'T+1': 'notDue',
		});
		expect(plan.stages.map((stage) => iso(stage.dueAt))).toEqual([
			'2025-03-23T08:00:00.000Z',
			'2025-03-29T08:00:00.000Z',
			'2025-03-30T06:00:00.000Z',
			'2025-03-31T08:00:00.000Z',
		]);
		expect(plan.stages[0]).toMatchObject({
			reason: expect.stringContaining('superseded by stage "T-1"'),
		});
	});

	it('skips a stage found too late, with why, and keeps one found within the bound', () => {
		// T-7 is 2025-03-23 08:00Z; at T-2 it is stale, even with nothing later due yet.
		const late = berlin('2025-03-30', '2025-03-28T09:00:00Z');
		expect(timings(late)['T-7']).toBe('stale');
		expect(late.stages[0]).toMatchObject({
			reason: expect.stringMatching(/^5 days late, more than the 24 h/),
		});
		expect(timings(berlin('2025-03-30', '2025-03-24T07:59:00Z'))['T-7']).toBe('due');
		expect(timings(berlin('2025-03-30', '2025-03-24T08:01:00Z'))['T-7']).toBe('stale');
	});

	it('takes the calendar date of a date-time in the user’s zone', () => {
		// 23:30 UTC on the 29th is already the 30th in Berlin.
		expect(migrationDateOf('2025-03-29T23:30:00Z', 'Europe/Berlin')).toEqual({
			year: 2025,
			month: 3,
			day: 30,
		});
		expect(migrationDateOf('2025-03-29', 'Pacific/Auckland')).toEqual({
			year: 2025,
			month: 3,
			day: 29,
		});
	});

	it('refuses a missing or unreadable date, zone or address, and a broken plan, by name', () => {
		const asOf = new Date('2025-03-29T08:30:00Z');
		const plan = (email: string, migrationDate: unknown, timeZone: string) => () =>
			planRecipient({ email, migrationDate, timeZone }, PLAN, asOf);
		expect(plan('a@example.com', '', 'UTC')).toThrow(/migration date is missing/);
		expect(plan('a@example.com', '2025-02-30', 'UTC')).toThrow(/"2025-02-30" is not a date/);
		expect(plan('a@example.com', 'next week', 'UTC')).toThrow(PlanInputError);
		expect(plan('a@example.com', '2025-03-30', 'Mars/Olympus')).toThrow(
			/"Mars\/Olympus" is not an IANA time zone/,
		);
		expect(plan('a@example.com', '2025-03-30', '')).toThrow(/time zone is missing/);
		expect(plan('not an address', '2025-03-30', 'UTC')).toThrow(/is not an email address/);
		expect(() => checkPlan([])).toThrow(/no stages/);
		expect(() => checkPlan([PLAN[0], PLAN[0]])).toThrow(/two stages are named "T-7"/);
		expect(() => checkPlan([{ ...PLAN[0], timeOfDay: '9am' }])).toThrow(/"9am" is not HH:MM/);
		expect(() => checkPlan([{ ...PLAN[0], offsetDays: 1.5 }])).toThrow(/not a whole number/);
	});
});
