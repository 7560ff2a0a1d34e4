/** The operator's options with their defaults filled in and their patterns and rules compiled, checked once. */
import type { MappedSpecialUseRole, SpecialUseRole } from '../specialUse';
import { compileFilter, type FolderFilter } from './folderFilter';
import { type CompiledRule, compileRules } from './renameRules';
import { type RoleNames, roleNames } from './specialFolders';
import { checkSubstitute } from './targetNames';
import type { FolderPlanOptions, InboxSubfolderPlacement } from './types';

const DEFAULT_SKIPPED_ROLES: readonly SpecialUseRole[] = ['all', 'flagged', 'important'];

/** {@link FolderPlanOptions} as the planning steps use them; each field documents its option there. */
export interface ResolvedPlanOptions {
	automap: boolean;
	detectByName: boolean;
	skippedRoles: ReadonlySet<SpecialUseRole>;
	substitute: string;
	inboxPlacement: InboxSubfolderPlacement;
	caseInsensitive: boolean;
	filter: FolderFilter;
	rules: CompiledRule[];
	roleNames: RoleNames;
	/** Checked when a role needs its target folder, so a bad name for a role nobody has stops nothing. */
	specialFolderNames: Partial<Record<MappedSpecialUseRole, string>>;
}

/** Throws `FolderPlanOptionError` for the first bad pattern, rule or substitute, in that order. */
export function resolveOptions(
	options: FolderPlanOptions,
	targetDelimiter: string | null,
): ResolvedPlanOptions {
	const resolved: ResolvedPlanOptions = {
		automap: options.specialUseAutomap ?? true,
		detectByName: options.detectSpecialUseByName ?? true,
		skippedRoles: new Set(options.skipSpecialUse ?? DEFAULT_SKIPPED_ROLES),
		substitute: options.delimiterSubstitute ?? '_',
		inboxPlacement: options.inboxSubfolders ?? 'auto',
		caseInsensitive: options.targetCaseInsensitive ?? false,
		filter: compileFilter(options.include, options.exclude),
		rules: compileRules(options.renameRules ?? []),
		roleNames: roleNames(options.extraSpecialFolderNames),
		specialFolderNames: options.specialFolderNames ?? {},
	};
	checkSubstitute(resolved.substitute, targetDelimiter);
	return resolved;
}
