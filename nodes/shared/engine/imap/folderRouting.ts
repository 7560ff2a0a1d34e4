import { canonicalPath, parseCanonicalPath } from '../../folders/canonicalPath';
import { encodeMutf7, tryDecodeMutf7 } from '../../folders/mutf7';
import {
	DEFAULT_SPECIAL_FOLDER_NAMES,
	LOCALIZED_SPECIAL_FOLDER_NAMES,
	MAPPED_SPECIAL_USE_ROLES,
	nameMatchKey,
	specialUseFromFlags,
	type MappedSpecialUseRole,
} from '../../folders/specialUse';
import type { FolderListing, FolderRouter } from '../migrateMailbox';
import type { StoreFolder } from '../mailStore';
import type { FolderRoute } from '../types';

/**
 * How source folders become target folders. Applied in this order, each on the decoded path with `/` between levels
 * (a `/` inside one folder's name is written `\/`):
 * 1. include/exclude patterns decide what is migrated;
 * 2. rename rules, first match wins; a renamed folder is never moved again by step 3, so people's rules win;
 * 3. special-use mapping puts Sent, Drafts, Trash, Junk and Archive (and their subfolders) on the target's own folders.
 */
export interface FolderRules {
	/** Folders to migrate: `*` matches any characters, `%` any within one level, `/regex/flags` a regular expression. Empty: all. */
	include?: string[];
	/** Folders to leave out, written like `include`. */
	exclude?: string[];
	/** Regular-expression renames of the whole path, `$1` etc. in `to`. */
	renames?: { from: string; to: string }[];
	/** Map special folders by flag or by their usual localized names (default true). */
	specialUse?: boolean;
	/** Replaces the target's hierarchy separator inside a folder name, so `a/b` as one name stays one folder (default `_`). */
	substitute?: string;
	/** Target names for special folders the target lacks (defaults Sent, Drafts, Trash, Junk, Archive). */
	specialFolderNames?: Partial<Record<MappedSpecialUseRole, string>>;
}

