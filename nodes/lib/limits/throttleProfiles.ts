import {
	assertTimeZone,
	isWithin,
	NEXT_CHANGE_HORIZON_MS,
	nextChange,
	ScheduleError,
	toMs,
	type Instant,
	type TimeWindow,
} from './schedule';

/** What one host may take at a time: connections at once, and optionally messages and bytes per second. */
export interface HostLimits {
	/** Shown in stats and logs, e.g. 'office hours'. */
	name: string;
	maxConnections: number;
	messagesPerSecond?: number;
	bytesPerSecond?: number;
}

/** Limits that apply inside their windows; a profile without windows applies whenever no earlier one does. */
export interface ThrottleProfile extends HostLimits {
	windows?: TimeWindow[];
}

function assertProfile(profile: ThrottleProfile): void {
	const name = `Throttle profile "${profile.name}"`;
	if (!Number.isInteger(profile.maxConnections) || profile.maxConnections < 1) {
		throw new ScheduleError(
			`${name}: max connections must be a whole number of at least 1, not ${profile.maxConnections}`,
		);
	}
	for (const key of ['messagesPerSecond', 'bytesPerSecond'] as const) {
		const value = profile[key];
		if (value !== undefined && !(Number.isFinite(value) && value > 0)) {
			throw new ScheduleError(
				`${name}: ${key} must be a number above 0 or left empty, not ${value}`,
			);
		}
	}
}

/**
 * A week of throttle profiles in one time zone, e.g. 2 connections on weekdays 08:00-20:00 and 16 otherwise. The first
 * profile whose windows contain the instant wins; the last profile has no windows and applies the rest of the time.
 */
export class ThrottleSchedule {
	readonly profiles: readonly ThrottleProfile[];

	constructor(
		profiles: readonly ThrottleProfile[],
		readonly timeZone: string,
	) {
		assertTimeZone(timeZone);
		if (profiles.length === 0) throw new ScheduleError('A throttle schedule needs a profile');
		profiles.forEach(assertProfile);
		const fallback = profiles.findIndex((profile) => !profile.windows?.length);
		if (fallback < 0) {
			throw new ScheduleError(
				'The last throttle profile must have no windows: it applies whenever no other one does',
			);
		}
		if (fallback < profiles.length - 1) {
			throw new ScheduleError(
				`Throttle profile "${profiles[fallback + 1].name}" never applies: it comes after "${profiles[fallback].name}", which has no windows and so applies at all times`,
			);
		}
		// Validates every window now rather than at the first boundary.
		for (const profile of profiles) isWithin(profile.windows ?? [], 0, timeZone);
		this.profiles = profiles;
	}

	/** A schedule with one profile at all times. */
	static constant(limits: HostLimits): ThrottleSchedule {
		return new ThrottleSchedule([{ ...limits, windows: undefined }], 'UTC');
	}

	private indexAt(ms: number): number {
		return this.profiles.findIndex(
			(profile) => !profile.windows?.length || isWithin(profile.windows, ms, this.timeZone),
		);
	}

	profileAt(instant: Instant): ThrottleProfile {
		return this.profiles[this.indexAt(toMs(instant))];
	}

	/** The next instant another profile takes over, or null when none does within eight days. */
	nextProfileChange(instant: Instant): Date | null {
		const startMs = toMs(instant);
		const current = this.indexAt(startMs);
		const horizon = startMs + NEXT_CHANGE_HORIZON_MS;
		let cursor = startMs;
		while (cursor < horizon) {
			let earliest: number | null = null;
			for (const profile of this.profiles) {
				if (!profile.windows?.length) continue;
				const change = nextChange(profile.windows, cursor, this.timeZone);
				if (change && (earliest === null || change.getTime() < earliest))
					earliest = change.getTime();
			}
			if (earliest === null || earliest > horizon) return null;
			// One profile's window may change while an earlier profile still wins: look further.
			if (this.indexAt(earliest) !== current) return new Date(earliest);
			cursor = earliest;
		}
		return null;
	}
}
