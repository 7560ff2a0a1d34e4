/**
 * One spelling of a folder path that does not depend on any server: decoded Unicode segments joined with `/`,
 * relative to the personal namespace (so Courier's `INBOX.Sent` and Dovecot's `Sent` are both `Sent`; INBOX is
 * always `INBOX`). A `/` or `\` inside a segment is escaped as `\/` or `\\`, so the mapping is reversible and
 * `a/b` as one folder name (`a\/b`) never reads as folder `b` inside `a`. Ledger keys, include/exclude patterns
 * and rename rules all use this form.
 */

export const CANONICAL_SEPARATOR = '/';

/** Joins decoded segments into a canonical path. A folder always has at least one segment. */
export function canonicalPath(segments: readonly string[]): string {
	if (segments.length === 0) throw new Error('a folder path needs at least one segment');
	return segments.map((segment) => segment.replace(/[\\/]/g, (char) => `\\${char}`)).join('/');
}

/** The inverse of {@link canonicalPath}. Throws on an escape other than `\/` or `\\`, or a trailing `\`. */
export function parseCanonicalPath(path: string): string[] {
	const segments: string[] = [];
	let current = '';
	for (let index = 0; index < path.length; index++) {
		const char = path[index];
		if (char === '/') {
			segments.push(current);
			current = '';
		} else if (char === '\\') {
			const escaped = path[index + 1];
			if (escaped !== '/' && escaped !== '\\') {
				throw new Error(
					`canonical folder path ${JSON.stringify(path)} has a stray '\\' at offset ${index} (write '\\\\' for a backslash, '\\/' for a slash inside a name)`,
				);
			}
			current += escaped;
			index++;
		} else {
			current += char;
		}
	}
	segments.push(current);
	return segments;
}

/**
 * A canonical path as people read it in reports and logs: its names joined with `/`, nothing escaped (a `\` in a
 * name shows once). Not reversible when a name holds a `/`; keys and patterns keep the canonical form.
 */
export function displayPath(path: string): string {
	return path.includes('\\') ? parseCanonicalPath(path).join(CANONICAL_SEPARATOR) : path;
}
