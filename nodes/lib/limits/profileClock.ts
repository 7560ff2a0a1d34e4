import { systemClock, type Clock, type TimerHandle } from './clock';
import type { HostLimiter } from './hostLimiter';
import type { ThrottleProfile, ThrottleSchedule } from './throttleProfiles';

/** Pause before applying a profile again after the limiter refused it (e.g. a shared store was unreachable). */
const RETRY_MS = 10_000;

export interface ProfileClockOptions {
	limiter: HostLimiter;
	host: string;
	schedule: ThrottleSchedule;
	clock?: Clock;
	onChange?: (profile: ThrottleProfile, host: string) => void;
	onError?: (error: unknown, host: string) => void;
}

/**
 * Keeps one host's limits in step with its throttle schedule: applies the profile in force now, then again at each
 * boundary, from an unref'd timer so a finished execution is never kept alive by it.
 */
export class ProfileClock {
	private readonly clock: Clock;

	private timer: TimerHandle | null = null;

	private applied: ThrottleProfile | null = null;

	private stopped = false;

	constructor(private readonly options: ProfileClockOptions) {
		this.clock = options.clock ?? systemClock;
	}

	/** The profile last applied to the limiter. */
	get current(): ThrottleProfile | null {
		return this.applied;
	}

	/** Applies the profile in force now and watches for the next boundary; rejects when the limiter refuses it. */
	async start(): Promise<ThrottleProfile> {
		this.stopped = false;
		const profile = await this.apply();
		this.armNext();
		return profile;
	}

	stop(): void {
		this.stopped = true;
		this.timer?.cancel();
		this.timer = null;
	}

	private async apply(): Promise<ThrottleProfile> {
		const { limiter, host, schedule } = this.options;
		const profile = schedule.profileAt(this.clock.now());
		if (profile !== this.applied) {
			await limiter.setProfile(host, profile);
			this.applied = profile;
			this.options.onChange?.(profile, host);
		}
		return profile;
	}

	private armNext(): void {
		if (this.stopped) return;
		const next = this.options.schedule.nextProfileChange(this.clock.now());
		// Nothing changes within the schedule's horizon: look again a week later in case the horizon was the limit.
		const delay = next ? next.getTime() - this.clock.now() : 7 * 24 * 3_600_000;
		this.arm(delay);
	}

	private arm(delayMs: number): void {
		this.timer?.cancel();
		this.timer = this.clock.setTimer(() => this.tick(), Math.max(0, delayMs));
		this.timer.unref();
	}

	private tick(): void {
		if (this.stopped) return;
		// The next boundary is armed first so a slow limiter (a shared store) cannot delay it.
		this.armNext();
		this.apply().catch((error: unknown) => {
			this.options.onError?.(error, this.options.host);
			if (!this.stopped) this.arm(RETRY_MS);
		});
	}
}
