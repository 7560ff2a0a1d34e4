/**
 * The communication plan: stages relative to each user's migration date (T-7 days at 09:00, T+0 at 08:00 ...), each
 * at a time of day on the user's own wall clock, and which of them are due at a moment.
 *
 * - A stage is due once its moment has passed. Its moment is the migration date moved by the stage's offset in
 *   calendar days, at its time of day in the user's IANA zone (DST-correct, see zonedTime).
 * - A due stage is stale, and skipped with the reason, when it is more than `maxLatenessMs` late (a T-7 notice found
 *   at T-2 would say the wrong thing) or when a later stage is due as well (it supersedes the earlier one: a user gets
 *   "tomorrow", not "in a week" and "tomorrow" together).
 * - The migration date is a calendar date, `YYYY-MM-DD`, or an ISO 8601 date-time whose calendar date in the user's
 *   zone is taken. A stage is sent once per migration, user and stage, whatever date it was computed for: when a
 *   user's date moves, stages already sent stay sent, and the others follow the new date (those whose moment is now
 *   long past are stale). A missing or unreadable date or zone is an error of that user's item.
 */
import {
	addDays,
	calendarDateIn,
	checkTimeZone,
	formatCalendarDate,
	TimeZoneError,
	zonedInstant,
	type CalendarDate,
} from './zonedTime';

export interface PlanStage {
	/** Unique in the plan; the ledger's name for the stage, e.g. `T-7`. */
	name: string;
	/** Calendar days from the migration date: -7 is a week before, 0 the day itself. */
	offsetDays: number;
	/** `HH:MM`, 24-hour, on the user's wall clock. */
	timeOfDay: string;
}

export interface PlanRecipient {
	email: string;
	migrationDate: unknown;
	timeZone: string;
}

/** How late a stage may still go out; one day by default. */
export const DEFAULT_MAX_LATENESS_MS = 24 * 3_600_000;

export type StageTiming =
	| { stage: string; dueAt: Date; timing: 'due' }
	| { stage: string; dueAt: Date; timing: 'notDue' }
	| { stage: string; dueAt: Date; timing: 'stale'; reason: string };

export interface RecipientPlan {
	/** Lowercased and trimmed: the ledger's name for the user. */
	recipient: string;
	/** The migration date as a calendar date, `YYYY-MM-DD`. */
	migrationDate: string;
	timeZone: string;
	stages: StageTiming[];
}

/** Bad plan or user input; the node reports it as an error of the item. */
export class PlanInputError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'PlanInputError';
	}
}

const TIME_OF_DAY = /^([01]?\d|2[0-3]):([0-5]\d)$/;
const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
// Deliberately loose on the address itself: the CRM judges it; this only refuses what cannot be one.
const EMAIL = /^[^\s@]+@[^\s@]+$/;

function timeOfDayOf(stage: PlanStage): { hour: number; minute: number } {
	const match = TIME_OF_DAY.exec(stage.timeOfDay.trim());
	if (!match) {
		throw new PlanInputError(
			`stage "${stage.name}": time of day "${stage.timeOfDay}" is not HH:MM (24-hour, e.g. 09:00)`,
		);
	}
	return { hour: Number(match[1]), minute: Number(match[2]) };
}

/** Throws PlanInputError for a plan no user could be planned by: no stages, duplicate names, bad offsets or times. */
export function checkPlan(stages: readonly PlanStage[]): void {
	if (stages.length === 0) throw new PlanInputError('the communication plan has no stages');
	const names = new Set<string>();
	for (const stage of stages) {
		if (!stage.name.trim()) throw new PlanInputError('a stage of the plan has no name');
		if (names.has(stage.name)) throw new PlanInputError(`two stages are named "${stage.name}"`);
		names.add(stage.name);
		if (!Number.isInteger(stage.offsetDays) || Math.abs(stage.offsetDays) > 366) {
			throw new PlanInputError(
				`stage "${stage.name}": offset ${stage.offsetDays} is not a whole number of days within a year`,
			);
		}
		timeOfDayOf(stage);
	}
}

