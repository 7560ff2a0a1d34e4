/** The plan's entries: one per listed source folder, with what happens to it, and the parents the target lacks. */
import { filteredOutReason } from './folderFilter';
import { isSelectable, isSubscribed } from './listFlags';
import type { ResolvedPlanOptions } from './options';
import type { ListedSource } from './sourceTree';
import { virtualFolderReason } from './specialFolders';
import type { TargetChoice } from './targetChoice';
import type { TargetIndex } from './targetIndex';
import { targetFieldsOf } from './targetNames';
import type { FolderPlanEntry } from './types';

/** Why a listed folder's messages stay behind: a repeated row, the filter, or a view of other folders' mail. */
export function skipReasonOf(listed: ListedSource, options: ResolvedPlanOptions): string | null {
	if (listed.duplicateOf !== undefined) {
		return `the same folder as '${listed.duplicateOf}', listed twice`;
	}
	return (
		filteredOutReason(options.filter, listed.node.path) ??
		virtualFolderReason(listed.node, options.skippedRoles)
	);
}

/** The entry of one listed source folder sent to its chosen target; `action` is provisional until ordering. */
export function folderEntry(
	listed: ListedSource,
	choice: TargetChoice,
	target: TargetIndex,
	options: ResolvedPlanOptions,
): FolderPlanEntry {
	const { folder, node, warning, duplicateOf } = listed;
	const selectable = isSelectable(folder);
	const entry: FolderPlanEntry = {
		kind: 'folder',
		sourceRaw: folder.raw,
		sourceSegments: node.segments,
		sourcePath: node.path,
		...targetFieldsOf(choice.segments, target.naming),
		specialUse: duplicateOf === undefined ? node.role : null,
		specialUseSource: duplicateOf === undefined ? node.roleSource : null,
		automapped: choice.automapped,
		selectable,
		subscribe: isSubscribed(folder),
		action: selectable ? 'create' : 'skip',
		merged: false,
	};
	if (choice.renamed.length) entry.renamed = choice.renamed.join('; ');
	if (warning) entry.warning = warning;
	const skipReason = skipReasonOf(listed, options);
	if (skipReason) {
		entry.action = 'skip';
		entry.skipReason = skipReason;
	}
	if (
		entry.action !== 'skip' &&
		selectable &&
		target.noselectKeys.has(target.key(choice.segments))
	) {
		entry.warning = [
			entry.warning,
			'the target folder exists but cannot hold messages (\\Noselect)',
		]
			.filter(Boolean)
			.join('; ');
	}
	return entry;
}

/** A target folder created only so that planned folders have a parent. */
export function parentEntry(segments: string[], target: TargetIndex): FolderPlanEntry {
	return {
		kind: 'parent',
		sourceRaw: null,
		sourceSegments: null,
		sourcePath: null,
		...targetFieldsOf(segments, target.naming),
		specialUse: null,
		specialUseSource: null,
		automapped: false,
		selectable: false,
		subscribe: false,
		action: 'create',
		merged: false,
	};
}

/** The entry copies messages into its target. */
export function carriesMessages(entry: FolderPlanEntry): boolean {
	return entry.selectable && entry.action !== 'skip';
}

/** A `\Noselect` source folder not skipped for a reason: created only if something migrated lies inside it. */
export function isContainer(entry: FolderPlanEntry): boolean {
	return entry.kind === 'folder' && !entry.selectable && !entry.skipReason;
}
