/** Source folders that land in the same target folder: their messages are merged there, and each entry says so. */
import { carriesMessages } from './entries';
import type { FolderPlanEntry } from './types';

/** Flags `merged` and fills `mergedWith` on every message-carrying entry that shares its target `key`. */
export function markMerged(
	entries: readonly FolderPlanEntry[],
	key: (segments: readonly string[]) => string,
): void {
	const byTargetKey = new Map<string, FolderPlanEntry[]>();
	for (const entry of entries.filter(carriesMessages)) {
		const targetKey = key(entry.targetSegments);
		byTargetKey.set(targetKey, [...(byTargetKey.get(targetKey) ?? []), entry]);
	}
	for (const group of byTargetKey.values()) {
		if (group.length < 2) continue;
		for (const entry of group) {
			entry.merged = true;
			entry.mergedWith = group
				.filter((other) => other !== entry)
				.map((other) => other.sourcePath ?? '');
		}
	}
}
