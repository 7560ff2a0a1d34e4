import { DEFAULT_MAX_CONNECTIONS_PER_HOST } from '../defaults';
import { systemClock, type Clock } from './clock';
import { InProcessHostLimiter, type HostLimiter } from './hostLimiter';
import { openHostLimiter, type HostLimiterOptions } from './openHostLimiter';
import { openRunGuard, type OpenedRunGuard, type RunGuardOptions } from './openRunGuard';
import { ProfileClock } from './profileClock';
import { RunGuard, type ExecutionGuard, type StopConditions } from './stopConditions';
import { ThrottleSchedule, type ThrottleProfile } from './throttleProfiles';

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

/** Where an execution keeps its limits and stop conditions: data, so the worker thread opens them. */
export interface ControlBackends {
	limiter: HostLimiterOptions;
	guard: RunGuardOptions;
}

/** Both kept in this process: the execution is the only one copying to its servers. */
export const PROCESS_CONTROL_BACKENDS: ControlBackends = {
	limiter: { kind: 'process' },
	guard: { kind: 'process' },
};

export interface ExecutionControlsOptions {
	clock?: Clock;
	/** A limiter the caller opened and closes (a benchmark's recording one); an in-process one otherwise. */
	limiter?: HostLimiter;
	/** A guard the caller opened and disposes; an in-process one otherwise. */
	guard?: OpenedRunGuard;
	onProfileChange?: (profile: ThrottleProfile, host: string) => void;
	onError?: (error: unknown, host: string) => void;
}

function stopConditionsOf(settings: ControlSettings): StopConditions {
	return { ...settings.stop, timeZone: settings.timeZone };
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
 * Throws ScheduleError for settings that make no sense, without opening a limiter or guard: for a caller that checks
 * the settings before it hands them to the execution.
 */
export function checkControlSettings(settings: ControlSettings): void {
	scheduleFor('source', settings);
	scheduleFor('target', settings);
	new RunGuard(stopConditionsOf(settings)).dispose();
}

/**
 * The throttle profiles and stop conditions of one execution, shared by all its mailboxes: one host limiter whose
 * limits follow each host's schedule (switched at the boundaries while copying), and one run guard.
 * Throws ScheduleError for settings that do not make sense, before anything is copied.
 */
export class ExecutionControls {
	readonly limiter: HostLimiter;

	readonly guard: ExecutionGuard;

	private readonly schedules: Record<'source' | 'target', ThrottleSchedule>;

	private readonly clocks = new Map<string, Promise<ProfileClock>>();

	/** What these controls opened themselves, closed in this order by dispose(). */
	private readonly closers: Array<() => void | Promise<void>> = [];

	/**
	 * The controls of an execution, with the limiter and guard its backends name; dispose() closes both. Throws
	 * ScheduleError for settings that make no sense, before anything is opened.
	 */
	static async open(
		settings: ControlSettings,
		backends: ControlBackends,
		options: Omit<ExecutionControlsOptions, 'limiter' | 'guard'> = {},
	): Promise<ExecutionControls> {
		checkControlSettings(settings);
		const clock = options.clock ?? systemClock;
		const guard = await openRunGuard(backends.guard, stopConditionsOf(settings), clock);
		let limiter: HostLimiter;
		try {
			limiter = await openHostLimiter(backends.limiter, clock);
		} catch (error) {
			await guard.dispose();
			throw error;
		}
		const controls = new ExecutionControls(settings, { ...options, limiter, guard });
		controls.closers.push(
			() => guard.dispose(),
			() => limiter.close(),
		);
		return controls;
	}

	constructor(
		settings: ControlSettings,
		private readonly options: ExecutionControlsOptions = {},
	) {
		const clock = options.clock ?? systemClock;
		this.schedules = {
			source: scheduleFor('source', settings),
			target: scheduleFor('target', settings),
		};
		if (options.guard) {
			this.guard = options.guard;
		} else {
			const guard = new RunGuard(stopConditionsOf(settings), { clock });
			this.guard = guard;
			this.closers.push(() => guard.dispose());
		}
		if (options.limiter) {
			this.limiter = options.limiter;
		} else {
			const limiter = new InProcessHostLimiter({ clock });
			this.limiter = limiter;
			this.closers.push(() => limiter.close());
		}
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

	/** Stops the profile clocks, then closes the guard and limiter it opened; call when the execution ends. */
	async dispose(): Promise<void> {
		const clocks = await Promise.allSettled(this.clocks.values());
		for (const started of clocks) if (started.status === 'fulfilled') started.value.stop();
		for (const close of this.closers.splice(0)) await close();
	}
}
