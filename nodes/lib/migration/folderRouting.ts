import { displayPath } from '../folders/canonicalPath';
import { planFolders, type FolderPlanOptions, type MailboxLayout } from '../folders/FolderMapper';
import type { MappedSpecialUseRole } from '../folders/specialUse';
import type { FolderListing, FolderRouter } from './migrateMailbox';
import type { FolderRoute } from './types';

/** The folder choices a node offers; the full set of options and their order is in folders/FolderMapper. */
export interface FolderRules {
	/** Folders to migrate: `*` any characters, `%` any within one level, `/regex/flags` a regular expression. Empty: all. */
	include?: string[];
	/** Folders to leave out, written like `include`. */
	exclude?: string[];
	/** Regular-expression renames of the `/`-separated path, applied in order; `$1` etc. in `to`. */
	renames?: { from: string; to: string }[];
	/** Map Sent, Drafts, Trash, Junk and Archive onto the target's own special folders (default true). */
	specialUse?: boolean;
	/** Target names for special folders the target lacks (defaults Sent, Drafts, Trash, Junk, Archive). */
	specialFolderNames?: Partial<Record<MappedSpecialUseRole, string>>;
}

function layoutOf(listing: FolderListing): MailboxLayout {
	return {
		personalPrefix: listing.namespace.prefix,
		delimiter: listing.namespace.delimiter,
		utf8Names: listing.namespace.utf8Names === true,
		folders: listing.folders.map((folder) => ({
			raw: folder.rawName,
			delimiter: folder.delimiter,
			flags: folder.specialUse ? [...folder.attributes, folder.specialUse] : folder.attributes,
			subscribed: folder.subscribed,
		})),
	};
}

/** Plans every source folder's target, parents first, including parents the target needs but the source lacks. */
export function planFolderRoutes(
	source: FolderListing,
	target: FolderListing,
	rules: FolderRules,
): FolderRoute[] {
	const options: FolderPlanOptions = {
		specialUseAutomap: rules.specialUse !== false,
		detectSpecialUseByName: rules.specialUse !== false,
		include: rules.include,
		exclude: rules.exclude,
		renameRules: rules.renames,
		specialFolderNames: rules.specialFolderNames,
	};
	const plan = planFolders({ source: layoutOf(source), target: layoutOf(target), options });
	return plan.entries.map((entry) => ({
		sourceRaw: entry.sourceRaw ?? '',
		// For the report and logs: canonical paths escape a `\` in a name as `\\`.
		sourcePath: displayPath(entry.sourcePath ?? entry.targetPath),
		targetRaw: entry.targetRaw,
		targetPath: displayPath(entry.targetPath),
		selectable: entry.kind === 'folder' && entry.selectable,
		subscribe: entry.subscribe,
		skipReason: entry.action === 'skip' ? (entry.skipReason ?? 'skipped') : null,
	}));
}

/** The engine's folder router for IMAP targets. */
export function routeFolders(rules: FolderRules): FolderRouter {
	return (source, target) => planFolderRoutes(source, target, rules);
}
