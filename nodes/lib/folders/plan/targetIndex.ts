/** What the target already holds, read once from its LIST answer: the folders, their roles, and its naming. */
import { canonicalPath } from '../canonicalPath';
import { nameMatchKey, specialUseFromFlags, type SpecialUseRole } from '../specialUse';
import { hasFlag } from './listFlags';
import { INBOX, isTopLevel, locateListed, namespaceView, prefixIsInbox } from './namespace';
import type { MailboxLayout } from './types';

/** How decoded target segments become a full target name. */
export interface TargetNaming {
	/** The decoded personal prefix, e.g. `INBOX.`. */
	prefix: string;
	delimiter: string | null;
	/** Names go on the wire as UTF-8 (UTF8=ACCEPT) rather than modified UTF-7. */
	utf8: boolean;
}

export interface TargetIndex {
	/** The comparison key of a target path: its canonical path, case-folded when the target ignores case. */
	key: (segments: readonly string[]) => string;
	/** Keys of every folder there (INBOX always), `\Noselect` ones included, `\NonExistent` ones not. */
	keys: Set<string>;
	/** The first target folder flagged for each role. */
	flaggedByRole: Map<SpecialUseRole, string[]>;
	/** Top-level target folders by {@link nameMatchKey}, the first of each name. */
	topLevelByName: Map<string, string[]>;
	noselectKeys: Set<string>;
	/** The target's INBOX is `\Noinferiors`. */
	inboxHasNoChildren: boolean;
	/** The personal prefix is `INBOX` plus the delimiter, so the top level already is inside INBOX. */
	prefixIsInbox: boolean;
	naming: TargetNaming;
}

/** Indexes the target's personal folders; names that cannot be decoded add a `target:` warning. */
export function indexTarget(
	target: MailboxLayout,
	caseInsensitive: boolean,
	warnings: string[],
): TargetIndex {
	const namespace = namespaceView(target);
	const key = (segments: readonly string[]) => {
		const path = canonicalPath(segments);
		return caseInsensitive ? path.toLocaleLowerCase('und') : path;
	};
	const index: TargetIndex = {
		key,
		keys: new Set([key([INBOX])]),
		flaggedByRole: new Map(),
		topLevelByName: new Map(),
		noselectKeys: new Set(),
		inboxHasNoChildren: false,
		prefixIsInbox: prefixIsInbox(namespace),
		naming: {
			prefix: namespace.prefix,
			delimiter: target.delimiter,
			utf8: target.utf8Names === true,
		},
	};
	for (const folder of target.folders) {
		const location = locateListed(folder, target, namespace);
		if (location.warning) warnings.push(`target: ${location.warning}`);
		if (location.kind !== 'personal') continue;
		const { segments } = location;
		const folderKey = key(segments);
		if (segments.length === 1 && segments[0] === INBOX) {
			index.inboxHasNoChildren = hasFlag(folder.flags, '\\Noinferiors');
		}
		if (hasFlag(folder.flags, '\\NonExistent')) continue;
		index.keys.add(folderKey);
		if (hasFlag(folder.flags, '\\Noselect')) index.noselectKeys.add(folderKey);
		const role = specialUseFromFlags(folder.flags ?? []);
		if (role && !index.flaggedByRole.has(role)) index.flaggedByRole.set(role, segments);
		if (isTopLevel(segments)) {
			const nameKey = nameMatchKey(segments[segments.length - 1]);
			if (!index.topLevelByName.has(nameKey)) index.topLevelByName.set(nameKey, segments);
		}
	}
	return index;
}
