/**
 * A real-time clock moved so that a wall-clock minute boundary is ahead: windows are minute-granular, so tests that
 * need a window to open or close mid-copy shift "now" instead of waiting up to a minute. Time runs at the real rate;
 * only now() is offset, and advance() / jumpToBoundary() move it forward at once, firing the timers that fall due,
 * so a test can put the boundary at a point of the copy it chose (e.g. after N messages) rather than at a point in
 * wall-clock time that a slow or a fast machine reaches with a different amount of work done.
 */
import { systemClock, type Clock, type TimerHandle } from '../../../nodes/lib/limits/clock';

export const MINUTE_MS = 60_000;

interface PendingTimer {
	/** When it falls due, in shifted time. */
	due: number;
	callback: () => void;
	real: TimerHandle;
	unref: boolean;
}

export class ShiftedClock implements Clock {
	/** The shifted instant (ms since the epoch, on a whole minute) that is `leadMs` ahead when the clock is made. */
	readonly boundary: number;

	private offset: number;

	private readonly pending = new Set<PendingTimer>();

	constructor(leadMs: number) {
		const real = Date.now();
		// Any whole minute will do; the next one at least leadMs away keeps the offset small.
		this.boundary = Math.ceil((real + leadMs) / MINUTE_MS) * MINUTE_MS;
		this.offset = this.boundary - leadMs - real;
	}

	get offsetMs(): number {
		return this.offset;
	}

	now(): number {
		return Date.now() + this.offset;
	}

	setTimer(callback: () => void, delayMs: number): TimerHandle {
		const timer: PendingTimer = {
			due: this.now() + Math.max(0, delayMs),
			callback,
			real: this.armReal(() => this.fire(timer), delayMs),
			unref: false,
		};
		this.pending.add(timer);
		return {
			cancel: () => {
				this.pending.delete(timer);
				timer.real.cancel();
			},
			unref: () => {
				timer.unref = true;
				timer.real.unref();
			},
		};
	}

	/**
	 * Moves now() forward by `ms` at once. Timers that fall due fire now, in the order they are due; the others are
	 * re-armed for what is left of their delay.
	 */
	advance(ms: number): void {
		if (ms <= 0) return;
		this.offset += ms;
		const now = this.now();
		const timers = [...this.pending].sort((a, b) => a.due - b.due);
		for (const timer of timers) {
			if (timer.due <= now) {
				this.fire(timer);
				continue;
			}
			timer.real.cancel();
			timer.real = this.armReal(() => this.fire(timer), timer.due - now);
			if (timer.unref) timer.real.unref();
		}
	}

	/** Moves now() onto the boundary (a no-op once it has passed). */
	jumpToBoundary(): void {
		this.advance(this.boundary - this.now());
	}

	/** Real milliseconds until the boundary (negative once passed). */
	msToBoundary(): number {
		return this.boundary - this.now();
	}

	/** Real Date.now() at which the boundary passes (or passed: after jumpToBoundary, the real time of the jump). */
	get realBoundary(): number {
		return this.boundary - this.offset;
	}

	private armReal(fire: () => void, delayMs: number): TimerHandle {
		return systemClock.setTimer(fire, delayMs);
	}

	private fire(timer: PendingTimer): void {
		if (!this.pending.delete(timer)) return;
		timer.real.cancel();
		timer.callback();
	}
}

/** 'HH:MM' in UTC of a shifted instant. */
export function hhmm(ms: number): string {
	return new Date(ms).toISOString().slice(11, 16);
}

/**
 * A daily window in the parseWindows syntax (UTC) covering the minutes [from, to), e.g. the minute before the
 * boundary: `dailyWindow(clock.boundary - MINUTE_MS, clock.boundary)`.
 */
export function dailyWindow(from: number, to: number): string {
	return `Daily ${hhmm(from)}-${hhmm(to)}`;
}
