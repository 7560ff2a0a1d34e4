/**
 * The one way an execution gets the guard of its stop conditions. Options are data tagged by kind, so they cross into
 * the worker thread, and a Redis-backed guard (budgets and error counts shared by n8n queue-mode workers) becomes one
 * more kind here.
 */
import { unknownKindError } from '../optionKinds';
import { systemClock, type Clock } from './clock';
import { RunGuard, type ExecutionGuard, type StopConditions } from './stopConditions';

/** Stop conditions counted in this process, over the mailboxes of this execution. */
export interface ProcessRunGuardOptions {
	kind: 'process';
}

export type RunGuardOptions = ProcessRunGuardOptions;

/** A guard for the length of one execution; dispose() ends its timers (and, later, its connections). */
export interface OpenedRunGuard extends ExecutionGuard {
	dispose(): void | Promise<void>;
}

/** Throws ScheduleError for conditions that make no sense. Async like the shared kinds to come, which connect first. */
export async function openRunGuard(
	options: RunGuardOptions,
	conditions: StopConditions,
	clock: Clock = systemClock,
): Promise<OpenedRunGuard> {
	switch (options.kind) {
		case 'process':
			return new RunGuard(conditions, { clock });
		default:
			throw unknownKindError('Run guard', options, ['process']);
	}
}
