/** APPEND with the pauses a target asks for when it refuses messages for now. */
import { backoffDelayMs, pauseUnlessAborted } from '../backoff';
import type { AppendItem, AppendResult, MailTarget } from '../mailStore';
import type { FolderSyncContext } from './context';

/** Retries of an item the server refused for now, before it is recorded as failed (the next run tries again). */
const MAX_BACKOFF_RETRIES = 4;

/**
 * Appends, and retries items the server refused for now ([THROTTLED], [UNAVAILABLE], [LIMIT]...) after a jittered,
 * growing pause, a bounded number of times; what is still refused after that is reported as failed.
 */
export async function appendWithBackoff(
	context: FolderSyncContext,
	target: MailTarget,
	items: AppendItem[],
): Promise<AppendResult[]> {
	const results = await target.append(items);
	context.afterAppend?.();
	for (let attempt = 0; attempt < MAX_BACKOFF_RETRIES; attempt++) {
		const retry = results
			.map((result, index) => ({ result, index }))
			.filter(({ result }) => !result.ok && !result.permanent);
		if (retry.length === 0 || context.signal?.aborted) break;
		context.totals.serverBackoffs++;
		const hint = retry
			.map(({ result }) => (result.ok ? null : (result.hintMs ?? null)))
			.find((ms) => ms !== null);
		// The whole mailbox pauses, and through the limiter every mailbox on this target: not just this batch.
		const hold = context.hold;
		hold.until = Math.max(hold.until, Date.now() + backoffDelayMs(attempt, hint ?? null));
		const controls = context.controls;
		controls?.limiter?.holdOff(controls.targetHost, hold.until - Date.now());
		await pauseUnlessAborted(hold.until - Date.now(), context.signal);
		if (context.signal?.aborted) break;
		const again = await target.append(retry.map(({ index }) => items[index]));
		context.afterAppend?.();
		retry.forEach(({ index }, position) => (results[index] = again[position]));
	}
	return results;
}
