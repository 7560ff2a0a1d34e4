/** The operator's rename rules: regular-expression replacements applied in order to a canonical source path. */
import { parseCanonicalPath } from '../canonicalPath';
import { type FolderRenameRule, FolderPlanOptionError } from './types';

export interface CompiledRule {
	index: number;
	rule: FolderRenameRule;
	regex: RegExp;
}

export function compileRules(rules: readonly FolderRenameRule[]): CompiledRule[] {
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

/** Where the rules send a path that they change, and which rules changed it. */
export interface RuleRename {
	segments: string[];
	reason: string;
}

/**
 * Applies every rule in order, each to the previous one's output. Null when the path comes out as it went in (no
 * rule matched, or later rules undid earlier ones); throws when the rules make an empty or unparsable path.
 */
export function applyRenameRules(rules: readonly CompiledRule[], path: string): RuleRename | null {
	let current = path;
	const applied: string[] = [];
	for (const { index, rule, regex } of rules) {
		const next = current.replace(regex, rule.to);
		if (next !== current) applied.push(`rule ${index + 1}`);
		current = next;
	}
	if (current === path) return null;
	if (!current) {
		throw new FolderPlanOptionError(`rename rules turn ${JSON.stringify(path)} into an empty name`);
	}
	let segments: string[];
	try {
		segments = parseCanonicalPath(current);
	} catch (error) {
		throw new FolderPlanOptionError(
			`rename rules turn ${JSON.stringify(path)} into an invalid path: ${(error as Error).message}`,
		);
	}
	return { segments, reason: `renamed by ${applied.join(', ')} to '${current}'` };
}
