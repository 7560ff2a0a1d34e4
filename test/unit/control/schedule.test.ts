import {
	activeWindow,
	formatWindows,
	isWithin,
	nextChange,
	parseWindows,
	ScheduleError,
	type TimeWindow,
} from '../../../nodes/lib/limits/schedule';

const BERLIN = 'Europe/Berlin';
const at = (iso: string) => new Date(iso);
const iso = (date: Date | null) => date?.toISOString() ?? null;

const officeHours: TimeWindow[] = [
	{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '08:00', end: '20:00' },
];
const saturdayNight: TimeWindow[] = [{ days: ['sat'], start: '22:00', end: '04:00' }];

describe('isWithin', () => {
	it('reads the local clock of the zone, winter and summer', () => {
		// Monday 2025-03-24 is CET (UTC+1); Monday 2025-03-31 is CEST (UTC+2).
		expect(isWithin(officeHours, at('2025-03-24T06:59:00Z'), BERLIN)).toBe(false);
		expect(isWithin(officeHours, at('2025-03-24T07:00:00Z'), BERLIN)).toBe(true);
		expect(isWithin(officeHours, at('2025-03-24T18:59:59Z'), BERLIN)).toBe(true);
		expect(isWithin(officeHours, at('2025-03-24T19:00:00Z'), BERLIN)).toBe(false);
		expect(isWithin(officeHours, at('2025-03-31T05:59:00Z'), BERLIN)).toBe(false);
		expect(isWithin(officeHours, at('2025-03-31T06:00:00Z'), BERLIN)).toBe(true);
		expect(isWithin(officeHours, at('2025-03-29T10:00:00Z'), BERLIN)).toBe(false);
	});

	it('continues a window past midnight into the next day, also past Sunday into Monday', () => {
		expect(isWithin(saturdayNight, at('2025-03-22T20:59:00Z'), BERLIN)).toBe(false);
		expect(isWithin(saturdayNight, at('2025-03-22T21:00:00Z'), BERLIN)).toBe(true);
		expect(isWithin(saturdayNight, at('2025-03-23T02:59:00Z'), BERLIN)).toBe(true);
		expect(isWithin(saturdayNight, at('2025-03-23T03:00:00Z'), BERLIN)).toBe(false);
		const sundayNight: TimeWindow[] = [{ days: ['sun'], start: '22:00', end: '02:00' }];
		expect(isWithin(sundayNight, at('2025-03-23T23:00:00Z'), 'UTC')).toBe(true);
		expect(isWithin(sundayNight, at('2025-03-24T01:59:00Z'), 'UTC')).toBe(true);
		expect(isWithin(sundayNight, at('2025-03-24T02:00:00Z'), 'UTC')).toBe(false);
		// Not on Monday night: the window belongs to Sunday.
		expect(isWithin(sundayNight, at('2025-03-24T23:00:00Z'), 'UTC')).toBe(false);
	});

	it('treats 00:00-24:00 as the whole day and no windows as never', () => {
		const weekend: TimeWindow[] = [{ days: ['sat', 'sun'], start: '00:00', end: '24:00' }];
		expect(isWithin(weekend, at('2025-03-22T00:00:00Z'), 'UTC')).toBe(true);
		expect(isWithin(weekend, at('2025-03-23T23:59:59Z'), 'UTC')).toBe(true);
		expect(isWithin(weekend, at('2025-03-24T00:00:00Z'), 'UTC')).toBe(false);
		expect(isWithin([], at('2025-03-22T12:00:00Z'), 'UTC')).toBe(false);
	});

	it('handles zones with half-hour offsets', () => {
		// 08:00 in Kolkata (UTC+05:30) on Monday.
		expect(isWithin(officeHours, at('2025-03-24T02:29:00Z'), 'Asia/Kolkata')).toBe(false);
		expect(isWithin(officeHours, at('2025-03-24T02:30:00Z'), 'Asia/Kolkata')).toBe(true);
	});

	it('names an unknown time zone and a bad window', () => {
		expect(() => isWithin(officeHours, 0, 'Europe/Berlinn')).toThrow(
			'Unknown time zone "Europe/Berlinn"',
		);
		expect(() => isWithin([{ days: ['mon'], start: '8am', end: '20:00' }], 0, 'UTC')).toThrow(
			'start "8am" is not a time',
		);
		expect(() =>
			isWithin([{ days: ['mon', 'funday' as never], start: '08:00', end: '20:00' }], 0, 'UTC'),
		).toThrow('"funday" is not one of mon, tue');
	});
});

