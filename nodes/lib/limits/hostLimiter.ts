import Bottleneck from 'bottleneck';

import { systemClock, type Clock, type TimerHandle } from './clock';
import type { HostLimits } from './throttleProfiles';

/** Gives a connection slot back; calling it again does nothing. */
export type Release = () => void;

export interface HostUsage {
	messages?: number;
	bytes?: number;
}

/** What this process has seen of one host. */
export interface HostLimiterStats {
	host: string;
	/** Name of the limits in force, null until setProfile was called and no default was given. */
	profile: string | null;
	maxConnections: number | null;
	messagesPerSecond: number | null;
	bytesPerSecond: number | null;
	activeConnections: number;
	queuedConnections: number;
	/** Most connections held at once. */
	peakConnections: number;
	/** Consumed through this limiter. */
	messages: number;
	bytes: number;
	/** Time consume() callers spent waiting for the rate, summed over callers. */
	waitedMs: number;
}

/**
 * Limits per host (a server, or a side of it when the caller prefixes the key), shared by every mailbox of an execution.
 * Small on purpose so that a Redis-backed limiter can share the same limits between n8n queue-mode workers.
 */
export interface HostLimiter {
	/** Waits for a connection slot of the host. Rejects with the signal's reason when it aborts first. */
	acquireConnection(host: string, signal?: AbortSignal): Promise<Release>;
	/** Waits until the host's message and byte rates allow this usage, then counts it. */
	consume(host: string, usage: HostUsage, signal?: AbortSignal): Promise<void>;
	/** New limits for the host; in force for every later acquisition and for consumers still waiting. */
	setProfile(host: string, limits: HostLimits): Promise<void>;
	/**
	 * True when the host holds more connections than its limits now allow (a lower profile began) and the holder of
	 * `release` should give its connection back soon. Each excess connection is claimed by one holder only.
	 */
	claimExcessConnection(host: string, release: Release): boolean;
	/**
	 * The host asked to slow down ([THROTTLED], [UNAVAILABLE]): nothing more is granted on it for `durationMs`, for any
	 * mailbox of the execution. A later call can only extend the hold.
	 */
	holdOff(host: string, durationMs: number): void;
	stats(host: string): HostLimiterStats;
	/** Rejects everything still waiting. */
	close(): Promise<void>;
}

/**
 * Pays for units before they pass, with no burst allowance: a reservation of `u` units is granted `u / rate` after the
 * previous one (or after now when idle). Whatever the measuring interval that starts with the first reservation, no
 * more than rate × elapsed units have been granted, so the achieved rate never exceeds the limit; timer lateness only
 * makes it lower.
 */
class PacingLane {
	/** Units per second, null for no limit. */
	rate: number | null = null;

	/** When everything reserved so far has been paid for. */
	paidUntil = 0;

	reserve(units: number, now: number): number {
		if (this.rate === null || units <= 0) return now;
		this.paidUntil = Math.max(this.paidUntil, now) + (units * 1000) / this.rate;
		return this.paidUntil;
	}

	/**
	 * Changes the rate and returns how to move grants already promised: the part not yet paid is paid at the new rate,
	 * so a waiting consumer speeds up or slows down at the moment the profile changes.
	 */
	changeRate(rate: number | null, now: number): (grantAt: number) => number {
		const previous = this.rate;
		this.rate = rate;
		let move: (grantAt: number) => number;
		if (previous === null) move = (grantAt) => grantAt;
		else if (rate === null) move = (grantAt) => Math.min(grantAt, now);
		else move = (grantAt) => (grantAt <= now ? grantAt : now + ((grantAt - now) * previous) / rate);
		this.paidUntil = move(this.paidUntil);
		return move;
	}
}

interface RateWaiter {
	state: HostState;
	messagesAt: number;
	bytesAt: number;
	timer: TimerHandle | null;
	resolve(): void;
	reject(reason: unknown): void;
}

interface PendingAcquisition {
	abandoned: boolean;
	reject(reason: unknown): void;
}

