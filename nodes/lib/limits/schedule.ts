/**
 * Weekly time windows on the wall clock of an IANA time zone. A window applies whenever the local clock shows a time
 * inside it: on the night clocks go forward a window (or its part) inside the skipped hour does not happen, and on the
 * night they go back the repeated hour is inside or outside twice, exactly as the clock shows it.
 */
import { canonicalTimeZone, wallClockAsUtcMs, wallClockAt } from '../wallClock';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** `start`/`end` are 'HH:MM'; an end at or before the start runs past midnight into the next day; '24:00' ends a day. */
export interface TimeWindow {
	days: Weekday[];
	start: string;
	end: string;
}

/** Raised for a window or time zone that cannot be used, with a message naming the bad part. */
export class ScheduleError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'ScheduleError';
	}
}

export type Instant = Date | number;

const MINUTES_PER_DAY = 24 * 60;
const MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY;
const MINUTE_MS = 60_000;
const WEEK_MS = MINUTES_PER_WEEK * MINUTE_MS;
/** How far nextChange looks ahead: a week of windows plus a day for a window running past the week's end. */
export const NEXT_CHANGE_HORIZON_MS = 8 * 24 * 60 * MINUTE_MS;

const DAY_LABELS: Record<Weekday, string> = {
	mon: 'Mon',
	tue: 'Tue',
	wed: 'Wed',
	thu: 'Thu',
	fri: 'Fri',
	sat: 'Sat',
	sun: 'Sun',
};

export function toMs(instant: Instant): number {
	return typeof instant === 'number' ? instant : instant.getTime();
}

/** Throws a ScheduleError unless the name is an IANA time zone this runtime knows. */
export function assertTimeZone(timeZone: string): void {
	if (!canonicalTimeZone(timeZone)) {
		throw new ScheduleError(
			`Unknown time zone "${timeZone}": use an IANA name such as Europe/Berlin or UTC`,
		);
	}
}

interface LocalTime {
	/** Minutes since Monday 00:00 on the local wall clock. */
	minuteOfWeek: number;
	/** Milliseconds past the start of the local minute. */
	msIntoMinute: number;
	/** Local wall clock minus UTC. */
	offsetMs: number;
}

function localTime(ms: number, timeZone: string): LocalTime {
	assertTimeZone(timeZone);
	const wall = wallClockAt(ms, timeZone);
	const millis = ((ms % 1000) + 1000) % 1000;
	return {
		minuteOfWeek: wall.weekday * MINUTES_PER_DAY + wall.hour * 60 + wall.minute,
		msIntoMinute: wall.second * 1000 + millis,
		offsetMs: wallClockAsUtcMs(ms, timeZone) - ms,
	};
}

/** Minutes since midnight of 'HH:MM', or null when it is not a time; '24:00' only where `allowEndOfDay`. */
function minuteOfDay(text: string, allowEndOfDay: boolean): number | null {
	const match = /^(\d{1,2}):(\d{2})$/.exec(text.trim());
	if (!match) return null;
	const hours = Number(match[1]);
	const minutes = Number(match[2]);
	if (minutes > 59) return null;
	if (hours === 24 && minutes === 0 && allowEndOfDay) return MINUTES_PER_DAY;
	return hours <= 23 ? hours * 60 + minutes : null;
}

interface CompiledWindow {
	window: TimeWindow;
	day: Weekday;
	/** [start, end) in minutes of the week, end possibly past the week's end. */
	from: number;
	to: number;
	crossesMidnight: boolean;
}

interface CompiledWindows {
	occurrences: CompiledWindow[];
	/** Minutes of the week where some window starts or ends. */
	boundaries: number[];
}

function describeWindow(window: TimeWindow): string {
	return `${window.days.map((day) => DAY_LABELS[day] ?? String(day)).join(',')} ${window.start}-${window.end}`;
}

function compile(windows: readonly TimeWindow[]): CompiledWindows {
	const occurrences: CompiledWindow[] = [];
	const boundaries = new Set<number>();
	for (const window of windows) {
		const start = minuteOfDay(window.start, false);
		const end = minuteOfDay(window.end, true);
		if (start === null) {
			throw new ScheduleError(
				`Window "${describeWindow(window)}": start "${window.start}" is not a time 00:00-23:59`,
			);
		}
		if (end === null) {
			throw new ScheduleError(
				`Window "${describeWindow(window)}": end "${window.end}" is not a time 00:00-24:00`,
			);
		}
		if (!Array.isArray(window.days) || window.days.length === 0) {
			throw new ScheduleError(`Window "${describeWindow(window)}": names no days`);
		}
		for (const day of window.days) {
			const index = WEEKDAYS.indexOf(day);
			if (index < 0) {
				throw new ScheduleError(
					`Window "${describeWindow(window)}": "${String(day)}" is not one of ${WEEKDAYS.join(', ')}`,
				);
			}
			const from = index * MINUTES_PER_DAY + start;
			const crossesMidnight = end <= start;
			const to = index * MINUTES_PER_DAY + end + (crossesMidnight ? MINUTES_PER_DAY : 0);
			occurrences.push({ window, day, from, to, crossesMidnight });
			boundaries.add(from % MINUTES_PER_WEEK);
			boundaries.add(to % MINUTES_PER_WEEK);
		}
	}
	return { occurrences, boundaries: [...boundaries] };
}