describe('nextChange across daylight saving time in Europe/Berlin', () => {
	it('finds the Monday opening after the clocks went forward', () => {
		expect(iso(nextChange(officeHours, at('2025-03-28T12:00:00Z'), BERLIN))).toBe(
			'2025-03-28T19:00:00.000Z',
		);
		expect(iso(nextChange(officeHours, at('2025-03-29T12:00:00Z'), BERLIN))).toBe(
			'2025-03-31T06:00:00.000Z',
		);
	});

	it('gives a Saturday-night window five hours on the spring-forward night', () => {
		const opens = nextChange(saturdayNight, at('2025-03-29T12:00:00Z'), BERLIN);
		expect(iso(opens)).toBe('2025-03-29T21:00:00.000Z');
		const closes = nextChange(saturdayNight, opens as Date, BERLIN);
		expect(iso(closes)).toBe('2025-03-30T02:00:00.000Z');
		expect(isWithin(saturdayNight, at('2025-03-30T01:30:00Z'), BERLIN)).toBe(true);
	});

	it('gives it seven hours on the fall-back night and reports no change at the clock change', () => {
		expect(iso(nextChange(saturdayNight, at('2025-10-25T12:00:00Z'), BERLIN))).toBe(
			'2025-10-25T20:00:00.000Z',
		);
		expect(iso(nextChange(saturdayNight, at('2025-10-26T00:30:00Z'), BERLIN))).toBe(
			'2025-10-26T03:00:00.000Z',
		);
	});

	it('skips a window that lies inside the hour that does not exist', () => {
		const skipped: TimeWindow[] = [{ days: ['sun'], start: '02:00', end: '02:30' }];
		for (let ms = Date.parse('2025-03-30T00:00:00Z'); ms < Date.parse('2025-03-30T03:00:00Z');) {
			expect(isWithin(skipped, ms, BERLIN)).toBe(false);
			ms += 60_000;
		}
		// Next Sunday 02:00 CEST.
		expect(iso(nextChange(skipped, at('2025-03-29T00:00:00Z'), BERLIN))).toBe(
			'2025-04-06T00:00:00.000Z',
		);
	});

	it('opens a window that starts inside the skipped hour at the clock change', () => {
		const window: TimeWindow[] = [{ days: ['sun'], start: '02:30', end: '05:00' }];
		expect(iso(nextChange(window, at('2025-03-30T00:00:00Z'), BERLIN))).toBe(
			'2025-03-30T01:00:00.000Z',
		);
	});

	it('is inside a window in the repeated hour twice, as the clock shows it', () => {
		const window: TimeWindow[] = [{ days: ['sun'], start: '02:00', end: '02:30' }];
		expect(isWithin(window, at('2025-10-26T00:15:00Z'), BERLIN)).toBe(true); // 02:15 CEST
		expect(isWithin(window, at('2025-10-26T00:45:00Z'), BERLIN)).toBe(false); // 02:45 CEST
		expect(isWithin(window, at('2025-10-26T01:15:00Z'), BERLIN)).toBe(true); // 02:15 CET
		expect(iso(nextChange(window, at('2025-10-26T00:45:00Z'), BERLIN))).toBe(
			'2025-10-26T01:00:00.000Z',
		);
		expect(iso(nextChange(window, at('2025-10-26T01:00:00Z'), BERLIN))).toBe(
			'2025-10-26T01:30:00.000Z',
		);
	});
});

