/**
 * Walking a folder in windows (its UIDs, its ledger records, its target messages), so what a pass holds follows the
 * window size, not the folder's.
 */
import type { FolderItems, UidRange } from '../../ledger/types';
import type { FolderRoute } from '../types';
import type { FolderSyncContext } from './context';

/** Consecutive ranges of at most `size` of the given ascending UIDs. */
export function* uidWindows(uids: readonly number[], size: number): Generator<UidRange> {
	for (let start = 0; start < uids.length; start += size) {
		yield { from: uids[start], to: uids[Math.min(uids.length, start + size) - 1] };
	}
}

/** A source folder's records under one UIDVALIDITY, a window's worth at a time, lowest UIDs first. */
export async function* recordPages(
	context: FolderSyncContext,
	sourceFolder: string,
	uidValidity: number,
): AsyncGenerator<FolderItems> {
	const size = context.tuning.windowMessages;
	let from = 0;
	for (;;) {
		const page = await context.ledger.getFolderItems(
			context.migrationId,
			context.sourceAccount,
			sourceFolder,
			uidValidity,
			{ from, to: 0xffffffff },
			size,
		);
		if (page.size > 0) yield page;
		if (page.size < size) return;
		from = [...page.keys()][page.size - 1] + 1;
	}
}

/**
 * The records of the given ascending UIDs. Read in ranges that span at most a window of UIDs, so scattered UIDs
 * never load the records between them.
 */
export async function recordsOfUids(
	context: FolderSyncContext,
	sourceFolder: string,
	uidValidity: number,
	uids: readonly number[],
): Promise<FolderItems> {
	const found: FolderItems = new Map();
	const span = context.tuning.windowMessages;
	for (let start = 0; start < uids.length;) {
		let end = start;
		while (end + 1 < uids.length && uids[end + 1] - uids[start] < span) end++;
		const range = await context.ledger.getFolderItems(
			context.migrationId,
			context.sourceAccount,
			sourceFolder,
			uidValidity,
			{ from: uids[start], to: uids[end] },
		);
		for (let index = start; index <= end; index++) {
			const state = range.get(uids[index]);
			if (state) found.set(uids[index], state);
		}
		start = end + 1;
	}
	return found;
}

/**
 * The source folders that land in the route's target folder, each under the UIDVALIDITY its records are read
 * under: the folder being worked on under `current`, the others under their folder state's (none: no records yet).
 */
export async function foldersIntoTarget(
	context: FolderSyncContext,
	route: FolderRoute,
	current: number,
): Promise<{ sourceRaw: string; uidValidity: number; own: boolean }[]> {
	const folders: { sourceRaw: string; uidValidity: number; own: boolean }[] = [];
	for (const sibling of context.routes) {
		if (sibling.targetRaw !== route.targetRaw || sibling.skipReason || !sibling.sourceRaw) continue;
		const own = sibling.sourceRaw === route.sourceRaw;
		const uidValidity = own
			? current
			: (
					await context.ledger.getFolderState(
						context.migrationId,
						context.sourceAccount,
						sibling.sourceRaw,
					)
				)?.uidValidity;
		if (uidValidity !== undefined) folders.push({ sourceRaw: sibling.sourceRaw, uidValidity, own });
	}
	return folders;
}
