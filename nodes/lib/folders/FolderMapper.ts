/**
 * Decides, before any message moves, which target folder each source folder goes to: namespace and delimiter
 * translation, names the target cannot hold, special-use folders, the operator's rename rules and filters, and the
 * parent folders that must exist first. Pure data in, pure data out; no I/O.
 */
import { canonicalPath, parseCanonicalPath } from './canonicalPath';
import { decodeMailboxName, encodeMailboxName, Mutf7DecodeError } from './mutf7';
import {
	DEFAULT_SPECIAL_FOLDER_NAMES,
	LOCALIZED_SPECIAL_FOLDER_NAMES,
	MAPPED_SPECIAL_USE_ROLES,
	type MappedSpecialUseRole,
	nameMatchKey,
	SPECIAL_USE_FLAGS,
	specialUseFromFlags,
	type SpecialUseRole,
} from './specialUse';

/** One row of an IMAP LIST (or LSUB) answer. With imapflow: `{ raw: pathAsListed, delimiter, flags: [...flags], subscribed }`. */
export interface ListedFolder {
	/** The name exactly as the server listed it: modified UTF-7, or UTF-8 when UTF8=ACCEPT is enabled. */
	raw: string;
	/** The hierarchy delimiter LIST gave for this name; `null` for NIL (no hierarchy). Omitted: the layout's delimiter. */
	delimiter?: string | null;
	/** LIST attributes as sent, e.g. `\HasChildren`, `\Noselect`, `\NonExistent`, `\Subscribed`, `\Sent`. Special-use is read only from here. */
	flags?: readonly string[];
	/** Whether the folder is subscribed (LSUB or LIST-EXTENDED `\Subscribed`). */
	subscribed?: boolean;
}

/** What one server told us about its folders. */
export interface MailboxLayout {
	/** Personal namespace prefix as NAMESPACE gives it, e.g. `INBOX.` (Courier, Cyrus) or `` (Dovecot, Exchange). */
	personalPrefix: string;
	/** Hierarchy delimiter of the personal namespace, e.g. `.` or `/`; `null` for a server without hierarchy. */
	delimiter: string | null;
	/** True when UTF8=ACCEPT is enabled on the connection, so names are raw UTF-8 rather than modified UTF-7. */
	utf8Names?: boolean;
	/** Prefixes of the other-users and shared namespaces (e.g. `Other Users/`, `Shared/`, `user.`); folders there are not migrated. */
	otherNamespacePrefixes?: readonly string[];
	/** Every folder LIST returned. */
	folders: readonly ListedFolder[];
}

/** Rewrites canonical folder paths; see {@link FolderPlanOptions.renameRules}. */
export interface FolderRenameRule {
	/** Regular expression source (JavaScript syntax) matched against the source folder's canonical path. */
	from: string;
	/** Replacement, JavaScript `String.replace` syntax (`$1`, `$<name>`); `/` makes hierarchy, `\/` is a literal slash. */
	to: string;
	/** Regular expression flags, e.g. `g` to replace every match or `i` to ignore case. */
	flags?: string;
}

/** How INBOX's subfolders (`INBOX/foo` on Dovecot) are placed on the target. */
export type InboxSubfolderPlacement = 'auto' | 'keep' | 'moveToRoot';

