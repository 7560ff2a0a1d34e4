/**
 * The command timeout of a session: while commands wait, nothing received and nothing drained for `timeoutMs`
 * means the server is gone. A consumer holding the socket paused (backpressure) is not the server's silence.
 */

/** What the session is doing, as the watchdog needs to know it. */
export type WatchedState = 'idle' | 'waiting' | 'paused';

export class SilenceWatchdog {
	private lastActivity = Date.now();
	private timer: NodeJS.Timeout | null = null;

	constructor(
		private readonly timeoutMs: number,
		private readonly state: () => WatchedState,
		private readonly onSilence: () => void,
	) {}

	/** Bytes arrived or drained: the server is alive. */
	noteActivity(): void {
		this.lastActivity = Date.now();
	}

	/** Watches until the session is idle again (no-op while already watching). */
	start(): void {
		if (this.timer) return;
		const period = Math.max(50, Math.min(1000, Math.floor(this.timeoutMs / 4)));
		this.timer = setInterval(() => {
			const state = this.state();
			if (state === 'idle') {
				this.stop();
				return;
			}
			if (state === 'paused') {
				this.noteActivity();
				return;
			}
			if (Date.now() - this.lastActivity > this.timeoutMs) this.onSilence();
		}, period);
		this.timer.unref();
	}

	stop(): void {
		if (this.timer) clearInterval(this.timer);
		this.timer = null;
	}
}