function occurrenceAt(compiled: CompiledWindows, minuteOfWeek: number): CompiledWindow | null {
	for (const occurrence of compiled.occurrences) {
		// A window running past Sunday midnight continues at the start of the week.
		const inside =
			(minuteOfWeek >= occurrence.from && minuteOfWeek < occurrence.to) ||
			minuteOfWeek + MINUTES_PER_WEEK < occurrence.to;
		if (inside) return occurrence;
	}
	return null;
}

/** True when the local clock of `timeZone` at `instant` shows a time inside one of the windows. */
export function isWithin(
	windows: readonly TimeWindow[],
	instant: Instant,
	timeZone: string,
): boolean {
	const compiled = compile(windows);
	return occurrenceAt(compiled, localTime(toMs(instant), timeZone).minuteOfWeek) !== null;
}

/** The window in effect at `instant` and the day its occurrence began, e.g. for 'Sat 22:00-Sun 04:00'. */
export function activeWindow(
	windows: readonly TimeWindow[],
	instant: Instant,
	timeZone: string,
): { window: TimeWindow; day: Weekday; description: string } | null {
	const occurrence = occurrenceAt(
		compile(windows),
		localTime(toMs(instant), timeZone).minuteOfWeek,
	);
	if (!occurrence) return null;
	const { window, day } = occurrence;
	const nextDay = WEEKDAYS[(WEEKDAYS.indexOf(day) + 1) % 7];
	const description = occurrence.crossesMidnight
		? `${DAY_LABELS[day]} ${window.start}-${DAY_LABELS[nextDay]} ${window.end}`
		: `${DAY_LABELS[day]} ${window.start}-${window.end}`;
	return { window, day, description };
}

/**
 * The first instant after `instant` at which being inside the windows flips, or null when it does not flip within
 * eight days. Jumps from one window edge to the next on the local clock and finds clock changes (DST) in between by
 * bisection, so it costs a few dozen clock conversions rather than one per minute.
 */
export function nextChange(
	windows: readonly TimeWindow[],
	instant: Instant,
	timeZone: string,
): Date | null {
	const compiled = compile(windows);
	if (compiled.boundaries.length === 0) return null;
	const startMs = toMs(instant);
	const horizon = startMs + NEXT_CHANGE_HORIZON_MS;
	const insideAt = (ms: number) =>
		occurrenceAt(compiled, localTime(ms, timeZone).minuteOfWeek) !== null;
	const initially = insideAt(startMs);
	let cursor = startMs;
	while (cursor < horizon) {
		const local = localTime(cursor, timeZone);
		const position = local.minuteOfWeek * MINUTE_MS + local.msIntoMinute;
		let untilEdge = WEEK_MS;
		for (const boundary of compiled.boundaries) {
			let delta = boundary * MINUTE_MS - position;
			if (delta <= 0) delta += WEEK_MS;
			untilEdge = Math.min(untilEdge, delta);
		}
		const edge = cursor + untilEdge;
		const clockChange = firstOffsetChange(cursor, edge, local.offsetMs, timeZone);
		const candidate = clockChange ?? edge;
		if (candidate > horizon) return null;
		if (insideAt(candidate) !== initially) return new Date(candidate);
		cursor = candidate;
	}
	return null;
}

/** The first whole second in (fromMs, toMs] whose UTC offset differs from `offsetMs`, if the offset at toMs does. */
function firstOffsetChange(
	fromMs: number,
	toMs: number,
	offsetMs: number,
	timeZone: string,
): number | null {
	const offsetAtSecond = (second: number) => localTime(second * 1000, timeZone).offsetMs;
	let low = Math.floor(fromMs / 1000);
	let high = Math.floor(toMs / 1000);
	if (offsetAtSecond(high) === offsetMs) return null;
	while (high - low > 1) {
		const middle = Math.floor((low + high) / 2);
		if (offsetAtSecond(middle) === offsetMs) low = middle;
		else high = middle;
	}
	return high * 1000;
}

const DAY_NAMES: Record<string, Weekday[]> = {
	daily: [...WEEKDAYS],
	'every day': [...WEEKDAYS],
	weekdays: ['mon', 'tue', 'wed', 'thu', 'fri'],
	weekends: ['sat', 'sun'],
	weekend: ['sat', 'sun'],
};

