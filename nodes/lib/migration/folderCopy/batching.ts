/** Cutting a window's items into batches, sized for the host rates, and running batches a few at a time. */
import type { MessageMeta } from '../mailStore';
import type { CopyTuning } from '../types';
import type { FolderSyncContext } from './context';

export interface Batch {
	items: MessageMeta[];
	bytes: number;
}

export function makeBatches(items: MessageMeta[], tuning: CopyTuning): Batch[] {
	const batches: Batch[] = [];
	let current: Batch = { items: [], bytes: 0 };
	for (const item of items) {
		const full =
			current.items.length >= tuning.batchMessages ||
			(current.items.length > 0 && current.bytes + item.size > tuning.batchBytes);
		if (full) {
			batches.push(current);
			current = { items: [], bytes: 0 };
		}
		current.items.push(item);
		current.bytes += item.size;
	}
	if (current.items.length) batches.push(current);
	return batches;
}

/** Under a message or byte rate, batches shrink to about a second's worth so the pace stays even. */
export function batchTuning(context: FolderSyncContext): CopyTuning {
	const { tuning, controls } = context;
	if (!controls?.limiter) return tuning;
	const hosts = [controls.sourceHost, controls.targetHost].map((host) =>
		controls.limiter?.stats(host),
	);
	const lowest = (rates: (number | null | undefined)[]) => {
		const set = rates.filter((rate): rate is number => typeof rate === 'number');
		return set.length ? Math.min(...set) : null;
	};
	const messageRate = lowest(hosts.map((stats) => stats?.messagesPerSecond));
	const byteRate = lowest(hosts.map((stats) => stats?.bytesPerSecond));
	return {
		...tuning,
		batchMessages:
			messageRate === null
				? tuning.batchMessages
				: Math.max(1, Math.min(tuning.batchMessages, Math.floor(messageRate))),
		batchBytes:
			byteRate === null
				? tuning.batchBytes
				: Math.max(64 * 1024, Math.min(tuning.batchBytes, byteRate)),
	};
}

/**
 * Runs tasks with at most `limit` at once; stops starting new ones after the first failure (and rethrows it) or once
 * `stop` says so, letting those in flight finish.
 */
export async function runBounded<T>(
	tasks: readonly T[],
	limit: number,
	run: (task: T) => Promise<void>,
	stop: () => boolean,
): Promise<void> {
	let next = 0;
	let failure: unknown = null;
	const worker = async () => {
		while (failure === null && next < tasks.length && !stop()) {
			const task = tasks[next++];
			try {
				await run(task);
			} catch (error) {
				failure ??= error;
			}
		}
	};
	await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, tasks.length)) }, worker));
	if (failure !== null) throw failure;
}
