/** A cancellable timer; `unref` lets the process exit while only this timer is pending. */
export interface TimerHandle {
	cancel(): void;
	unref(): void;
}

/** Time and timers, injected so schedules, guards and limiters can be tested without waiting. */
export interface Clock {
	/** Milliseconds since the epoch. */
	now(): number;
	setTimer(callback: () => void, delayMs: number): TimerHandle;
}

// setTimeout holds at most a signed 32-bit delay; longer ones fire at once, so they are chained.
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

export const systemClock: Clock = {
	now: () => Date.now(),
	setTimer(callback, delayMs) {
		let timer: NodeJS.Timeout;
		let unreferenced = false;
		const arm = (remainingMs: number) => {
			const step = Math.min(Math.max(0, remainingMs), MAX_TIMER_DELAY_MS);
			timer = setTimeout(() => {
				if (remainingMs > step) arm(remainingMs - step);
				else callback();
			}, step);
			if (unreferenced) timer.unref();
		};
		arm(delayMs);
		return {
			cancel: () => clearTimeout(timer),
			unref() {
				unreferenced = true;
				timer.unref();
			},
		};
	},
};