const SINGLE_DAYS: Record<string, Weekday> = {};
for (const [index, day] of WEEKDAYS.entries()) {
	SINGLE_DAYS[day] = day;
	SINGLE_DAYS[
		['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'][index]
	] = day;
}

const DAYS_HELP =
	'use Mon, Tue, Wed, Thu, Fri, Sat, Sun, a range like Mon-Fri, Weekdays, Weekends or Daily';

function parseDays(text: string, context: string): Weekday[] {
	const named = DAY_NAMES[text.toLowerCase().replace(/\s+/g, ' ')];
	if (named) return named;
	const days = new Set<Weekday>();
	for (const token of text.split(',')) {
		const item = token.trim();
		if (!item) throw new ScheduleError(`${context}: empty day in "${text}"; ${DAYS_HELP}`);
		const group = DAY_NAMES[item.toLowerCase()];
		if (group) {
			group.forEach((day) => days.add(day));
			continue;
		}
		const [first, last, ...rest] = item.split(/\s*[-–]\s*/);
		const from = SINGLE_DAYS[first.toLowerCase()];
		const to = last === undefined ? from : SINGLE_DAYS[last.toLowerCase()];
		if (rest.length || !from || !to) {
			const bad = rest.length ? item : !from ? first : last;
			throw new ScheduleError(`${context}: unknown day "${bad}"; ${DAYS_HELP}`);
		}
		// A range may wrap over the weekend, e.g. Fri-Mon.
		for (let index = WEEKDAYS.indexOf(from); ; index = (index + 1) % 7) {
			days.add(WEEKDAYS[index]);
			if (WEEKDAYS[index] === to) break;
		}
	}
	return WEEKDAYS.filter((day) => days.has(day));
}

function pad(minutes: number): string {
	const hours = Math.floor(minutes / 60);
	return `${String(hours).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

function parseTimeRange(text: string, context: string): { start: string; end: string } {
	const match = /^(\S+?)\s*[-–]\s*(\S+)$/.exec(text.trim());
	if (!match) {
		throw new ScheduleError(`${context}: "${text.trim()}" is not a time range like 08:00-20:00`);
	}
	const start = minuteOfDay(match[1], false);
	const end = minuteOfDay(match[2], true);
	if (start === null) {
		throw new ScheduleError(
			`${context}: start "${match[1]}" is not a time 00:00-23:59${match[1] === '24:00' ? ' (use 00:00)' : ''}`,
		);
	}
	if (end === null) {
		throw new ScheduleError(`${context}: end "${match[2]}" is not a time 00:00-24:00`);
	}
	return { start: pad(start), end: pad(end) };
}

/**
 * Reads windows as typed in the node, e.g. `Mon-Fri 08:00-20:00; Sat,Sun 00:00-24:00` or `Daily 22:00-06:00`.
 * Entries are separated by `;` or new lines; one entry may list several ranges: `Mon-Fri 08:00-12:00, 13:00-17:00`.
 * An empty text gives no windows. `label` names the setting in error messages.
 */
export function parseWindows(text: string, label?: string): TimeWindow[] {
	const windows: TimeWindow[] = [];
	const entries = text
		.split(/[;\n]/)
		.map((entry) => entry.trim())
		.filter(Boolean);
	for (const [index, entry] of entries.entries()) {
		const context = `${label ? `${label}: window` : 'Window'} ${index + 1} ("${entry}")`;
		const firstDigit = entry.search(/\d/);
		if (firstDigit < 0) {
			throw new ScheduleError(`${context}: no time range; write e.g. "${entry} 08:00-20:00"`);
		}
		const daysText = entry.slice(0, firstDigit).trim();
		if (!daysText) {
			throw new ScheduleError(
				`${context}: no days before the time; write e.g. "Mon-Fri ${entry}" or "Daily ${entry}"`,
			);
		}
		const days = parseDays(daysText, context);
		for (const range of entry.slice(firstDigit).split(',')) {
			windows.push({ days, ...parseTimeRange(range, context) });
		}
	}
	return windows;
}

function formatDays(days: readonly Weekday[]): string {
	const indexes = [...new Set(days.map((day) => WEEKDAYS.indexOf(day)))].sort((a, b) => a - b);
	const parts: string[] = [];
	for (let i = 0; i < indexes.length;) {
		let j = i;
		while (j + 1 < indexes.length && indexes[j + 1] === indexes[j] + 1) j++;
		const run = indexes.slice(i, j + 1).map((index) => DAY_LABELS[WEEKDAYS[index]]);
		parts.push(run.length >= 3 ? `${run[0]}-${run[run.length - 1]}` : run.join(','));
		i = j + 1;
	}
	return parts.join(',');
}

/** The windows as parseWindows reads them, e.g. for reasons and output. */
export function formatWindows(windows: readonly TimeWindow[]): string {
	return windows
		.map((window) => `${formatDays(window.days)} ${window.start}-${window.end}`)
		.join('; ');
}
