/**
 * Decides, before any message moves, which target folder each source folder goes to: namespace and delimiter
 * translation, names the target cannot hold, special-use folders, the operator's rename rules and filters, and the
 * parent folders that must exist first. Pure data in, pure data out; no I/O. The steps live in `plan/`.
 */
import { assignActions, orderParentsFirst } from './plan/creationOrder';
import { folderEntry } from './plan/entries';
import { markMerged } from './plan/merges';
import { resolveOptions } from './plan/options';
import { addMissingParents } from './plan/parents';
import { readSourceTree } from './plan/sourceTree';
import { detectRolesByName } from './plan/specialFolders';
import { targetChooser } from './plan/targetChoice';
import { indexTarget } from './plan/targetIndex';
import type { FolderPlan, FolderPlanInput, IgnoredFolder } from './plan/types';

export * from './plan/types';

/**
 * Plans the target folder of every personal source folder. Per folder, in this order:
 * 1. decode the listed name (modified UTF-7, or UTF-8 under UTF8=ACCEPT), strip the source's personal prefix and
 *    split on its delimiter, giving the canonical source path (the ledger key);
 * 2. include/exclude patterns on that path decide whether its messages are copied (excluded folders stay in the
 *    plan as `skip`, and still place their subfolders);
 * 3. a rename rule that changes the path decides the target outright;
 * 4. otherwise a special folder goes to the target's folder for its role;
 * 5. otherwise the folder goes under its parent's target with its own name;
 * 6. INBOX subfolders are placed per `inboxSubfolders`, and characters the target cannot hold in one name are
 *    replaced (`renamed` says so); the result is joined with the target delimiter under the target prefix.
 * Then folders that land together are flagged `merged`, missing parents are added, and entries are ordered INBOX
 * first and parents before children, each with the action the engine takes. Throws
 * {@link FolderPlanOptionError} for unusable options; never throws for odd folder names.
 */
export function planFolders(input: FolderPlanInput): FolderPlan {
	const options = resolveOptions(input.options ?? {}, input.target.delimiter);
	const warnings: string[] = [];
	const ignored: IgnoredFolder[] = [];

	const target = indexTarget(input.target, options.caseInsensitive, warnings);
	const source = readSourceTree(input.source, warnings, ignored);
	if (options.detectByName) detectRolesByName(source.nodes.values(), options.roleNames);

	const chooseTarget = targetChooser(source, target, options);
	const entries = source.listed.map((listed) =>
		folderEntry(listed, chooseTarget(listed.node), target, options),
	);
	markMerged(entries, target.key);
	addMissingParents(entries, target);
	orderParentsFirst(entries);
	assignActions(entries, target);
	return { entries, ignored, warnings };
}
