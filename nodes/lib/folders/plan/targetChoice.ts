/**
 * The target folder chosen for each source folder: a rename rule that changes the path wins, then the target's
 * folder for a special role, then the parent's choice plus the folder's own name; then INBOX placement and the
 * names the target can hold.
 */
import { canonicalPath } from '../canonicalPath';
import type { ResolvedPlanOptions } from './options';
import { applyRenameRules } from './renameRules';
import type { SourceNode, SourceTree } from './sourceTree';
import { isMappedRole, targetFolderForRole } from './specialFolders';
import type { TargetIndex } from './targetIndex';
import { type AdjustedSegments, makeNamesHoldable, placeInboxSubfolders } from './targetNames';

export interface TargetChoice {
	segments: string[];
	/** Chosen by role, not by name. */
	automapped: boolean;
	/** Why the target name differs from the source name, in the order the steps changed it. */
	renamed: string[];
}

export type TargetChooser = (node: SourceNode) => TargetChoice;

/** A chooser that remembers each node's choice, so parents are chosen once however many children they have. */
export function targetChooser(
	tree: SourceTree,
	target: TargetIndex,
	options: ResolvedPlanOptions,
): TargetChooser {
	const choices = new Map<string, TargetChoice>();

	const destination = (node: SourceNode): AdjustedSegments & { automapped: boolean } => {
		const ruled = applyRenameRules(options.rules, node.path);
		if (ruled) return { segments: ruled.segments, automapped: false, reasons: [ruled.reason] };
		if (options.automap && node.role && isMappedRole(node.role)) {
			const forRole = targetFolderForRole(
				node.role,
				target,
				options.specialFolderNames,
				options.roleNames,
			);
			return { segments: [...forRole], automapped: true, reasons: [] };
		}
		if (node.segments.length === 1)
			return { segments: [...node.segments], automapped: false, reasons: [] };
		const parentPath = canonicalPath(node.segments.slice(0, -1));
		const parent = choose(tree.nodes.get(parentPath)!);
		return {
			segments: [...parent.segments, node.segments[node.segments.length - 1]],
			automapped: false,
			// An unlisted parent has no entry of its own to explain its renaming, so its children carry the reason.
			reasons: tree.listedPaths.has(parentPath) ? [] : [...parent.renamed],
		};
	};

	const choose = (node: SourceNode): TargetChoice => {
		const known = choices.get(node.path);
		if (known) return known;
		const chosen = destination(node);
		const placed = placeInboxSubfolders(chosen.segments, options.inboxPlacement, target);
		const holdable = makeNamesHoldable(
			placed.segments,
			target.naming.delimiter,
			options.substitute,
		);
		const choice: TargetChoice = {
			segments: holdable.segments,
			automapped: chosen.automapped,
			renamed: [...chosen.reasons, ...placed.reasons, ...holdable.reasons],
		};
		choices.set(node.path, choice);
		return choice;
	};
	return choose;
}
