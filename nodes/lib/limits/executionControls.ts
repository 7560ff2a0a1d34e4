import { systemClock, type Clock } from './clock';
import { InProcessHostLimiter, type HostLimiter } from './hostLimiter';
import { ProfileClock } from './profileClock';
import { RunGuard, type ExecutionGuard, type StopConditions } from './stopConditions';
import { ThrottleSchedule, type ThrottleProfile } from './throttleProfiles';

/** Connections per host when no throttle profile says otherwise: enough for the default parallelism, and a cap. */
export const DEFAULT_MAX_CONNECTIONS_PER_HOST = 16;

export type ProfileSide = 'source' | 'target' | 'both';

export interface SideProfile extends ThrottleProfile {
	side: ProfileSide;
}

export interface ControlSettings {
	/** Zone of every window (profiles, run and maintenance windows), e.g. Europe/Paris. */
	timeZone: string;
	/** In order of precedence; those without windows apply whenever no earlier one does. */
	profiles: SideProfile[];
	stop: Omit<StopConditions, 'timeZone'>;
	/** The limits outside every profile window, on hosts no windowless profile covers. */
	defaultMaxConnections?: number;
}

/** What the engine needs for one mailbox (see EngineControls), without importing the engine here. */
export interface MailboxControls {
	limiter: HostLimiter;
	guard: ExecutionGuard;
	sourceHost: string;
	targetHost: string;
}

export interface ExecutionControlsOptions {
	clock?: Clock;
	/** A shared limiter (e.g. Redis-backed in queue mode); the in-process one otherwise. */
	limiter?: HostLimiter;
	onProfileChange?: (profile: ThrottleProfile, host: string) => void;
	onError?: (error: unknown, host: string) => void;
}

function scheduleFor(side: 'source' | 'target', settings: ControlSettings): ThrottleSchedule {
	const profiles: ThrottleProfile[] = settings.profiles
		.filter((profile) => profile.side === side || profile.side === 'both')
		.map((profile) => ({
			name: profile.name,
			windows: profile.windows,
			maxConnections: profile.maxConnections,
			messagesPerSecond: profile.messagesPerSecond,
			bytesPerSecond: profile.bytesPerSecond,
		}));
	// The schedule needs a profile for all other times: the defaults, unless the user gave one.
	if (!profiles.some((profile) => !profile.windows?.length)) {
		profiles.push({
			name: 'default',
			maxConnections: settings.defaultMaxConnections ?? DEFAULT_MAX_CONNECTIONS_PER_HOST,
		});
	}
	return new ThrottleSchedule(profiles, settings.timeZone);
}

/**
 * The throttle profiles and stop conditions of one execution, shared by all its mailboxes: one host limiter whose
 * limits follow each host's schedule (switched at the boundaries while copying), and one run guard.
 * Throws ScheduleError for settings that do not make sense, before anything is copied.
 */
export class ExecutionControls {
	readonly limiter: HostLimiter;

	readonly guard: RunGuard;

	private readonly schedules: Record<'source' | 'target', ThrottleSchedule>;

	private readonly clocks = new Map<string, Promise<ProfileClock>>();

	constructor(
		settings: ControlSettings,
		private readonly options: ExecutionControlsOptions = {},
	) {
		const clock = options.clock ?? systemClock;
		this.schedules = {
			source: scheduleFor('source', settings),
			target: scheduleFor('target', settings),
		};
		this.guard = new RunGuard({ ...settings.stop, timeZone: settings.timeZone }, { clock });
		this.limiter = options.limiter ?? new InProcessHostLimiter({ clock });
	}

	/** Limiter key of a server: one side of it, so a server that is both source and target has two budgets. */
	static hostKey(side: 'source' | 'target', host: string): string {
		return `${side}:${host.toLowerCase()}`;
	}

	/** Controls for one mailbox; each host starts following its schedule the first time a mailbox uses it. */
	async forMailbox(sourceHost: string, targetHost: string): Promise<MailboxControls> {
		const keys = {
			source: ExecutionControls.hostKey('source', sourceHost),
			target: ExecutionControls.hostKey('target', targetHost),
		};
		await Promise.all([this.follow('source', keys.source), this.follow('target', keys.target)]);
		return {
			limiter: this.limiter,
			guard: this.guard,
			sourceHost: keys.source,
			targetHost: keys.target,
		};
	}

	/** The profile in force for a host key, for reports. */
	profileOf(hostKey: string): string | null {
		return this.limiter.stats(hostKey).profile;
	}

	private follow(side: 'source' | 'target', host: string): Promise<ProfileClock> {
		let started = this.clocks.get(host);
		if (!started) {
			const profileClock = new ProfileClock({
				limiter: this.limiter,
				host,
				schedule: this.schedules[side],
				clock: this.options.clock,
				onChange: this.options.onProfileChange,
				onError: this.options.onError,
			});
			started = profileClock.start().then(() => profileClock);
			this.clocks.set(host, started);
		}
		return started;
	}

	/** Stops the profile clocks and the guard's timers and releases waiters; call when the execution ends. */
	async dispose(): Promise<void> {
		const clocks = await Promise.allSettled(this.clocks.values());
		for (const started of clocks) if (started.status === 'fulfilled') started.value.stop();
		this.guard.dispose();
		if (!this.options.limiter) await this.limiter.close();
	}
}
