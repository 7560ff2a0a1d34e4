/** Readers for the values of a parsed response (responseParser.ts): atoms, strings and literals as JS values. */
import type { ImapValue } from './responseParser';

/** A string, a literal (as UTF-8) or '' for NIL and lists. */
export function text(value: ImapValue | undefined): string {
	if (value === null || value === undefined) return '';
	if (Buffer.isBuffer(value)) return value.toString('utf8');
	if (Array.isArray(value)) return '';
	return value;
}

export function nullableText(value: ImapValue | undefined): string | null {
	return value === null || value === undefined ? null : text(value);
}

/** A parenthesised list as strings (flags, attributes); [] when the value is no list. */
export function strings(value: ImapValue | undefined): string[] {
	return Array.isArray(value) ? value.map((item) => text(item)) : [];
}

/** A literal as it came, a quoted string as UTF-8 bytes; undefined for NIL and lists. */
export function bytes(value: ImapValue | undefined): Buffer | undefined {
	if (value === null || value === undefined || Array.isArray(value)) return undefined;
	return Buffer.isBuffer(value) ? value : Buffer.from(value, 'utf8');
}
