/**
 * The public shapes of folder planning: what the caller says about both servers and wants (layouts, options), what
 * `planFolders` answers (the plan and its entries), and the one error it throws for unusable options.
 */
import type { MappedSpecialUseRole, SpecialUseRole } from '../specialUse';

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