describe('nextChange', () => {
	it('lands on the exact minute from a time with seconds', () => {
		expect(iso(nextChange(officeHours, at('2025-03-24T06:59:30.250Z'), BERLIN))).toBe(
			'2025-03-24T07:00:00.000Z',
		);
	});

	it('passes over an edge where one window ends as the next begins', () => {
		const split: TimeWindow[] = [
			{ days: ['mon'], start: '08:00', end: '12:00' },
			{ days: ['mon'], start: '12:00', end: '20:00' },
		];
		expect(iso(nextChange(split, at('2025-03-24T09:00:00Z'), 'UTC'))).toBe(
			'2025-03-24T20:00:00.000Z',
		);
	});

	it('returns null when the state never flips', () => {
		const always: TimeWindow[] = [
			{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '00:00', end: '24:00' },
		];
		expect(nextChange(always, at('2025-03-29T12:00:00Z'), BERLIN)).toBeNull();
		expect(nextChange([], at('2025-03-29T12:00:00Z'), BERLIN)).toBeNull();
	});

	it('jumps from edge to edge instead of testing every minute', () => {
		const many = parseWindows(
			'Mon-Fri 06:00-07:00, 09:00-10:00, 12:00-13:00, 15:00-16:00; Sat 22:00-04:00; Sun 02:30-03:00',
		);
		const started = performance.now();
		for (let day = 0; day < 200; day++) {
			nextChange(many, Date.parse('2025-03-20T00:00:00Z') + day * 3_600_000 * 5, BERLIN);
			nextChange([{ days: ['sun'], start: '00:00', end: '24:00' }], 0, BERLIN);
		}
		// A minute-by-minute scan needs about 10,000 conversions per call, i.e. several seconds here.
		expect(performance.now() - started).toBeLessThan(1500);
	});
});

describe('activeWindow', () => {
	it('describes the occurrence in effect, naming both days when it runs past midnight', () => {
		expect(activeWindow(saturdayNight, at('2025-03-23T01:00:00Z'), BERLIN)?.description).toBe(
			'Sat 22:00-Sun 04:00',
		);
		expect(activeWindow(officeHours, at('2025-03-26T10:00:00Z'), BERLIN)?.description).toBe(
			'Wed 08:00-20:00',
		);
		expect(activeWindow(officeHours, at('2025-03-29T10:00:00Z'), BERLIN)).toBeNull();
	});
});

describe('parseWindows', () => {
	it('reads day ranges, lists, names and several time ranges', () => {
		expect(parseWindows('Mon-Fri 08:00-20:00; Sat,Sun 00:00-24:00')).toEqual([
			{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '08:00', end: '20:00' },
			{ days: ['sat', 'sun'], start: '00:00', end: '24:00' },
		]);
		expect(parseWindows('fri-mon 8:00-9:30\nDaily 22:00 - 06:00')).toEqual([
			{ days: ['mon', 'fri', 'sat', 'sun'], start: '08:00', end: '09:30' },
			{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '22:00', end: '06:00' },
		]);
		expect(parseWindows('Weekdays 08:00-12:00, 13:00-17:00; Saturday 10:00-12:00')).toEqual([
			{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '08:00', end: '12:00' },
			{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '13:00', end: '17:00' },
			{ days: ['sat'], start: '10:00', end: '12:00' },
		]);
		expect(parseWindows('  ;  ')).toEqual([]);
	});

	it('formats windows back into the same text', () => {
		const text = 'Mon-Fri 08:00-20:00; Sat,Sun 00:00-24:00; Mon,Wed-Fri 22:00-06:00';
		expect(formatWindows(parseWindows(text))).toBe(text);
	});

	it.each([
		['Mon-Fry 08:00-20:00', 'Window 1 ("Mon-Fry 08:00-20:00"): unknown day "Fry"'],
		['Mon 08:00-20:00; Tue 25:00-26:00', 'Window 2 ("Tue 25:00-26:00"): start "25:00"'],
		['Mon 24:00-06:00', 'start "24:00" is not a time 00:00-23:59 (use 00:00)'],
		['Mon 08:00-20:60', 'end "20:60" is not a time 00:00-24:00'],
		['Mon-Fri', 'Window 1 ("Mon-Fri"): no time range; write e.g. "Mon-Fri 08:00-20:00"'],
		['08:00-20:00', 'no days before the time; write e.g. "Mon-Fri 08:00-20:00"'],
		['Mon 08:00', '"08:00" is not a time range like 08:00-20:00'],
		['Mon,,Tue 08:00-09:00', 'empty day in "Mon,,Tue"'],
	])('explains %p', (text, message) => {
		expect(() => parseWindows(text)).toThrow(ScheduleError);
		expect(() => parseWindows(text)).toThrow(message);
	});
});
