/**
 * Whether a batch may start now: the pause the target asked for, a connection pair asked to give its connections
 * back, the stop conditions and the host rates; and, once it ran, what it achieved, for the stop conditions.
 */
import { pauseUnlessAborted } from '../backoff';
import type { FolderSyncContext } from './context';

/** What a batch achieved, for the stop conditions, kept up to date as outcomes are recorded. */
export interface Tally {
	copiedBytes: number;
	failures: number;
}

export class Admission {
	/** Set once this pair was asked to give its connections back: no new batch starts. */
	yielding = false;

	/**
	 * False while items that failed in earlier runs are tried again: their failures are reported, but do not count
	 * toward the error threshold, which is there to stop a mailbox going wrong now.
	 */
	countsErrors = true;

	constructor(
		private readonly context: FolderSyncContext,
		private readonly shouldYield?: () => boolean,
	) {}

	/** True once no new batch may start: the run was stopped or the pair gives its connections back. */
	stopping(): boolean {
		return this.yielding || Boolean(this.context.signal?.aborted);
	}

	/**
	 * Runs `work` on a batch of `messages` and `bytes` if it is admitted, and settles what it achieved with the stop
	 * conditions, also when the session broke halfway: what was recorded as copied counts against the byte budget.
	 */
	async run(messages: number, bytes: number, work: (tally: Tally) => Promise<void>): Promise<void> {
		if (!(await this.admit(messages, bytes))) return;
		const tally: Tally = { copiedBytes: 0, failures: 0 };
		try {
			await work(tally);
		} finally {
			const guard = this.context.controls?.guard;
			guard?.recordBytes(tally.copiedBytes, bytes);
			if (this.countsErrors) guard?.recordErrors(this.context.sourceAccount, tally.failures);
		}
	}

	/**
	 * Asks the stop conditions and the host rates before a batch moves. False when the run must stop (the guard has
	 * then aborted the signal) or the pair must give its connections back.
	 */
	private async admit(messages: number, bytes: number): Promise<boolean> {
		const controls = this.context.controls;
		const held = this.context.hold.until - Date.now();
		if (held > 0) await pauseUnlessAborted(held, this.context.signal);
		if (this.yielding || this.context.signal?.aborted) return false;
		if (this.shouldYield?.()) {
			this.yielding = true;
			return false;
		}
		const check = controls?.guard?.checkBeforeBatch(this.context.sourceAccount, bytes);
		if (check && !check.ok) return false;
		if (!controls?.limiter) return true;
		const usage = { messages, bytes };
		try {
			await Promise.all([
				controls.limiter.consume(controls.sourceHost, usage, this.context.signal),
				controls.limiter.consume(controls.targetHost, usage, this.context.signal),
			]);
			return true;
		} catch (error) {
			controls.guard?.recordBytes(0, bytes);
			if (this.context.signal?.aborted) return false;
			throw error;
		}
	}
}