/** Operator choices. Every option has a default; an empty object gives the recommended plan. */
export interface FolderPlanOptions {
	/**
	 * Map special folders (Sent, Drafts, Trash, Junk, Archive) onto the target's folder for the same role, whatever
	 * it is called there, and their subfolders with them (`Gesendet/2019` becomes `Sent/2019`). Default true.
	 */
	specialUseAutomap?: boolean;
	/**
	 * Recognise special folders by their usual names in common languages (e.g. `Gesendete Objekte`, `Papierkorb`,
	 * `Corbeille`, `送信済み`) when the source does not flag them. Only top-level folders (directly under the root or
	 * INBOX) count, and only for roles no source folder carries as a SPECIAL-USE flag. Default true.
	 */
	detectSpecialUseByName?: boolean;
	/**
	 * Folder to use on the target for each role when the target has no folder flagged for it, as a canonical path
	 * relative to the target's personal namespace. Defaults: `Sent`, `Drafts`, `Trash`, `Junk`, `Archive`.
	 */
	specialFolderNames?: Partial<Record<MappedSpecialUseRole, string>>;
	/** More names that mean a role on the source (and on an unflagged target), added to the built-in lists. */
	extraSpecialFolderNames?: Partial<Record<MappedSpecialUseRole, readonly string[]>>;
	/**
	 * Source folders with these roles are skipped because they are views of messages that live in other folders
	 * (Gmail `All Mail`, `Starred`, `Important`); copying them would duplicate mail. Default `['all', 'flagged', 'important']`.
	 */
	skipSpecialUse?: readonly SpecialUseRole[];
	/**
	 * Rename rules, applied in order (each to the previous one's output) to the source folder's canonical path: decoded
	 * names joined with `/`, relative to the personal namespace (Courier's `INBOX.Sent` is `Sent`; INBOX is `INBOX`;
	 * a `/` inside one name is `\/`). A folder whose path a rule changes goes exactly where the rule says: rules win
	 * over special-use automapping. Folders no rule changes follow their parent, so renaming `Projekte` also moves
	 * `Projekte/2024`. Default none.
	 */
	renameRules?: readonly FolderRenameRule[];
	/**
	 * Only source folders matching at least one pattern are copied. Patterns match the source canonical path (before
	 * renaming): IMAP-style globs where `*` matches anything and `%` anything but `/`, or a regular expression
	 * written `/…/flags`. A pattern names folders, not subtrees: use `Archive` and `Archive/*` for both. Default: all.
	 */
	include?: readonly string[];
	/** Source folders matching any of these patterns (same syntax as `include`) are skipped. Default none. */
	exclude?: readonly string[];
	/**
	 * Replaces, inside one folder name, the target's hierarchy delimiter and control characters, so that `a/b` (one
	 * folder on a `.` server) does not become folder `b` inside `a` on a `/` server. `_` by default for every
	 * delimiter: look-alikes such as `∕` or `·` keep the name closer to the eye but break search and typing.
	 */
	delimiterSubstitute?: string;
	/**
	 * Where INBOX's subfolders go: `keep` under INBOX; `moveToRoot` to the top level; `auto` (default) keeps them
	 * unless the target's INBOX cannot have children (`\Noinferiors`). On a target whose personal prefix is `INBOX.`
	 * the top level already is inside INBOX, so `INBOX/foo` and `foo` are the same folder there.
	 */
	inboxSubfolders?: InboxSubfolderPlacement;
	/** Treat target names that differ only in case as one folder (Exchange, Gmail). Default false (Dovecot, Cyrus). */
	targetCaseInsensitive?: boolean;
}

export interface FolderPlanInput {
	source: MailboxLayout;
	target: MailboxLayout;
	options?: FolderPlanOptions;
}

/** What the engine does for an entry before copying: make the folder, use the one there, or leave the entry out. */
export type FolderAction = 'create' | 'exists' | 'skip';

export interface FolderPlanEntry {
	/** `folder`: a source folder. `parent`: a target folder created only so that planned folders have a parent. */
	kind: 'folder' | 'parent';
	/** The source name as listed; null for a `parent` entry. */
	sourceRaw: string | null;
	/** Decoded source segments relative to the personal namespace; null for a `parent` entry. */
	sourceSegments: string[] | null;
	/** Canonical source path: the ledger key for this folder. Null for a `parent` entry. */
	sourcePath: string | null;
	/** Decoded target segments relative to the target's personal namespace. */
	targetSegments: string[];
	/** Canonical target path. */
	targetPath: string;
	/** Full decoded target name with prefix and delimiter: what imapflow takes (it encodes names itself). */
	targetName: string;
	/** Full target name as it goes on the wire (modified UTF-7 unless the target accepts UTF-8). */
	targetRaw: string;
	/** The role of the source folder, from its SPECIAL-USE flag or its name. */
	specialUse: SpecialUseRole | null;
	specialUseSource: 'flag' | 'name' | null;
	/** The target was chosen by role (the target's folder for the role or the configured name), not by name. */
	automapped: boolean;
	/** The source folder holds messages (not `\Noselect`/`\NonExistent`); false for `parent` entries. */
	selectable: boolean;
	/** Subscribe the target folder, because the source folder is subscribed. */
	subscribe: boolean;
	/** `exists` also covers a folder that an earlier entry of this plan creates (see `merged`). */
	action: FolderAction;
	skipReason?: string;
	/** Why the target name differs from the source name other than by namespace or special-use mapping. */
	renamed?: string;
	/** Another selectable source folder goes into the same target folder; their messages are merged there. */
	merged: boolean;
	/** Canonical source paths of the other folders merged into the same target. */
	mergedWith?: string[];
	/** Something the operator should know that does not stop the entry, e.g. an undecodable source name. */
	warning?: string;
}

