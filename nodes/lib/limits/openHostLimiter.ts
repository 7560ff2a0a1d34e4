/**
 * The one way an execution gets its HostLimiter. Options are data tagged by kind, so they cross into the worker
 * thread, and a Redis-backed limiter (limits shared by n8n queue-mode workers) becomes one more kind here.
 */
import { unknownKindError } from '../optionKinds';
import { systemClock, type Clock } from './clock';
import { InProcessHostLimiter, type HostLimiter } from './hostLimiter';

/** Limits kept in this process: right when one execution is the only one copying to its servers. */
export interface ProcessHostLimiterOptions {
	kind: 'process';
}

export type HostLimiterOptions = ProcessHostLimiterOptions;

/** Async like the shared kinds to come, which connect first. */
export async function openHostLimiter(
	options: HostLimiterOptions,
	clock: Clock = systemClock,
): Promise<HostLimiter> {
	switch (options.kind) {
		case 'process':
			return new InProcessHostLimiter({ clock });
		default:
			throw unknownKindError('Host limiter', options, ['process']);
	}
}
