import { formatBytes, formatDuration, plural } from '../format';
import { systemClock, type Clock, type TimerHandle } from './clock';
import {
	activeWindow,
	assertTimeZone,
	formatWindows,
	isWithin,
	NEXT_CHANGE_HORIZON_MS,
	nextChange,
	ScheduleError,
	type TimeWindow,
} from './schedule';

/** When an execution stops copying; every field is optional except the zone the windows are read in. */
export interface StopConditions {
	/** Copy only inside these windows (none: at any time). */
	runWindows?: TimeWindow[];
	/** Never copy inside these windows (maintenance). */
	blackoutWindows?: TimeWindow[];
	timeZone: string;
	/** Wall time from the guard's creation. */
	timeBudgetMs?: number;
	maxErrorsPerMailbox?: number;
	/** Errors summed over all mailboxes of the execution (the batch of mailboxes). */
	maxErrorsPerBatch?: number;
	maxBytesPerExecution?: number;
}

export interface StopState {
	/** A sentence for the report, e.g. 'maintenance window Sat 22:00-Sun 04:00 began'. */
	reason: string;
	/** When copying may go on (the window reopens), as ISO 8601; null when the next execution may go on at once. */
	resumesAt: string | null;
}

export type BatchCheck = { ok: true } | ({ ok: false } & StopState);

/**
 * What the engine asks of the stop conditions of an execution; RunGuard is the in-process one. A shared store can
 * implement it so that byte budgets and error counts span n8n queue-mode workers.
 */
export interface ExecutionGuard {
	signalFor(mailboxKey: string): AbortSignal;
	stopOf(mailboxKey: string): StopState | null;
	checkBeforeBatch(mailboxKey: string, batchBytes: number): BatchCheck;
	recordBytes(copiedBytes: number, batchBytes?: number): void;
	recordErrors(mailboxKey: string, count: number): void;
}

/** The reason an AbortSignal from RunGuard fired. */
export class RunStoppedError extends Error {
	readonly resumesAt: string | null;

	constructor(state: StopState) {
		super(state.reason);
		this.name = 'RunStoppedError';
		this.resumesAt = state.resumesAt;
	}
}

const DAY_MS = 24 * 3_600_000;

function assertConditions(conditions: StopConditions): void {
	assertTimeZone(conditions.timeZone);
	for (const [label, windows] of [
		['Run windows', conditions.runWindows],
		['Maintenance windows', conditions.blackoutWindows],
	] as const) {
		try {
			isWithin(windows ?? [], 0, conditions.timeZone);
		} catch (error) {
			throw new ScheduleError(`${label}: ${(error as Error).message}`);
		}
	}
	const positive: [string, number | undefined, boolean][] = [
		['time budget', conditions.timeBudgetMs, false],
		['errors per mailbox', conditions.maxErrorsPerMailbox, true],
		['errors per batch', conditions.maxErrorsPerBatch, true],
		['bytes per execution', conditions.maxBytesPerExecution, false],
	];
	for (const [label, value, whole] of positive) {
		if (value === undefined) continue;
		if (!(Number.isFinite(value) && value > 0) || (whole && !Number.isInteger(value))) {
			throw new ScheduleError(
				`The ${label} must be ${whole ? 'a whole number' : 'a number'} above 0 or left empty, not ${value}`,
			);
		}
	}
}

/**
 * Decides, for all mailboxes of one execution, whether another batch may be copied, and aborts each mailbox's signal
 * when a condition triggers while copying (a window closing, the time budget running out, too many errors). A stop of
 * the execution is final for it: the next execution starts a new guard and resumes where the ledger says.
 */
export class RunGuard implements ExecutionGuard {
	private readonly clock: Clock;

	private readonly startedAt: number;

	private readonly timers: TimerHandle[] = [];

	private readonly controllers = new Map<string, AbortController>();

	private readonly mailboxStops = new Map<string, StopState>();

	private readonly mailboxErrors = new Map<string, number>();

	private executionStop: StopState | null = null;

	/** Whether copying was allowed by the windows when the guard was made: decides 'began' versus 'in effect'. */
	private readonly allowedAtStart: boolean;

