import type { Clock, TimerHandle } from '../../../nodes/lib/limits/clock';

/** A clock that moves only when told to, firing due timers in order. */
export class ManualClock implements Clock {
	private timers: { at: number; callback: () => void; id: number }[] = [];

	private nextId = 0;

	constructor(private current: number) {}

	now(): number {
		return this.current;
	}

	setTimer(callback: () => void, delayMs: number): TimerHandle {
		const id = this.nextId++;
		this.timers.push({ at: this.current + Math.max(0, delayMs), callback, id });
		return {
			cancel: () => {
				this.timers = this.timers.filter((timer) => timer.id !== id);
			},
			unref: () => undefined,
		};
	}

	get pendingTimers(): number {
		return this.timers.length;
	}

	/** Moves to `target`, firing each due timer at its own time, then lets promise callbacks run. */
	async advanceTo(target: number): Promise<void> {
		for (;;) {
			const due = this.timers
				.filter((timer) => timer.at <= target)
				.sort((a, b) => a.at - b.at || a.id - b.id)[0];
			if (!due) break;
			this.timers = this.timers.filter((timer) => timer !== due);
			this.current = Math.max(this.current, due.at);
			due.callback();
			await flushPromises();
		}
		this.current = Math.max(this.current, target);
		await flushPromises();
	}

	advance(ms: number): Promise<void> {
		return this.advanceTo(this.current + ms);
	}
}

/** Lets pending callbacks run, including bottleneck's, which yield through setTimeout(0). */
export async function flushPromises(): Promise<void> {
	for (let i = 0; i < 3; i++) {
		await new Promise<void>((resolve) => setImmediate(resolve));
		await new Promise<void>((resolve) => setTimeout(resolve, 0));
	}
}
