/** LDIF (RFC 2849) as the harness writes it for ldapadd/ldapmodify and reads it back from `ldapsearch -LLL`. */

export interface LdapEntry {
	dn: string;
	/** Attribute names as the server spells them; every value as a string (binary values decoded as UTF-8). */
	attributes: Record<string, string[]>;
}

/** Attribute values in the order written; a string is one value. */
export type LdifAttributes = Record<string, string | string[]>;

// RFC 2849 SAFE-STRING: no NUL, CR, LF; not starting with space, ':' or '<'; and we keep non-ASCII in base64 too.
const SAFE_STRING = /^(?![ :<])[\x01-\x09\x0b\x0c\x0e-\x7f]*$/;

/** One `name: value` line, or `name:: base64` where the value is not a safe string (or ends in a space). */
export function ldifLine(name: string, value: string): string {
	return SAFE_STRING.test(value) && !value.endsWith(' ')
		? `${name}: ${value}`
		: `${name}:: ${Buffer.from(value, 'utf8').toString('base64')}`;
}

/** An entry record for ldapadd. */
export function entryLdif(dn: string, attributes: LdifAttributes): string {
	const lines = [ldifLine('dn', dn)];
	for (const [name, values] of Object.entries(attributes)) {
		for (const value of Array.isArray(values) ? values : [values])
			lines.push(ldifLine(name, value));
	}
	return `${lines.join('\n')}\n`;
}

/** A change record replacing the given attributes (an empty list deletes the attribute), for ldapmodify. */
export function replaceLdif(dn: string, attributes: LdifAttributes): string {
	const parts = Object.entries(attributes).map(([name, values]) =>
		[
			`replace: ${name}`,
			...(Array.isArray(values) ? values : [values]).map((value) => ldifLine(name, value)),
			'-',
		].join('\n'),
	);
	return `${ldifLine('dn', dn)}\nchangetype: modify\n${parts.join('\n')}\n`;
}

export function deleteLdif(dn: string): string {
	return `${ldifLine('dn', dn)}\nchangetype: delete\n`;
}

/** Parses `ldapsearch -LLL` output: records separated by blank lines, folded lines, `::` base64 values. */
export function parseLdif(text: string): LdapEntry[] {
	const entries: LdapEntry[] = [];
	for (const record of text.replace(/\r\n/g, '\n').split(/\n{2,}/)) {
		// A line starting with one space continues the previous one; '#' lines are comments.
		const lines = record
			.replace(/\n /g, '')
			.split('\n')
			.filter((line) => line !== '' && !line.startsWith('#'));
		if (lines.length === 0) continue;
		let entry: LdapEntry | null = null;
		for (const line of lines) {
			const colon = line.indexOf(':');
			if (colon <= 0) throw new Error(`not an LDIF line: ${JSON.stringify(line)}`);
			const name = line.slice(0, colon);
			const value =
				line[colon + 1] === ':'
					? Buffer.from(line.slice(colon + 2).trim(), 'base64').toString('utf8')
					: line.slice(colon + 1).replace(/^ /, '');
			if (entry === null) {
				if (name.toLowerCase() !== 'dn')
					throw new Error(`an LDIF record must start with dn: ${line}`);
				entry = { dn: value, attributes: {} };
				continue;
			}
			(entry.attributes[name] ??= []).push(value);
		}
		if (entry !== null) entries.push(entry);
	}
	return entries;
}
