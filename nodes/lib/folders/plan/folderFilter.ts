/**
 * The operator's include and exclude patterns: IMAP-style globs (`*` anything, `%` anything but `/`) or regular
 * expressions written `/…/flags`, matched against a source folder's canonical path.
 */
import { INBOX } from './namespace';
import { FolderPlanOptionError } from './types';

export interface CompiledPattern {
	pattern: string;
	matches: (path: string) => boolean;
}

/** Compiles one pattern; `optionName` (`include` or `exclude`) names the option in the error for a bad one. */
export function compilePattern(pattern: string, optionName: string): CompiledPattern {
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

export interface FolderFilter {
	includes: CompiledPattern[];
	excludes: CompiledPattern[];
}

/** Compiles include patterns, then exclude patterns, so the first bad one in that order is reported. */
export function compileFilter(
	include: readonly string[] = [],
	exclude: readonly string[] = [],
): FolderFilter {
	return {
		includes: include.map((pattern) => compilePattern(pattern, 'include')),
		excludes: exclude.map((pattern) => compilePattern(pattern, 'exclude')),
	};
}

/** Why the filter leaves a folder's messages behind, or null when it lets them through. Exclusion wins. */
export function filteredOutReason(filter: FolderFilter, path: string): string | null {
	const excludedBy = filter.excludes.find((pattern) => pattern.matches(path));
	if (excludedBy) return `excluded by pattern '${excludedBy.pattern}'`;
	if (filter.includes.length && !filter.includes.some((pattern) => pattern.matches(path))) {
		return 'matched by no include pattern';
	}
	return null;
}
