/**
 * Wall-clock times in IANA time zones, by the runtime's own zone data (Intl): when 09:00 on a calendar day is in a
 * user's zone, across daylight-saving changes. A time that does not exist (the hour skipped in spring) is moved
 * forward by the gap, and a time that exists twice (the hour repeated in autumn) is the earlier one: what RFC 5545
 * (iCalendar, 3.3.5) and Temporal's "compatible" disambiguation do, so a 02:30 reminder still goes out that day.
 */

import { canonicalTimeZone, wallClockAsUtcMs } from '../wallClock';

const DAY_MS = 86_400_000;

export interface CalendarDate {
	year: number;
	month: number;
	day: number;
}

export class TimeZoneError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'TimeZoneError';
	}
}

/** Throws TimeZoneError unless `zone` is a time zone the runtime knows; returns its canonical spelling. */
export function checkTimeZone(zone: string): string {
	const canonical = canonicalTimeZone(zone);
	if (!canonical)
		throw new TimeZoneError(`"${zone}" is not an IANA time zone (e.g. Europe/Berlin)`);
	return canonical;
}

const wallClockMs = wallClockAsUtcMs;

/** The zone's offset from UTC at an instant, in ms (Europe/Berlin in summer: +7 200 000). */
export function offsetAt(instantMs: number, zone: string): number {
	return wallClockMs(instantMs, zone) - instantMs;
}

/**
 * The instant `date` at `hour`:`minute` is on the wall clocks of `zone`. Zones change offset at most once within a
 * day of any instant, so the offsets a day before and a day after are the only candidates.
 */
export function zonedInstant(date: CalendarDate, hour: number, minute: number, zone: string): Date {
	const wall = Date.UTC(date.year, date.month - 1, date.day, hour, minute);
	const before = offsetAt(wall - DAY_MS, zone);
	const after = offsetAt(wall + DAY_MS, zone);
	const candidates = [wall - before, wall - after]
		.filter((instant) => wallClockMs(instant, zone) === wall)
		.sort((a, b) => a - b);
	// No candidate: the wall time falls in a gap; the offset before it moves the time forward by the gap's length.
	return new Date(candidates[0] ?? wall - before);
}

/** The calendar date `instant` falls on in `zone`. */
export function calendarDateIn(instant: Date, zone: string): CalendarDate {
	const wall = new Date(wallClockMs(instant.getTime(), zone));
	return { year: wall.getUTCFullYear(), month: wall.getUTCMonth() + 1, day: wall.getUTCDate() };
}

/** `date` moved by whole calendar days (not 24-hour periods: a DST day has 23 or 25 hours). */
export function addDays(date: CalendarDate, days: number): CalendarDate {
	const moved = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
	return { year: moved.getUTCFullYear(), month: moved.getUTCMonth() + 1, day: moved.getUTCDate() };
}

export function formatCalendarDate(date: CalendarDate): string {
	const pad = (value: number, width = 2) => String(value).padStart(width, '0');
	return `${pad(date.year, 4)}-${pad(date.month)}-${pad(date.day)}`;
}
