/**
 * The wall clock of an IANA time zone at an instant, by the runtime's own zone data (Intl), one cached formatter per
 * zone: what the run windows of the limits and the stages of a communication plan are both read against.
 */

export interface WallClock {
	year: number;
	/** 1 to 12. */
	month: number;
	day: number;
	hour: number;
	minute: number;
	second: number;
	/** 0 is Monday, 6 Sunday. */
	weekday: number;
}

const WEEKDAYS: Record<string, number> = { Mon: 0, Tue: 1, Wed: 2, Thu: 3, Fri: 4, Sat: 5, Sun: 6 };

/** A zone's formatter, or null (cached too) when the runtime knows no such zone. */
const formatters = new Map<string, Intl.DateTimeFormat | null>();

function formatterOf(zone: string): Intl.DateTimeFormat | null {
	let formatter = formatters.get(zone);
	if (formatter === undefined) {
		try {
			formatter = new Intl.DateTimeFormat('en-US', {
				timeZone: zone,
				hourCycle: 'h23',
				weekday: 'short',
				year: 'numeric',
				month: 'numeric',
				day: 'numeric',
				hour: 'numeric',
				minute: 'numeric',
				second: 'numeric',
			});
		} catch {
			formatter = null;
		}
		formatters.set(zone, formatter);
	}
	return formatter;
}

/** The zone's canonical spelling, or null when the runtime knows no such IANA zone. */
export function canonicalTimeZone(zone: string): string | null {
	return formatterOf(zone)?.resolvedOptions().timeZone ?? null;
}

/** The wall clock in `zone` at `instantMs`; callers check the zone first (`canonicalTimeZone`). */
export function wallClockAt(instantMs: number, zone: string): WallClock {
	const formatter = formatterOf(zone);
	if (!formatter) throw new RangeError(`unknown time zone "${zone}"`);
	const parts: Record<string, string> = {};
	for (const part of formatter.formatToParts(new Date(instantMs))) parts[part.type] = part.value;
	return {
		year: Number(parts.year),
		month: Number(parts.month),
		day: Number(parts.day),
		hour: Number(parts.hour),
		minute: Number(parts.minute),
		second: Number(parts.second),
		weekday: WEEKDAYS[parts.weekday],
	};
}

/** The wall clock in `zone` at `instantMs` read as if it were UTC, to the millisecond: two of them subtract to their distance. */
export function wallClockAsUtcMs(instantMs: number, zone: string): number {
	const wall = wallClockAt(instantMs, zone);
	const millis = ((instantMs % 1000) + 1000) % 1000;
	return (
		Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second) + millis
	);
}