	private totalErrors = 0;

	/** Bytes of batches let through and not yet settled by recordBytes. */
	private bytesInFlight = 0;

	private bytesCopiedTotal = 0;

	constructor(
		private readonly conditions: StopConditions,
		options: { clock?: Clock } = {},
	) {
		assertConditions(conditions);
		this.clock = options.clock ?? systemClock;
		this.startedAt = this.clock.now();
		this.allowedAtStart = this.allowedAt(this.startedAt);
		if (!this.allowedAtStart) this.stopExecution(this.windowStop(this.startedAt));
		else if (this.hasWindows()) this.armWindowTimer();
		if (conditions.timeBudgetMs !== undefined && !this.executionStop) {
			const budget = conditions.timeBudgetMs;
			const timer = this.clock.setTimer(() => this.checkTimeBudget(), budget);
			timer.unref();
			this.timers.push(timer);
		}
	}

	get bytesCopied(): number {
		return this.bytesCopiedTotal;
	}

	get errors(): number {
		return this.totalErrors;
	}

	/** Aborts when this mailbox has to stop; its reason is a RunStoppedError. */
	signalFor(mailboxKey: string): AbortSignal {
		return this.controllerFor(mailboxKey).signal;
	}

	/** Why the mailbox was stopped, or null while it may go on. */
	stopOf(mailboxKey: string): StopState | null {
		return this.mailboxStops.get(mailboxKey) ?? this.executionStop;
	}

	/**
	 * Asks before copying a batch of `batchBytes`. When it may go, its bytes count against the byte budget until
	 * recordBytes settles them. The budget is never exceeded, except that the first batch of an execution always goes,
	 * so a message larger than the whole budget still moves.
	 */
	checkBeforeBatch(mailboxKey: string, batchBytes: number): BatchCheck {
		const now = this.clock.now();
		if (!this.executionStop && !this.allowedAt(now)) this.stopExecution(this.windowStop(now));
		if (!this.executionStop) this.checkTimeBudget();
		const stopped = this.stopOf(mailboxKey);
		if (stopped) return { ok: false, ...stopped };
		const budget = this.conditions.maxBytesPerExecution;
		if (budget !== undefined) {
			const committed = this.bytesCopiedTotal + this.bytesInFlight;
			if (committed > 0 && committed + batchBytes > budget) {
				const state = { reason: `byte budget of ${formatBytes(budget)} reached`, resumesAt: null };
				this.stopExecution(state);
				return { ok: false, ...state };
			}
		}
		this.bytesInFlight += batchBytes;
		return { ok: true };
	}

	/**
	 * Settles a batch let through by checkBeforeBatch: `copiedBytes` reached the target, `batchBytes` (what was asked
	 * for; the same by default) stops counting as in flight. Call it for failed batches too, with 0 copied.
	 */
	recordBytes(copiedBytes: number, batchBytes: number = copiedBytes): void {
		this.bytesCopiedTotal += copiedBytes;
		this.bytesInFlight = Math.max(0, this.bytesInFlight - batchBytes);
	}

	recordErrors(mailboxKey: string, count: number): void {
		if (count <= 0) return;
		const mailboxTotal = (this.mailboxErrors.get(mailboxKey) ?? 0) + count;
		this.mailboxErrors.set(mailboxKey, mailboxTotal);
		this.totalErrors += count;
		const perMailbox = this.conditions.maxErrorsPerMailbox;
		const perBatch = this.conditions.maxErrorsPerBatch;
		if (perBatch !== undefined && this.totalErrors >= perBatch) {
			this.stopExecution({
				reason: `${plural(this.totalErrors, 'error')} in this batch of mailboxes`,
				resumesAt: null,
			});
		}
		if (perMailbox !== undefined && mailboxTotal >= perMailbox) {
			this.stopMailbox(mailboxKey, {
				reason: `${plural(mailboxTotal, 'error')} in this mailbox`,
				resumesAt: null,
			});
		}
	}

	/** Cancels the guard's timers; signals already aborted stay aborted. */
	dispose(): void {
		for (const timer of this.timers.splice(0)) timer.cancel();
	}