interface HostState {
	limits: HostLimits | null;
	connections: Bottleneck;
	activeConnections: number;
	queuedConnections: number;
	peakConnections: number;
	/** Connections claimed as excess and not yet released. */
	shedding: Set<Release>;
	pendingAcquisitions: Set<PendingAcquisition>;
	messageLane: PacingLane;
	byteLane: PacingLane;
	waiters: Set<RateWaiter>;
	/** No grant before this instant (epoch ms): the server asked for a pause. */
	heldUntil: number;
	messages: number;
	bytes: number;
	waitedMs: number;
}

function abortReason(signal: AbortSignal): unknown {
	return signal.reason ?? new Error('aborted');
}

/**
 * Host limits inside one process. Connection slots are bottleneck jobs (maxConcurrent per host, changed live with
 * updateSettings; a job runs while its slot is held). Message and byte rates use PacingLane rather than bottleneck's
 * reservoir: refreshing a reservoir lets a whole interval's worth through at once (above the limit over short spans),
 * an increasing one saves up credit while idle and never runs a job heavier than its maximum (a large message), and
 * minTime cannot weigh a job by its bytes.
 */
export class InProcessHostLimiter implements HostLimiter {
	private readonly hosts = new Map<string, HostState>();

	private readonly clock: Clock;

	/** Limits of a host before setProfile is called for it; null for none. */
	private readonly defaultLimits: HostLimits | null;

	private closed = false;

	constructor(options: { clock?: Clock; defaultLimits?: HostLimits } = {}) {
		this.clock = options.clock ?? systemClock;
		this.defaultLimits = options.defaultLimits ?? null;
	}

	private state(host: string): HostState {
		let state = this.hosts.get(host);
		if (!state) {
			const limits = this.defaultLimits;
			state = {
				limits,
				connections: new Bottleneck({ maxConcurrent: limits?.maxConnections ?? null }),
				activeConnections: 0,
				queuedConnections: 0,
				peakConnections: 0,
				shedding: new Set(),
				pendingAcquisitions: new Set(),
				messageLane: new PacingLane(),
				byteLane: new PacingLane(),
				waiters: new Set(),
				heldUntil: 0,
				messages: 0,
				bytes: 0,
				waitedMs: 0,
			};
			const now = this.clock.now();
			state.messageLane.changeRate(limits?.messagesPerSecond ?? null, now);
			state.byteLane.changeRate(limits?.bytesPerSecond ?? null, now);
			this.hosts.set(host, state);
		}
		return state;
	}

	private closedError(): Error {
		return new Error('The host limiter is closed');
	}

	acquireConnection(host: string, signal?: AbortSignal): Promise<Release> {
		if (this.closed) return Promise.reject(this.closedError());
		const state = this.state(host);
		return new Promise<Release>((resolve, reject) => {
			if (signal?.aborted) {
				reject(abortReason(signal));
				return;
			}
			const pending: PendingAcquisition = { abandoned: false, reject };
			const abandon = (reason: unknown) => {
				if (pending.abandoned) return;
				pending.abandoned = true;
				state.queuedConnections--;
				state.pendingAcquisitions.delete(pending);
				reject(reason);
			};
			pending.reject = abandon;
			const onAbort = () => abandon(abortReason(signal as AbortSignal));
			signal?.addEventListener('abort', onAbort, { once: true });
			state.queuedConnections++;
			state.pendingAcquisitions.add(pending);
			state.connections
				.schedule(
					() =>
						new Promise<void>((slotFreed) => {
							signal?.removeEventListener('abort', onAbort);
							// Abandoned while queued: hand the slot straight back.
							if (pending.abandoned) {
								slotFreed();
								return;
							}
							state.queuedConnections--;
							state.pendingAcquisitions.delete(pending);
							state.activeConnections++;
							state.peakConnections = Math.max(state.peakConnections, state.activeConnections);
							let released = false;
							const release: Release = () => {
								if (released) return;
								released = true;
								state.activeConnections--;
								state.shedding.delete(release);
								slotFreed();
							};
							resolve(release);
						}),
				)
				.catch((error: unknown) => abandon(error));
		});
	}

