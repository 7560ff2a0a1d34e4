/** APPEND with the pauses a target asks for when it refuses messages for now. */
import { backoffDelayMs, pauseUnlessAborted } from '../backoff';
import {
	AppendInterruptedError,
	type AppendItem,
	type AppendResult,
	type MailTarget,
} from '../mailStore';
import type { FolderSyncContext } from './context';

/**
 * Retries of an item the server refused for now, with nothing of the mailbox copied in between, before it is
 * recorded as failed (the next run tries again).
 */
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
	context.totals.serverBackoffs += target.takeServerBackoffs?.() ?? 0;
	context.afterAppend?.();
	// Copied so far by the mailbox, this batch included: a budget that admits some APPENDs between two refusals of
	// these is pacing the copy, not refusing it.
	const progress = () => context.totals.copied + results.filter((result) => result.ok).length;
	let progressBefore = progress();
	for (let attempt = 0; attempt < MAX_BACKOFF_RETRIES; attempt++) {
		if (progress() > progressBefore) attempt = 0;
		progressBefore = progress();
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
		const again = await appendRetry(
			target,
			items,
			results,
			retry.map(({ index }) => index),
		);
		context.totals.serverBackoffs += target.takeServerBackoffs?.() ?? 0;
		context.afterAppend?.();
		retry.forEach(({ index }, position) => (results[index] = again[position]));
	}
	return results;
}

/** Appends the items at `indexes` again; a session lost meanwhile reports the answers of every item of the batch. */
async function appendRetry(
	target: MailTarget,
	items: AppendItem[],
	earlier: readonly AppendResult[],
	indexes: number[],
): Promise<AppendResult[]> {
	try {
		return await target.append(indexes.map((index) => items[index]));
	} catch (error) {
		if (!(error instanceof AppendInterruptedError)) throw error;
		const results: (AppendResult | null)[] = [...earlier];
		indexes.forEach((index, position) => (results[index] = error.results[position]));
		throw new AppendInterruptedError(error, results);
	}
}
