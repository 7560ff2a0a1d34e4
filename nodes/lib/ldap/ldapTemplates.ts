/**
 * DNs and search filters built from templates with values from the roster: the one place where a value meets LDAP
 * syntax. A `{name}` placeholder is replaced by its value escaped for where it stands, so a value can never add an
 * RDN, a filter clause or a wildcard:
 * - in a DN, as an RDN value (RFC 4514 section 2.4) with ldapts' RDN escaping, completed for what it leaves out
 *   (NUL, and leading/trailing spaces, which it quotes the RFC 1779 way instead of escaping);
 * - in a filter, as an assertion value (RFC 4515 section 3) with ldapts' `Filter.escape`, and the result parsed into
 *   ldapts filter objects, so the search sends structure, never a concatenated string.
 * A value holding NUL is refused (see `fill`). The templates themselves come from the node's settings and are
 * trusted; only values are escaped.
 */
import { DN, Filter, FilterParser } from 'ldapts';

export type TemplateValues = Readonly<Record<string, string>>;

export class LdapTemplateError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'LdapTemplateError';
	}
}

// Single braces: n8n's editor takes a parameter that has `{{` typed into it for an expression, which n8n would fill
// with the raw, unescaped value before this code sees it.
const PLACEHOLDER = /\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}/g;

/** The placeholder names of a template, in order of first use. */
export function templatePlaceholders(template: string): string[] {
	return [...new Set([...template.matchAll(PLACEHOLDER)].map((match) => match[1]))];
}

function fill(
	template: string,
	values: TemplateValues,
	what: string,
	escape: (value: string) => string,
): string {
	return template.replace(PLACEHOLDER, (_, name: string) => {
		const value = Object.hasOwn(values, name) ? values[name] : undefined;
		if (value === undefined) {
			const known = Object.keys(values);
			throw new LdapTemplateError(
				`the ${what} template uses {${name}}, which has no value${known.length ? ` (known: ${known.join(', ')})` : ''}`,
			);
		}
		if (value === '') throw new LdapTemplateError(`the value of {${name}} in the ${what} is empty`);
		// No directory string holds U+0000, and slapd cuts an assertion value there (seen: a roster value
		// `alice@example.test` + NUL + anything matched alice's mailLocalAddress), so escaping it is not enough.
		if (value.includes('\0')) {
			throw new LdapTemplateError(
				`the value of {${name}} holds a NUL character (U+0000), which no directory value can; refused, as servers cut values there`,
			);
		}
		return escape(value);
	});
}

/** One value escaped as an RDN value. */
export function escapeDnValue(value: string): string {
	const leading = /^ */.exec(value)?.[0].length ?? 0;
	const trailing = leading === value.length ? 0 : (/ *$/.exec(value)?.[0].length ?? 0);
	const core = value.slice(leading, value.length - trailing);
	// ldapts escapes , \ # + < > ; " = (every '#', the leading one included); the spaces are escaped here instead of
	// quoted, and NUL as \00 (RFC 4514 section 2.4), so any RFC 4514 server reads the value as it was given.
	const escapedCore = core === '' ? '' : new DN({ x: core }).toString().slice(2);
	return `${'\\ '.repeat(leading)}${escapedCore.replace(/\0/g, '\\00')}${'\\ '.repeat(trailing)}`;
}

/** One value escaped as a filter assertion value: * ( ) \ and NUL as \2a \28 \29 \5c \00. */
export function escapeFilterValue(value: string): string {
	return Filter.escape(value);
}

/** `uid={uid},ou=people,dc=example,dc=test` with every value escaped as an RDN value. */
export function dnFromTemplate(pattern: string, values: TemplateValues): string {
	const dn = fill(pattern, values, 'DN', escapeDnValue).trim();
	if (dn === '') throw new LdapTemplateError('the DN template is empty');
	return dn;
}

/**
 * `(&(objectClass=inetOrgPerson)(mail={email}))` with every value escaped as an assertion value, parsed into
 * ldapts filter objects; a template that is not a filter fails here, naming it.
 */
export function filterFromTemplate(template: string, values: TemplateValues): Filter {
	const text = fill(template.trim(), values, 'filter', escapeFilterValue);
	const wrapped = text.startsWith('(') ? text : `(${text})`;
	const invalid = (why: string) =>
		new LdapTemplateError(
			`the filter template ${JSON.stringify(template)} is not a valid LDAP filter: ${why}`,
		);
	// ldapts' parser lets an unclosed or a second top-level filter through; escaped values hold no parentheses, so
	// every one here is the template's own.
	let depth = 0;
	for (const [index, char] of [...wrapped].entries()) {
		if (char === '(') depth++;
		else if (char === ')') depth--;
		if (depth < 0 || (depth === 0 && index < [...wrapped].length - 1)) {
			throw invalid('its parentheses do not enclose one filter');
		}
	}
	if (depth !== 0) throw invalid('a parenthesis is not closed');
	try {
		return FilterParser.parseString(wrapped);
	} catch (error) {
		throw invalid((error as Error).message);
	}
}