	consume(host: string, usage: HostUsage, signal?: AbortSignal): Promise<void> {
		if (this.closed) return Promise.reject(this.closedError());
		const state = this.state(host);
		const messages = Math.max(0, usage.messages ?? 0);
		const bytes = Math.max(0, usage.bytes ?? 0);
		return new Promise<void>((resolve, reject) => {
			if (signal?.aborted) {
				reject(abortReason(signal));
				return;
			}
			const requested = this.clock.now();
			// An abandoned wait keeps its reservation: the host then runs below its limit, never above it.
			const waiter: RateWaiter = {
				state,
				messagesAt: state.messageLane.reserve(messages, requested),
				bytesAt: state.byteLane.reserve(bytes, requested),
				timer: null,
				resolve: () => {
					finish();
					state.messages += messages;
					state.bytes += bytes;
					state.waitedMs += this.clock.now() - requested;
					resolve();
				},
				reject: (reason) => {
					finish();
					reject(reason);
				},
			};
			const onAbort = () => waiter.reject(abortReason(signal as AbortSignal));
			const finish = () => {
				waiter.timer?.cancel();
				state.waiters.delete(waiter);
				signal?.removeEventListener('abort', onAbort);
			};
			signal?.addEventListener('abort', onAbort, { once: true });
			state.waiters.add(waiter);
			this.arm(waiter);
		});
	}

	/** Resolves the waiter once both of its grants are due; re-arms when a timer fires early. */
	private arm(waiter: RateWaiter): void {
		waiter.timer?.cancel();
		const remaining =
			Math.max(waiter.messagesAt, waiter.bytesAt, waiter.state.heldUntil) - this.clock.now();
		if (remaining <= 0) {
			waiter.resolve();
			return;
		}
		waiter.timer = this.clock.setTimer(() => this.arm(waiter), Math.ceil(remaining));
	}

	async setProfile(host: string, limits: HostLimits): Promise<void> {
		if (this.closed) throw this.closedError();
		const state = this.state(host);
		state.limits = limits;
		const now = this.clock.now();
		const moveMessages = state.messageLane.changeRate(limits.messagesPerSecond ?? null, now);
		const moveBytes = state.byteLane.changeRate(limits.bytesPerSecond ?? null, now);
		for (const waiter of [...state.waiters]) {
			waiter.messagesAt = moveMessages(waiter.messagesAt);
			waiter.bytesAt = moveBytes(waiter.bytesAt);
			this.arm(waiter);
		}
		await state.connections.updateSettings({ maxConcurrent: limits.maxConnections });
	}

	claimExcessConnection(host: string, release: Release): boolean {
		const state = this.hosts.get(host);
		const max = state?.limits?.maxConnections;
		if (!state || max === undefined || state.shedding.has(release)) return false;
		if (state.activeConnections - state.shedding.size <= max) return false;
		state.shedding.add(release);
		return true;
	}

	holdOff(host: string, durationMs: number): void {
		const state = this.state(host);
		const untilMs = this.clock.now() + durationMs;
		if (untilMs <= state.heldUntil) return;
		state.heldUntil = untilMs;
		for (const waiter of state.waiters) this.arm(waiter);
	}

	stats(host: string): HostLimiterStats {
		const state = this.hosts.get(host);
		const limits = state ? state.limits : this.defaultLimits;
		return {
			host,
			profile: limits?.name ?? null,
			maxConnections: limits?.maxConnections ?? null,
			messagesPerSecond: limits?.messagesPerSecond ?? null,
			bytesPerSecond: limits?.bytesPerSecond ?? null,
			activeConnections: state?.activeConnections ?? 0,
			queuedConnections: state?.queuedConnections ?? 0,
			peakConnections: state?.peakConnections ?? 0,
			messages: state?.messages ?? 0,
			bytes: state?.bytes ?? 0,
			waitedMs: state?.waitedMs ?? 0,
		};
	}

	async close(): Promise<void> {
		this.closed = true;
		const reason = this.closedError();
		for (const state of this.hosts.values()) {
			for (const pending of [...state.pendingAcquisitions]) pending.reject(reason);
			for (const waiter of [...state.waiters]) waiter.reject(reason);
		}
	}
}