/** A listed source folder that is not in the personal namespace and is therefore not migrated. */
export interface IgnoredFolder {
	sourceRaw: string;
	reason: string;
}

export interface FolderPlan {
	/** Every personal source folder plus any needed `parent` entries, parents before their children, INBOX first. */
	entries: FolderPlanEntry[];
	/** Source folders outside the personal namespace (shared, other users, the namespace root itself). */
	ignored: IgnoredFolder[];
	/** Plan-wide notes, e.g. names that could not be decoded. */
	warnings: string[];
}

/** A bad option (pattern, rule, substitute). The message names the option and the fault. */
export class FolderPlanOptionError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'FolderPlanOptionError';
	}
}

const INBOX = 'INBOX';
const DEFAULT_SKIPPED_ROLES: readonly SpecialUseRole[] = ['all', 'flagged', 'important'];
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/g;

function isInboxName(name: string): boolean {
	return name.toUpperCase() === INBOX;
}

function hasFlag(flags: readonly string[] | undefined, flag: string): boolean {
	return (flags ?? []).some((candidate) => candidate.toLowerCase() === flag.toLowerCase());
}

/** Decodes a name, falling back to the raw text (with a warning) so one broken name does not stop the plan. */
function decodeLeniently(raw: string, layout: MailboxLayout): { name: string; warning?: string } {
	try {
		return { name: decodeMailboxName(raw, { utf8: layout.utf8Names === true }) };
	} catch (error) {
		if (!(error instanceof Mutf7DecodeError)) throw error;
		return { name: raw, warning: `${error.message}; the name is used as listed` };
	}
}

/** Prefix comparison in which a leading INBOX is case-insensitive, as RFC 3501 makes it. */
function startsWithNamespacePrefix(name: string, prefix: string): boolean {
	if (prefix.toUpperCase().startsWith(INBOX)) {
		return (
			isInboxName(name.slice(0, INBOX.length)) &&
			name.slice(INBOX.length).startsWith(prefix.slice(INBOX.length))
		);
	}
	return name.startsWith(prefix);
}

type Location = { kind: 'personal'; segments: string[] } | { kind: 'ignored'; reason: string };

interface NamespaceView {
	prefix: string;
	delimiter: string | null;
	otherPrefixes: string[];
}

function namespaceView(layout: MailboxLayout): NamespaceView {
	const decodePrefix = (prefix: string) => decodeLeniently(prefix, layout).name;
	return {
		prefix: decodePrefix(layout.personalPrefix),
		delimiter: layout.delimiter,
		otherPrefixes: (layout.otherNamespacePrefixes ?? []).filter(Boolean).map(decodePrefix),
	};
}