function isValidDate(date: CalendarDate): boolean {
	const check = new Date(Date.UTC(date.year, date.month - 1, date.day));
	return (
		check.getUTCFullYear() === date.year &&
		check.getUTCMonth() + 1 === date.month &&
		check.getUTCDate() === date.day
	);
}

/** The migration date as a calendar date in `zone`: `YYYY-MM-DD` as it is, a date-time by its date there. */
export function migrationDateOf(value: unknown, zone: string): CalendarDate {
	const text =
		value instanceof Date ? value.toISOString() : typeof value === 'string' ? value.trim() : '';
	if (!text) {
		throw new PlanInputError(
			'the migration date is missing (expected YYYY-MM-DD or an ISO 8601 date-time)',
		);
	}
	const plain = CALENDAR_DATE.exec(text);
	if (plain) {
		const date = { year: Number(plain[1]), month: Number(plain[2]), day: Number(plain[3]) };
		if (isValidDate(date)) return date;
	} else if (/^\d{4}-\d{2}-\d{2}T/.test(text) && !Number.isNaN(Date.parse(text))) {
		return calendarDateIn(new Date(text), zone);
	}
	throw new PlanInputError(
		`the migration date "${text.slice(0, 40)}" is not a date (expected YYYY-MM-DD or an ISO 8601 date-time)`,
	);
}

export function normalizedRecipient(email: string): string {
	const address = String(email ?? '')
		.trim()
		.toLowerCase();
	if (!EMAIL.test(address)) {
		throw new PlanInputError(
			address
				? `"${address.slice(0, 80)}" is not an email address`
				: 'the email address is missing',
		);
	}
	return address;
}

function zoneOf(value: string): string {
	const zone = String(value ?? '').trim();
	if (!zone)
		throw new PlanInputError('the time zone is missing (an IANA zone, e.g. Europe/Berlin)');
	try {
		return checkTimeZone(zone);
	} catch (error) {
		if (error instanceof TimeZoneError) throw new PlanInputError(error.message);
		throw error;
	}
}

/**
 * Every stage of the plan for one user at `asOf`: due, not due yet, or stale. Throws PlanInputError for the user's
 * bad input (address, date, zone); `checkPlan` first for the plan's own.
 */
export function planRecipient(
	recipient: PlanRecipient,
	stages: readonly PlanStage[],
	asOf: Date,
	maxLatenessMs = DEFAULT_MAX_LATENESS_MS,
): RecipientPlan {
	const address = normalizedRecipient(recipient.email);
	const zone = zoneOf(recipient.timeZone);
	const date = migrationDateOf(recipient.migrationDate, zone);
	const now = asOf.getTime();
	const moments = stages.map((stage) => {
		const { hour, minute } = timeOfDayOf(stage);
		return {
			stage: stage.name,
			dueAt: zonedInstant(addDays(date, stage.offsetDays), hour, minute, zone),
		};
	});
	const latestPassed = moments
		.filter((moment) => moment.dueAt.getTime() <= now)
		.reduce<(typeof moments)[number] | null>(
			(latest, moment) => (latest && latest.dueAt >= moment.dueAt ? latest : moment),
			null,
		);
	const timings = moments.map((moment): StageTiming => {
		const due = moment.dueAt.getTime();
		if (due > now) return { ...moment, timing: 'notDue' };
		if (latestPassed && latestPassed.dueAt.getTime() > due) {
			return {
				...moment,
				timing: 'stale',
				reason: `superseded by stage "${latestPassed.stage}", due since ${latestPassed.dueAt.toISOString()}`,
			};
		}
		if (now - due > maxLatenessMs) {
			return {
				...moment,
				timing: 'stale',
				reason: `${describeDuration(now - due)} late, more than the ${describeDuration(maxLatenessMs)} a stage may be late`,
			};
		}
		return { ...moment, timing: 'due' };
	});
	return {
		recipient: address,
		migrationDate: formatCalendarDate(date),
		timeZone: zone,
		stages: timings,
	};
}

function describeDuration(ms: number): string {
	const hours = ms / 3_600_000;
	if (hours >= 48) return `${Math.floor(hours / 24)} days`;
	if (hours >= 1) return `${Math.floor(hours)} h`;
	return `${Math.max(1, Math.floor(ms / 60_000))} min`;
}
