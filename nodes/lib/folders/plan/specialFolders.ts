/**
 * Special folders in a plan: recognising them on the source by their localized names, choosing the target's folder
 * for a role, and the Gmail views (All Mail, Starred, Important) that are left out because they duplicate mail.
 */
import { parseCanonicalPath } from '../canonicalPath';
import {
	DEFAULT_SPECIAL_FOLDER_NAMES,
	LOCALIZED_SPECIAL_FOLDER_NAMES,
	MAPPED_SPECIAL_USE_ROLES,
	type MappedSpecialUseRole,
	nameMatchKey,
	SPECIAL_USE_FLAGS,
	type SpecialUseRole,
} from '../specialUse';
import { isTopLevel } from './namespace';
import type { SourceNode } from './sourceTree';
import type { TargetIndex } from './targetIndex';
import { FolderPlanOptionError } from './types';

export function isMappedRole(role: SpecialUseRole): role is MappedSpecialUseRole {
	return (MAPPED_SPECIAL_USE_ROLES as readonly string[]).includes(role);
}

/** The names that mean each role: the built-in lists plus the operator's, as {@link nameMatchKey}s. */
export interface RoleNames {
	roleOf: (name: string) => MappedSpecialUseRole | null;
	namesOf: (role: MappedSpecialUseRole) => ReadonlySet<string>;
}

export function roleNames(
	extra: Partial<Record<MappedSpecialUseRole, readonly string[]>> = {},
): RoleNames {
	const byRole = new Map<MappedSpecialUseRole, Set<string>>(
		MAPPED_SPECIAL_USE_ROLES.map((role) => [
			role,
			new Set([...LOCALIZED_SPECIAL_FOLDER_NAMES[role], ...(extra[role] ?? [])].map(nameMatchKey)),
		]),
	);
	return {
		roleOf: (name) =>
			MAPPED_SPECIAL_USE_ROLES.find((role) => byRole.get(role)?.has(nameMatchKey(name))) ?? null,
		namesOf: (role) => byRole.get(role) ?? new Set(),
	};
}

/**
 * Gives top-level source folders without a role the role their name means, unless some source folder carries that
 * role as a SPECIAL-USE flag (then the flag is the truth and a same-named folder is just a folder).
 */
export function detectRolesByName(nodes: Iterable<SourceNode>, names: RoleNames): void {
	const all = [...nodes];
	const flaggedRoles = new Set(
		all.filter((node) => node.roleSource === 'flag').map((node) => node.role),
	);
	for (const node of all) {
		if (node.role || !isTopLevel(node.segments)) continue;
		const role = names.roleOf(node.segments[node.segments.length - 1]);
		if (role && !flaggedRoles.has(role)) {
			node.role = role;
			node.roleSource = 'name';
		}
	}
}

/**
 * The target folder for a role: the one flagged for it; else the configured (or default) name if the target has
 * it; else a top-level target folder with a name that means the role; else the configured name, to be created.
 */
export function targetFolderForRole(
	role: MappedSpecialUseRole,
	target: TargetIndex,
	configuredNames: Partial<Record<MappedSpecialUseRole, string>>,
	names: RoleNames,
): string[] {
	const flagged = target.flaggedByRole.get(role);
	if (flagged) return flagged;
	const configured = configuredNames[role] ?? DEFAULT_SPECIAL_FOLDER_NAMES[role];
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
	if (target.keys.has(target.key(conventional))) return conventional;
	for (const name of names.namesOf(role)) {
		const existing = target.topLevelByName.get(name);
		if (existing) return existing;
	}
	return conventional;
}

/** Why a flagged view folder (a role in `skippedRoles`) is left out, or null for any other folder. */
export function virtualFolderReason(
	node: SourceNode,
	skippedRoles: ReadonlySet<SpecialUseRole>,
): string | null {
	if (node.roleSource !== 'flag' || !node.role || !skippedRoles.has(node.role)) return null;
	return `virtual ${SPECIAL_USE_FLAGS[node.role]} folder: its messages are copied from the folders they belong to`;
}