/** Strips the personal prefix and splits on the delimiter; INBOX is always `['INBOX']`. */
function locate(name: string, delimiter: string | null, namespace: NamespaceView): Location {
	if (isInboxName(name)) return { kind: 'personal', segments: [INBOX] };
	for (const other of namespace.otherPrefixes) {
		const root = delimiter && other.endsWith(delimiter) ? other.slice(0, -delimiter.length) : other;
		if (name.startsWith(other) || name === root) {
			return { kind: 'ignored', reason: `in the namespace '${other}', not the personal one` };
		}
	}
	let relative = name;
	if (namespace.prefix) {
		const root =
			delimiter && namespace.prefix.endsWith(delimiter)
				? namespace.prefix.slice(0, -delimiter.length)
				: namespace.prefix;
		if (
			!startsWithNamespacePrefix(name, namespace.prefix) ||
			name.length === namespace.prefix.length
		) {
			return {
				kind: 'ignored',
				reason:
					name === root || name === namespace.prefix
						? 'the personal namespace root itself'
						: `outside the personal namespace '${namespace.prefix}'`,
			};
		}
		relative = name.slice(namespace.prefix.length);
	}
	const segments = delimiter ? relative.split(delimiter) : [relative];
	// Without a prefix, INBOX may have children (Dovecot `INBOX/foo`); its name stays case-insensitive there too.
	if (!namespace.prefix && segments.length > 1 && isInboxName(segments[0])) segments[0] = INBOX;
	return { kind: 'personal', segments };
}

interface CompiledPattern {
	pattern: string;
	matches: (path: string) => boolean;
}

function compilePattern(pattern: string, optionName: string): CompiledPattern {
	const regexForm = /^\/(.*)\/([a-z]*)$/s.exec(pattern);
	if (regexForm) {
		let regex: RegExp;
		try {
			// `g` and `y` make test() stateful across folders, so they are dropped.
			regex = new RegExp(regexForm[1], regexForm[2].replace(/[gy]/g, ''));
		} catch (error) {
			throw new FolderPlanOptionError(
				`${optionName} pattern ${JSON.stringify(pattern)} is not a valid regular expression: ${(error as Error).message}`,
			);
		}
		return { pattern, matches: (path) => regex.test(path) };
	}
	const glob = pattern.replace(/^inbox(?=\/|$)/i, INBOX);
	const source = [...glob]
		.map((char) => {
			if (char === '*') return '.*';
			if (char === '%') return '(?:[^/\\\\]|\\\\.)*';
			return char.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
		})
		.join('');
	const regex = new RegExp(`^${source}$`, 's');
	return { pattern, matches: (path) => regex.test(path) };
}

interface CompiledRule {
	index: number;
	rule: FolderRenameRule;
	regex: RegExp;
}

function compileRules(rules: readonly FolderRenameRule[]): CompiledRule[] {
	return rules.map((rule, index) => {
		try {
			return { index, rule, regex: new RegExp(rule.from, rule.flags ?? '') };
		} catch (error) {
			throw new FolderPlanOptionError(
				`rename rule ${index + 1} (${JSON.stringify(rule.from)}) is not a valid regular expression: ${(error as Error).message}`,
			);
		}
	});
}

/** A source folder or a missing ancestor of one, in the source hierarchy. */
interface SourceNode {
	segments: string[];
	path: string;
	role: SpecialUseRole | null;
	roleSource: 'flag' | 'name' | null;
}

interface TargetChoice {
	segments: string[];
	automapped: boolean;
	renamed: string[];
}

