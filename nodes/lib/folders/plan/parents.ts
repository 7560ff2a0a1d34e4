/** Target folders that must exist before the planned ones: ancestors that neither the target nor the plan has. */
import { carriesMessages, isContainer, parentEntry } from './entries';
import type { TargetIndex } from './targetIndex';
import type { FolderPlanEntry } from './types';

/**
 * Every ancestor of a message-carrying entry's target, by key, in the order first met: the folders that must
 * exist for the copy. Where spellings of one key differ (a case-insensitive target), the last one met is kept.
 */
export function ancestorsNeeded(
	entries: readonly FolderPlanEntry[],
	key: (segments: readonly string[]) => string,
): Map<string, string[]> {
	const needed = new Map<string, string[]>();
	for (const entry of entries.filter(carriesMessages)) {
		for (let depth = 1; depth < entry.targetSegments.length; depth++) {
			const ancestor = entry.targetSegments.slice(0, depth);
			needed.set(key(ancestor), ancestor);
		}
	}
	return needed;
}

/**
 * Appends a `parent` entry for each needed ancestor unless the target already has it, an entry carries messages
 * into it, or a `\Noselect` source folder stands for it.
 */
export function addMissingParents(entries: FolderPlanEntry[], target: TargetIndex): void {
	const missing = ancestorsNeeded(entries, target.key);
	for (const entry of entries) {
		if (carriesMessages(entry) || isContainer(entry))
			missing.delete(target.key(entry.targetSegments));
	}
	for (const key of target.keys) missing.delete(key);
	for (const segments of missing.values()) entries.push(parentEntry(segments, target));
}