function patternToRegExp(pattern: string): RegExp {
	const regex = /^\/(.*)\/([a-z]*)$/.exec(pattern);
	if (regex) return new RegExp(regex[1], regex[2]);
	const body = pattern
		.split('')
		.map((char) => (char === '*' ? '.*' : char === '%' ? '[^/]*' : char.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
		.join('');
	return new RegExp(`^${body}$`, /^inbox/i.test(pattern) ? 'i' : '');
}

function matchesAny(path: string, patterns: RegExp[]): RegExp | null {
	return patterns.find((pattern) => pattern.test(path)) ?? null;
}

/** Decoded path segments relative to the personal namespace; INBOX always spelled INBOX. */
function segmentsOf(folder: StoreFolder, listing: FolderListing): string[] {
	const decoding = tryDecodeMutf7(folder.rawName);
	// A name that is not valid modified UTF-7 is kept as sent: better an odd name than a lost folder.
	const decoded = decoding.ok ? decoding.name : folder.rawName;
	const delimiter = folder.delimiter ?? listing.namespace.delimiter;
	let name = decoded;
	const prefix = listing.namespace.prefix;
	if (prefix && name.toUpperCase() !== 'INBOX' && name.toLowerCase().startsWith(prefix.toLowerCase())) {
		name = name.slice(prefix.length);
	}
	const segments = delimiter ? name.split(delimiter) : [name];
	if (segments[0].toUpperCase() === 'INBOX') segments[0] = 'INBOX';
	return segments;
}

function roleByName(name: string): MappedSpecialUseRole | null {
	const key = nameMatchKey(name);
	for (const role of MAPPED_SPECIAL_USE_ROLES) {
		if (LOCALIZED_SPECIAL_FOLDER_NAMES[role].some((candidate) => nameMatchKey(candidate) === key)) return role;
	}
	return null;
}

function encodeTarget(segments: string[], listing: FolderListing, utf8: boolean): string {
	const delimiter = listing.namespace.delimiter ?? '/';
	const joined = segments.join(delimiter);
	const prefixed = segments[0] === 'INBOX' && segments.length === 1 ? 'INBOX' : `${listing.namespace.prefix}${joined}`;
	return utf8 ? prefixed : encodeMutf7(prefixed);
}

interface PlannedRoute extends FolderRoute {
	segments: string[];
}

/** Plans every source folder's target, parents first, adding parent folders the target needs but the source lacks. */
export function planFolderRoutes(
	source: FolderListing,
	target: FolderListing,
	rules: FolderRules,
	encoding: { targetUtf8?: boolean } = {},
): FolderRoute[] {
	const include = (rules.include ?? []).map(patternToRegExp);
	const exclude = (rules.exclude ?? []).map(patternToRegExp);
	const renames = (rules.renames ?? []).map((rule) => ({ from: new RegExp(rule.from), to: rule.to }));
	const substitute = rules.substitute ?? '_';
	const targetDelimiter = target.namespace.delimiter ?? '/';
	const sourceFlagsSpecialUse = source.folders.some((folder) => folder.specialUse);

	const targetSpecial = new Map<MappedSpecialUseRole, string[]>();
	for (const folder of target.folders) {
		const role = specialUseFromFlags([folder.specialUse ?? '', ...folder.attributes]);
		if (role && (MAPPED_SPECIAL_USE_ROLES as readonly string[]).includes(role) && !targetSpecial.has(role as MappedSpecialUseRole)) {
			targetSpecial.set(role as MappedSpecialUseRole, segmentsOf(folder, target));
		}
	}
	const targetNameFor = (role: MappedSpecialUseRole): string[] =>
		targetSpecial.get(role) ?? [rules.specialFolderNames?.[role] ?? DEFAULT_SPECIAL_FOLDER_NAMES[role]];

	const routes: PlannedRoute[] = [];
	for (const folder of source.folders) {
		if (folder.attributes.some((attribute) => /^\\NonExistent$/i.test(attribute))) continue;
		const sourceSegments = segmentsOf(folder, source);
		const sourcePath = canonicalPath(sourceSegments);
		const selectable = !folder.attributes.some((attribute) => /^\\Noselect$/i.test(attribute));
		let skipReason: string | null = null;
		if (include.length && !matchesAny(sourcePath, include)) skipReason = 'not matched by Include Folders';
		const excludedBy = matchesAny(sourcePath, exclude);
		if (excludedBy) skipReason = `excluded by pattern ${excludedBy.source}`;

		let segments = sourceSegments;
		const rename = renames.find((rule) => rule.from.test(sourcePath));
		if (rename) {
			segments = parseCanonicalPath(sourcePath.replace(rename.from, rename.to));
		} else if (rules.specialUse !== false && segments[0] !== 'INBOX') {
			const flagged = specialUseFromFlags([folder.specialUse ?? '', ...folder.attributes]);
			const role =
				flagged && (MAPPED_SPECIAL_USE_ROLES as readonly string[]).includes(flagged)
					? (flagged as MappedSpecialUseRole)
					: null;
			// By name only for top-level folders of servers that do not flag special folders at all.
			const topRole = sourceFlagsSpecialUse ? null : roleByName(segments[0]);
			if (role && sourceSegments.length === 1) segments = targetNameFor(role);
			else if (topRole) segments = [...targetNameFor(topRole), ...segments.slice(1)];
			else if (sourceFlagsSpecialUse && segments.length > 1) {
				const parent = source.folders.find(
					(candidate) => candidate.specialUse && canonicalPath(segmentsOf(candidate, source)) === canonicalPath([segments[0]]),
				);
				const parentRole = parent ? specialUseFromFlags([parent.specialUse ?? '']) : null;
				if (parentRole && (MAPPED_SPECIAL_USE_ROLES as readonly string[]).includes(parentRole)) {
					segments = [...targetNameFor(parentRole as MappedSpecialUseRole), ...segments.slice(1)];
				}
			}
		}
		// A separator inside one name would create hierarchy on the target: keep it one folder.
		segments = segments.map((segment) => segment.split(targetDelimiter).join(substitute));
		routes.push({
			sourceRaw: folder.rawName,
			sourcePath,
			targetRaw: encodeTarget(segments, target, encoding.targetUtf8 ?? false),
			targetPath: canonicalPath(segments),
			selectable,
			subscribe: folder.subscribed,
			skipReason,
			segments,
		});
	}

	// Parents the target needs for migrated folders, when no migrated source folder provides them.
	const provided = new Set(routes.filter((route) => !route.skipReason).map((route) => route.targetRaw));
	const existing = new Set(target.folders.map((folder) => folder.rawName));
	for (const route of [...routes]) {
		if (route.skipReason) continue;
		for (let depth = 1; depth < route.segments.length; depth++) {
			const parent = route.segments.slice(0, depth);
			if (parent.length === 1 && parent[0] === 'INBOX') continue;
			const targetRaw = encodeTarget(parent, target, encoding.targetUtf8 ?? false);
			if (provided.has(targetRaw) || existing.has(targetRaw)) continue;
			provided.add(targetRaw);
			routes.push({
				sourceRaw: '',
				sourcePath: canonicalPath(parent),
				targetRaw,
				targetPath: canonicalPath(parent),
				selectable: false,
				subscribe: route.subscribe,
				skipReason: null,
				segments: parent,
			});
		}
	}
	routes.sort(
		(a, b) =>
			a.segments.length - b.segments.length ||
			Number(b.targetPath === 'INBOX') - Number(a.targetPath === 'INBOX') ||
			a.targetPath.localeCompare(b.targetPath),
	);
	return routes.map(({ segments: _segments, ...route }) => route);
}

/** The engine's folder router for IMAP targets. */
export function routeFolders(rules: FolderRules): FolderRouter {
	return (source, target) => planFolderRoutes(source, target, rules);
}
