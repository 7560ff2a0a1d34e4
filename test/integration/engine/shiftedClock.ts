/**
 * A real-time clock moved so that a wall-clock minute boundary is a few seconds ahead: windows are minute-granular,
 * so tests that need a window to open or close mid-copy shift "now" instead of waiting up to a minute. Timers are
 * real setTimeout; only now() is offset.
 */
import { systemClock, type Clock, type TimerHandle } from '../../../nodes/lib/limits/clock';

export const MINUTE_MS = 60_000;

export class ShiftedClock implements Clock {
	/** The shifted instant (ms since the epoch, on a whole minute) that is `leadMs` ahead when the clock is made. */
	readonly boundary: number;

	readonly offsetMs: number;

	constructor(leadMs: number) {
		const real = Date.now();
		// Any whole minute will do; the next one at least leadMs away keeps the offset small (0..60 s).
		this.boundary = Math.ceil((real + leadMs) / MINUTE_MS) * MINUTE_MS;
		this.offsetMs = this.boundary - leadMs - real;
	}

	now(): number {
		return Date.now() + this.offsetMs;
	}

	setTimer(callback: () => void, delayMs: number): TimerHandle {
		return systemClock.setTimer(callback, delayMs);
	}

	/** Real milliseconds until the boundary (negative once passed). */
	msToBoundary(): number {
		return this.boundary - this.now();
	}

	/** Real Date.now() at which the boundary passes. */
	get realBoundary(): number {
		return this.boundary - this.offsetMs;
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