interface TargetIndex {
	keys: Set<string>;
	flaggedByRole: Map<SpecialUseRole, string[]>;
	topLevelByName: Map<string, string[]>;
	noselectKeys: Set<string>;
	inboxHasNoChildren: boolean;
}

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
	const { source, target } = input;
	const options = input.options ?? {};
	const automap = options.specialUseAutomap ?? true;
	const detectByName = options.detectSpecialUseByName ?? true;
	const skippedRoles = new Set(options.skipSpecialUse ?? DEFAULT_SKIPPED_ROLES);
	const substitute = options.delimiterSubstitute ?? '_';
	const inboxPlacement = options.inboxSubfolders ?? 'auto';
	const caseInsensitive = options.targetCaseInsensitive ?? false;
	const includes = (options.include ?? []).map((pattern) => compilePattern(pattern, 'include'));
	const excludes = (options.exclude ?? []).map((pattern) => compilePattern(pattern, 'exclude'));
	const rules = compileRules(options.renameRules ?? []);

	if (
		!substitute ||
		CONTROL_CHARACTER.test(substitute) ||
		(target.delimiter && substitute.includes(target.delimiter))
	) {
		throw new FolderPlanOptionError(
			`delimiterSubstitute ${JSON.stringify(substitute)} must be non-empty, printable and free of the target delimiter ${JSON.stringify(target.delimiter)}`,
		);
	}

	const namesByRole = new Map<MappedSpecialUseRole, Set<string>>(
		MAPPED_SPECIAL_USE_ROLES.map((role) => [
			role,
			new Set(
				[
					...LOCALIZED_SPECIAL_FOLDER_NAMES[role],
					...(options.extraSpecialFolderNames?.[role] ?? []),
				].map(nameMatchKey),
			),
		]),
	);
	const roleByName = (name: string): MappedSpecialUseRole | null =>
		MAPPED_SPECIAL_USE_ROLES.find((role) => namesByRole.get(role)?.has(nameMatchKey(name))) ?? null;
	const isTopLevel = (segments: readonly string[]) =>
		segments.length === 1
			? !isInboxName(segments[0])
			: segments.length === 2 && segments[0] === INBOX;

	const warnings: string[] = [];
	const ignored: IgnoredFolder[] = [];

	// Target side: what exists, and which folder holds each role there.
	const targetNamespace = namespaceView(target);
	const targetKey = (segments: readonly string[]) => {
		const path = canonicalPath(segments);
		return caseInsensitive ? path.toLocaleLowerCase('und') : path;
	};
	const targetIndex: TargetIndex = {
		keys: new Set([targetKey([INBOX])]),
		flaggedByRole: new Map(),
		topLevelByName: new Map(),
		noselectKeys: new Set(),
		inboxHasNoChildren: false,
	};
	for (const folder of target.folders) {
		const decoded = decodeLeniently(folder.raw, target);
		if (decoded.warning) warnings.push(`target: ${decoded.warning}`);
		const delimiter = folder.delimiter === undefined ? target.delimiter : folder.delimiter;
		const location = locate(decoded.name, delimiter, targetNamespace);
		if (location.kind !== 'personal') continue;
		const { segments } = location;
		const key = targetKey(segments);
		if (segments.length === 1 && segments[0] === INBOX) {
			targetIndex.inboxHasNoChildren = hasFlag(folder.flags, '\\Noinferiors');
		}
		if (hasFlag(folder.flags, '\\NonExistent')) continue;
		targetIndex.keys.add(key);
		if (hasFlag(folder.flags, '\\Noselect')) targetIndex.noselectKeys.add(key);
		const role = specialUseFromFlags(folder.flags ?? []);
		if (role && !targetIndex.flaggedByRole.has(role)) targetIndex.flaggedByRole.set(role, segments);
		if (isTopLevel(segments)) {
			const nameKey = nameMatchKey(segments[segments.length - 1]);
			if (!targetIndex.topLevelByName.has(nameKey))
				targetIndex.topLevelByName.set(nameKey, segments);
		}
	}
	const targetPrefixIsInbox =
		!!target.delimiter &&
		isInboxName(targetNamespace.prefix.slice(0, -target.delimiter.length)) &&
		targetNamespace.prefix.endsWith(target.delimiter);

	const targetFolderForRole = (role: MappedSpecialUseRole): string[] => {
		const flagged = targetIndex.flaggedByRole.get(role);
		if (flagged) return flagged;
		const configured = options.specialFolderNames?.[role] ?? DEFAULT_SPECIAL_FOLDER_NAMES[role];
		let conventional: string[];
		try {
			conventional = parseCanonicalPath(configured);
		} catch (error) {
			throw new FolderPlanOptionError(`specialFolderNames.${role}: ${(error as Error).message}`);
		}
		if (conventional.some((segment) => !segment)) {
			throw new FolderPlanOptionError(
				`specialFolderNames.${role} ${JSON.stringify(configured)} has an empty folder name`,
			);
		}
		if (targetIndex.keys.has(targetKey(conventional))) return conventional;
		for (const name of namesByRole.get(role) ?? []) {
			const existing = targetIndex.topLevelByName.get(name);
			if (existing) return existing;
		}
		return conventional;
	};

	// Source side: decode, place in the personal namespace, find roles.
	const sourceNamespace = namespaceView(source);
	interface ListedSource {
		folder: ListedFolder;
		node: SourceNode;
		warning?: string;
		duplicateOf?: string;
	}
	const listed: ListedSource[] = [];
	const nodes = new Map<string, SourceNode>();
	const firstRawByPath = new Map<string, string>();
	const addNode = (segments: string[]): SourceNode => {
		const path = canonicalPath(segments);
		let node = nodes.get(path);
		if (!node) {
			node = { segments, path, role: null, roleSource: null };
			nodes.set(path, node);
		}
		return node;
	};
	for (const folder of source.folders) {
		const decoded = decodeLeniently(folder.raw, source);
		if (decoded.warning) warnings.push(`source: ${decoded.warning}`);
		const delimiter = folder.delimiter === undefined ? source.delimiter : folder.delimiter;
		const location = locate(decoded.name, delimiter, sourceNamespace);
		if (location.kind !== 'personal') {
			ignored.push({ sourceRaw: folder.raw, reason: location.reason });
			continue;
		}
		const path = canonicalPath(location.segments);
		const duplicateOf = firstRawByPath.get(path);
		if (duplicateOf === undefined) firstRawByPath.set(path, folder.raw);
		for (let depth = 1; depth < location.segments.length; depth++)
			addNode(location.segments.slice(0, depth));
		const node = addNode(location.segments);
		const role = duplicateOf === undefined ? specialUseFromFlags(folder.flags ?? []) : null;
		if (role) {
			node.role = role;
			node.roleSource = 'flag';
		}
		listed.push({ folder, node, warning: decoded.warning, duplicateOf });
	}
	if (detectByName) {
		const flaggedRoles = new Set(
			[...nodes.values()].filter((node) => node.roleSource === 'flag').map((node) => node.role),
		);
		for (const node of nodes.values()) {
			if (node.role || !isTopLevel(node.segments)) continue;
			const role = roleByName(node.segments[node.segments.length - 1]);
			if (role && !flaggedRoles.has(role)) {
				node.role = role;
				node.roleSource = 'name';
			}
		}
	}

	// Target choice per source node: a changing rule wins, then the role, then the parent's choice plus own name.
	const applyRules = (path: string): { path: string; applied: string[] } => {
		let current = path;
		const applied: string[] = [];
		for (const { index, rule, regex } of rules) {
			const next = current.replace(regex, rule.to);
			if (next !== current) applied.push(`rule ${index + 1}`);
			current = next;
		}
		return { path: current, applied };
	};
	const choices = new Map<string, TargetChoice>();
	const chooseTarget = (node: SourceNode): TargetChoice => {
		const known = choices.get(node.path);
		if (known) return known;
		const renamed: string[] = [];
		let segments: string[];
		let automapped = false;
		const ruled = applyRules(node.path);
		if (ruled.path !== node.path) {
			if (!ruled.path) {
				throw new FolderPlanOptionError(
					`rename rules turn ${JSON.stringify(node.path)} into an empty name`,
				);
			}
			try {
				segments = parseCanonicalPath(ruled.path);
			} catch (error) {
				throw new FolderPlanOptionError(
					`rename rules turn ${JSON.stringify(node.path)} into an invalid path: ${(error as Error).message}`,
				);
			}
			renamed.push(`renamed by ${ruled.applied.join(', ')} to '${ruled.path}'`);
		} else if (
			automap &&
			node.role &&
			(MAPPED_SPECIAL_USE_ROLES as readonly string[]).includes(node.role)
		) {
			segments = [...targetFolderForRole(node.role as MappedSpecialUseRole)];
			automapped = true;
		} else if (node.segments.length > 1) {
			const parentPath = canonicalPath(node.segments.slice(0, -1));
			const parentChoice = chooseTarget(nodes.get(parentPath)!);
			segments = [...parentChoice.segments, node.segments[node.segments.length - 1]];
			// An unlisted parent has no entry of its own to explain its renaming, so its children carry the reason.
			if (!firstRawByPath.has(parentPath)) renamed.push(...parentChoice.renamed);
		} else {
			segments = [...node.segments];
		}

		if (segments.length > 1 && isInboxName(segments[0])) {
			segments[0] = INBOX;
			const lift =
				inboxPlacement === 'moveToRoot' ||
				(inboxPlacement === 'auto' && (targetPrefixIsInbox || targetIndex.inboxHasNoChildren));
			if (lift) {
				segments = segments.slice(1);
				if (!targetPrefixIsInbox) {
					renamed.push(
						inboxPlacement === 'moveToRoot'
							? 'moved from INBOX to the top level'
							: "moved from INBOX to the top level: the target's INBOX cannot have subfolders",
					);
				}
			}
		} else if (segments.length === 1 && isInboxName(segments[0])) {
			segments[0] = INBOX;
		}

		segments = segments.map((segment) => {
			let clean = segment;
			if (target.delimiter && clean.includes(target.delimiter)) {
				clean = clean.split(target.delimiter).join(substitute);
				renamed.push(
					`'${segment}' contains the target's hierarchy delimiter '${target.delimiter}', replaced by '${substitute}'`,
				);
			}
			if (CONTROL_CHARACTER.test(clean)) {
				clean = clean.replace(CONTROL_CHARACTERS, substitute);
				renamed.push(
					`control characters in ${JSON.stringify(segment)} replaced by '${substitute}'`,
				);
			}
			if (!clean) {
				clean = substitute;
				renamed.push(`an empty folder name became '${substitute}'`);
			}
			return clean;
		});
		if (!target.delimiter && segments.length > 1) {
			renamed.push(
				`the target has no folder hierarchy: '${segments.join('/')}' flattened with '${substitute}'`,
			);
			segments = [segments.join(substitute)];
		}

		const choice = { segments, automapped, renamed };
		choices.set(node.path, choice);
		return choice;
	};

	const targetNameOf = (segments: readonly string[]) =>
		segments.length === 1 && segments[0] === INBOX
			? INBOX
			: targetNamespace.prefix + segments.join(target.delimiter ?? '');
	const targetFields = (segments: string[]) => {
		const targetName = targetNameOf(segments);
		return {
			targetSegments: segments,
			targetPath: canonicalPath(segments),
			targetName,
			targetRaw: encodeMailboxName(targetName, { utf8: target.utf8Names === true }),
		};
	};

	const entries: FolderPlanEntry[] = listed.map(({ folder, node, warning, duplicateOf }) => {
		const choice = chooseTarget(node);
		const selectable =
			!hasFlag(folder.flags, '\\Noselect') && !hasFlag(folder.flags, '\\NonExistent');
		const entry: FolderPlanEntry = {
			kind: 'folder',
			sourceRaw: folder.raw,
			sourceSegments: node.segments,
			sourcePath: node.path,
			...targetFields(choice.segments),
			specialUse: duplicateOf === undefined ? node.role : null,
			specialUseSource: duplicateOf === undefined ? node.roleSource : null,
			automapped: choice.automapped,
			selectable,
			subscribe: folder.subscribed === true || hasFlag(folder.flags, '\\Subscribed'),
			action: selectable ? 'create' : 'skip',
			merged: false,
		};
		if (choice.renamed.length) entry.renamed = choice.renamed.join('; ');
		if (warning) entry.warning = warning;
		const excludedBy = excludes.find((pattern) => pattern.matches(node.path));
		if (duplicateOf !== undefined) {
			entry.action = 'skip';
			entry.skipReason = `the same folder as '${duplicateOf}', listed twice`;
		} else if (excludedBy) {
			entry.action = 'skip';
			entry.skipReason = `excluded by pattern '${excludedBy.pattern}'`;
		} else if (includes.length && !includes.some((pattern) => pattern.matches(node.path))) {
			entry.action = 'skip';
			entry.skipReason = 'matched by no include pattern';
		} else if (node.roleSource === 'flag' && node.role && skippedRoles.has(node.role)) {
			entry.action = 'skip';
			entry.skipReason = `virtual ${SPECIAL_USE_FLAGS[node.role]} folder: its messages are copied from the folders they belong to`;
		}
		if (
			entry.action !== 'skip' &&
			selectable &&
			targetIndex.noselectKeys.has(targetKey(choice.segments))
		) {
			entry.warning = [
				entry.warning,
				'the target folder exists but cannot hold messages (\\Noselect)',
			]
				.filter(Boolean)
				.join('; ');
		}
		return entry;
	});

	// Containers: \Noselect source folders stay pending until we know whether anything lives beneath them.
	const isContainer = (entry: FolderPlanEntry) =>
		entry.kind === 'folder' && !entry.selectable && !entry.skipReason;
	const carriesMessages = (entry: FolderPlanEntry) => entry.selectable && entry.action !== 'skip';

	const byTargetKey = new Map<string, FolderPlanEntry[]>();
	for (const entry of entries.filter(carriesMessages)) {
		const key = targetKey(entry.targetSegments);
		byTargetKey.set(key, [...(byTargetKey.get(key) ?? []), entry]);
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

	const neededParents = new Map<string, string[]>();
	for (const entry of entries.filter(carriesMessages)) {
		for (let depth = 1; depth < entry.targetSegments.length; depth++) {
			const parent = entry.targetSegments.slice(0, depth);
			const key = targetKey(parent);
			if (!targetIndex.keys.has(key) && !byTargetKey.has(key)) neededParents.set(key, parent);
		}
	}
	for (const entry of entries.filter(isContainer))
		neededParents.delete(targetKey(entry.targetSegments));
	for (const segments of neededParents.values()) {
		entries.push({
			kind: 'parent',
			sourceRaw: null,
			sourceSegments: null,
			sourcePath: null,
			...targetFields(segments),
			specialUse: null,
			specialUseSource: null,
			automapped: false,
			selectable: false,
			subscribe: false,
			action: 'create',
			merged: false,
		});
	}
	const neededContainerKeys = new Set<string>();
	for (const entry of entries.filter(carriesMessages)) {
		for (let depth = 1; depth < entry.targetSegments.length; depth++) {
			neededContainerKeys.add(targetKey(entry.targetSegments.slice(0, depth)));
		}
	}

	const order = new Map(entries.map((entry, index) => [entry, index]));
	// On a shared target, the entry that carries messages creates the folder; containers and parents defer to it.
	const rank = (entry: FolderPlanEntry) =>
		carriesMessages(entry) ? 0 : isContainer(entry) ? 1 : entry.kind === 'parent' ? 2 : 3;
	entries.sort(
		(a, b) =>
			compareTargets(a.targetSegments, b.targetSegments) ||
			rank(a) - rank(b) ||
			order.get(a)! - order.get(b)!,
	);

	// Actions in creation order: the first entry for a missing folder creates it, later ones find it there.
	const willExist = new Set(targetIndex.keys);
	for (const entry of entries) {
		const key = targetKey(entry.targetSegments);
		if (entry.kind === 'parent' || carriesMessages(entry)) {
			entry.action = willExist.has(key) ? 'exists' : 'create';
			willExist.add(key);
		} else if (isContainer(entry)) {
			if (willExist.has(key)) {
				entry.action = 'exists';
			} else if (neededContainerKeys.has(key)) {
				entry.action = 'create';
				willExist.add(key);
			} else {
				entry.skipReason =
					'cannot hold messages (\\Noselect) and no migrated folder lies inside it';
			}
		}
	}

	return { entries, ignored, warnings };
}

/** INBOX first, then segment by segment, so every parent comes before its children. */
function compareTargets(a: readonly string[], b: readonly string[]): number {
	const aInbox = a[0] === INBOX ? 0 : 1;
	const bInbox = b[0] === INBOX ? 0 : 1;
	if (aInbox !== bInbox) return aInbox - bInbox;
	for (let index = 0; index < Math.min(a.length, b.length); index++) {
		if (a[index] !== b[index]) return a[index] < b[index] ? -1 : 1;
	}
	return a.length - b.length;
}