	private controllerFor(mailboxKey: string): AbortController {
		let controller = this.controllers.get(mailboxKey);
		if (!controller) {
			controller = new AbortController();
			this.controllers.set(mailboxKey, controller);
			const stopped = this.stopOf(mailboxKey);
			if (stopped) controller.abort(new RunStoppedError(stopped));
		}
		return controller;
	}

	private stopExecution(state: StopState): void {
		if (this.executionStop) return;
		this.executionStop = state;
		this.dispose();
		for (const [key, controller] of this.controllers) {
			if (!controller.signal.aborted)
				controller.abort(new RunStoppedError(this.stopOf(key) ?? state));
		}
	}

	private stopMailbox(mailboxKey: string, state: StopState): void {
		if (this.mailboxStops.has(mailboxKey) || this.executionStop) return;
		this.mailboxStops.set(mailboxKey, state);
		const controller = this.controllerFor(mailboxKey);
		if (!controller.signal.aborted) controller.abort(new RunStoppedError(state));
	}

	private checkTimeBudget(): void {
		const budget = this.conditions.timeBudgetMs;
		if (budget === undefined || this.clock.now() < this.startedAt + budget) return;
		this.stopExecution({
			reason: `time budget of ${formatDuration(budget)} used up`,
			resumesAt: null,
		});
	}

	private hasWindows(): boolean {
		return Boolean(this.conditions.runWindows?.length || this.conditions.blackoutWindows?.length);
	}

	private allowedAt(ms: number): boolean {
		const { runWindows, blackoutWindows, timeZone } = this.conditions;
		if (runWindows?.length && !isWithin(runWindows, ms, timeZone)) return false;
		return !(blackoutWindows?.length && isWithin(blackoutWindows, ms, timeZone));
	}

	/** The first instant after `ms` at which the windows allow copying (`allowed`) or forbid it, within eight days. */
	private nextAllowedChange(ms: number, allowed: boolean): number | null {
		const { runWindows, blackoutWindows, timeZone } = this.conditions;
		const horizon = ms + NEXT_CHANGE_HORIZON_MS;
		let cursor = ms;
		while (cursor < horizon) {
			const changes = [runWindows, blackoutWindows]
				.map((windows) => (windows?.length ? nextChange(windows, cursor, timeZone) : null))
				.filter((change): change is Date => change !== null)
				.map((change) => change.getTime());
			if (changes.length === 0) return null;
			cursor = Math.min(...changes);
			if (cursor > horizon) return null;
			if (this.allowedAt(cursor) === allowed) return cursor;
		}
		return null;
	}

	private windowStop(ms: number): StopState {
		const { runWindows, blackoutWindows, timeZone } = this.conditions;
		const reopens = this.nextAllowedChange(ms, true);
		const resumesAt = reopens === null ? null : new Date(reopens).toISOString();
		const blackout = blackoutWindows?.length ? activeWindow(blackoutWindows, ms, timeZone) : null;
		if (blackout) {
			const reason = this.allowedAtStart
				? `maintenance window ${blackout.description} began`
				: `maintenance window ${blackout.description} is in effect`;
			return { reason, resumesAt };
		}
		const runText = formatWindows(runWindows ?? []);
		if (!this.allowedAtStart) return { reason: `outside the run windows (${runText})`, resumesAt };
		// The window that just closed was in effect a minute earlier.
		const closed = activeWindow(runWindows ?? [], ms - 60_000, timeZone);
		return {
			reason: closed ? `run window ${closed.description} ended` : `run windows (${runText}) ended`,
			resumesAt,
		};
	}

	private armWindowTimer(): void {
		const now = this.clock.now();
		const closes = this.nextAllowedChange(now, false);
		// Nothing closes within the horizon: look again in a week.
		const delay = closes === null ? 7 * DAY_MS : closes - now;
		const timer = this.clock.setTimer(() => {
			this.timers.splice(this.timers.indexOf(timer), 1);
			const at = this.clock.now();
			if (this.executionStop) return;
			if (this.allowedAt(at)) this.armWindowTimer();
			else this.stopExecution(this.windowStop(at));
		}, delay);
		timer.unref();
		this.timers.push(timer);
	}
}
