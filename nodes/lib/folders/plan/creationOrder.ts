/**
 * The order the engine works through the plan, INBOX first and every parent before its children, and the action
 * each entry takes in that order: the first entry for a missing folder creates it, later ones find it there.
 */
import { carriesMessages, isContainer } from './entries';
import { INBOX } from './namespace';
import { ancestorsNeeded } from './parents';
import type { TargetIndex } from './targetIndex';
import type { FolderPlanEntry } from './types';

/** INBOX first, then segment by segment, so every parent comes before its children. */
export function compareTargets(a: readonly string[], b: readonly string[]): number {
	const aInbox = a[0] === INBOX ? 0 : 1;
	const bInbox = b[0] === INBOX ? 0 : 1;
	if (aInbox !== bInbox) return aInbox - bInbox;
	for (let index = 0; index < Math.min(a.length, b.length); index++) {
		if (a[index] !== b[index]) return a[index] < b[index] ? -1 : 1;
	}
	return a.length - b.length;
}

/** Sorts in place by target; on a shared target the entry that carries messages comes first, then containers, then parents. */
export function orderParentsFirst(entries: FolderPlanEntry[]): void {
	const order = new Map(entries.map((entry, index) => [entry, index]));
	const rank = (entry: FolderPlanEntry) =>
		carriesMessages(entry) ? 0 : isContainer(entry) ? 1 : entry.kind === 'parent' ? 2 : 3;
	entries.sort(
		(a, b) =>
			compareTargets(a.targetSegments, b.targetSegments) ||
			rank(a) - rank(b) ||
			order.get(a)! - order.get(b)!,
	);
}

/**
 * Sets `action` in creation order. A container (`\Noselect` source folder) is created only when a migrated folder
 * lies inside it; otherwise it is skipped with that reason.
 */
export function assignActions(entries: readonly FolderPlanEntry[], target: TargetIndex): void {
	const containersNeeded = ancestorsNeeded(entries, target.key);
	const willExist = new Set(target.keys);
	for (const entry of entries) {
		const key = target.key(entry.targetSegments);
		if (entry.kind === 'parent' || carriesMessages(entry)) {
			entry.action = willExist.has(key) ? 'exists' : 'create';
			willExist.add(key);
		} else if (isContainer(entry)) {
			if (willExist.has(key)) {
				entry.action = 'exists';
			} else if (containersNeeded.has(key)) {
				entry.action = 'create';
				willExist.add(key);
			} else {
				entry.skipReason =
					'cannot hold messages (\\Noselect) and no migrated folder lies inside it';
			}
		}
	}
}
