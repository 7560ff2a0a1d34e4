/**
 * What an existing entry lacks against its spec, as LDAP changes and as the outcome's `changes`. An attribute the
 * spec names holds the spec's values afterwards (order and repeats aside); attributes it does not name are left
 * alone; object classes are only ever added (removing one could orphan attributes other software set), compared
 * ignoring case as LDAP names are.
 *
 * Values compare as the directory's equality matching rule does, for the attributes in CASE_IGNORING_ATTRIBUTES
 * (their schema's caseIgnoreMatch or caseIgnoreIA5Match: `Alice` and `alice` are one value, and no change); all others
 * compare as exact strings. An attribute of the entry's RDN (its naming attribute, `uid` of `uid=alice,…`) keeps the
 * RDN's value whatever the spec says: the directory refuses to remove it (namingViolation), so the spec's values are
 * added beside it and only other values removed; moving the entry is a decision for a person.
 */
import { attributeValues, type LdapChange, type LdapEntry } from '../../ldap';
import { valuesOf } from '../../routing/routingChanges';
import type { FieldChange } from '../types';
import type { LdapEntrySpec } from './entrySpec';

/**
 * Attributes whose equality matching ignores case, in the schemas the directories this node targets ship: core.schema
 * (cn, sn, ou, o, l, st, street, title, description, dc: caseIgnoreMatch / caseIgnoreIA5Match), cosine.schema (uid),
 * inetorgperson.schema (givenName, displayName, initials), core.schema's mail (caseIgnoreIA5Match) and misc.schema's
 * inetLocalMailRecipient (mailLocalAddress, mailHost, mailRoutingAddress: caseIgnoreIA5Match). Lower case.
 */
export const CASE_IGNORING_ATTRIBUTES: ReadonlySet<string> = new Set([
	'cn',
	'commonname',
	'sn',
	'surname',
	'givenname',
	'gn',
	'displayname',
	'initials',
	'ou',
	'o',
	'l',
	'st',
	'street',
	'title',
	'description',
	'dc',
	'uid',
	'userid',
	'mail',
	'rfc822mailbox',
	'maillocaladdress',
	'mailhost',
	'mailroutingaddress',
]);

export interface EntryCorrection {
	/** One modify request's changes, in this order: object classes first, so new attributes are allowed. */
	ldapChanges: LdapChange[];
	changes: FieldChange[];
}

/** Values as a change reports them: null for none, the value for one, all of them in `…Values` for several. */
export function fieldChangeOf(field: string, before: string[], after: string[]): FieldChange {
	const join = (values: string[]) => (values.length === 0 ? null : values.join(', '));
	return {
		field,
		before: join(before),
		after: join(after),
		...(before.length > 1 || after.length > 1 ? { beforeValues: before, afterValues: after } : {}),
	};
}

/** The attributes the spec sets, as a new entry gets them (object classes first; empty attributes left out). */
export function newEntryAttributes(spec: LdapEntrySpec): Record<string, string[]> {
	const attributes: Record<string, string[]> = { objectClass: spec.objectClasses };
	for (const [name, values] of Object.entries(spec.attributes)) {
		if (values.length > 0) attributes[name] = values;
	}
	return attributes;
}

/** The attribute names to read an existing entry with (never userPassword: a password is never read back). */
export function attributesToRead(spec: LdapEntrySpec): string[] {
	return ['objectClass', 'entryUUID', ...Object.keys(spec.attributes)];
}

/** The attribute/value pairs of a DN's first RDN (RFC 4514: `+` joins several, a backslash escapes a character or starts a hex byte). */
export function rdnOf(dn: string): { attribute: string; value: string }[] {
	const pairs: { attribute: string; value: string }[] = [];
	let attribute = '';
	let bytes: number[] = [];
	let inValue = false;
	const text = Buffer.from(dn, 'utf8');
	for (let index = 0; index < text.length; index++) {
		const byte = text[index];
		const char = String.fromCharCode(byte);
		if (!inValue) {
			if (char === '=') inValue = true;
			else attribute += char;
			continue;
		}
		if (char === '\\' && index + 1 < text.length) {
			const hex = text.subarray(index + 1, index + 3).toString('latin1');
			if (/^[0-9a-fA-F]{2}$/.test(hex)) {
				bytes.push(parseInt(hex, 16));
				index += 2;
			} else {
				bytes.push(text[index + 1]);
				index += 1;
			}
			continue;
		}
		if (char === ',' || char === '+') {
			pairs.push({ attribute: attribute.trim(), value: Buffer.from(bytes).toString('utf8') });
			if (char === ',') return pairs;
			attribute = '';
			bytes = [];
			inValue = false;
			continue;
		}
		bytes.push(byte);
	}
	if (inValue)
		pairs.push({ attribute: attribute.trim(), value: Buffer.from(bytes).toString('utf8') });
	return pairs;
}

/** How the directory tells two values of the attribute apart (see CASE_IGNORING_ATTRIBUTES). */
function equalityOf(attribute: string): (value: string) => string {
	return CASE_IGNORING_ATTRIBUTES.has(attribute.toLowerCase())
		? (value) => value.toLowerCase()
		: (value) => value;
}

/** One attribute brought to `wanted`: replaced, removed, or value by value where the RDN's value must stay. */
function attributeCorrection(
	attribute: string,
	before: string[],
	wanted: string[],
	rdnValue: string | undefined,
): { ldapChanges: LdapChange[]; after: string[] } | null {
	const same = equalityOf(attribute);
	const has = (values: string[], value: string) =>
		values.some((candidate) => same(candidate) === same(value));
	const wantedOnce = wanted.filter(
		(value, index) => wanted.findIndex((other) => same(other) === same(value)) === index,
	);
	const missing = wantedOnce.filter((value) => !has(before, value));
	const extra = before.filter((value) => !has(wantedOnce, value));
	if (missing.length === 0 && extra.length === 0) return null;
	if (rdnValue === undefined) {
		return {
			ldapChanges: [
				wantedOnce.length === 0
					? { operation: 'delete', attribute, values: [] }
					: { operation: 'replace', attribute, values: wantedOnce },
			],
			after: wantedOnce,
		};
	}
	const removed = extra.filter((value) => same(value) !== same(rdnValue));
	if (missing.length === 0 && removed.length === 0) return null;
	const ldapChanges: LdapChange[] = [];
	if (removed.length > 0) ldapChanges.push({ operation: 'delete', attribute, values: removed });
	if (missing.length > 0) ldapChanges.push({ operation: 'add', attribute, values: missing });
	return {
		ldapChanges,
		after: [...before.filter((value) => !removed.includes(value)), ...missing],
	};
}

export function correctionOf(entry: LdapEntry, spec: LdapEntrySpec): EntryCorrection {
	const ldapChanges: LdapChange[] = [];
	const changes: FieldChange[] = [];
	const classes = attributeValues(entry, 'objectClass');
	const known = new Set(classes.map((name) => name.toLowerCase()));
	const missing = spec.objectClasses.filter((name) => !known.has(name.toLowerCase()));
	if (missing.length > 0) {
		ldapChanges.push({ operation: 'add', attribute: 'objectClass', values: missing });
		changes.push(fieldChangeOf('objectClass', classes, [...classes, ...missing]));
	}
	const wanted = Object.entries(spec.attributes).filter(
		([, values]) => values.length > 0 || spec.emptyValues === 'remove',
	);
	const current = valuesOf(
		entry,
		wanted.map(([name]) => name),
	);
	const rdn = rdnOf(entry.dn);
	for (const [attribute, values] of wanted) {
		const naming = rdn.find((pair) => pair.attribute.toLowerCase() === attribute.toLowerCase());
		const before = current[attribute] ?? [];
		const correction = attributeCorrection(attribute, before, values, naming?.value);
		if (!correction) continue;
		ldapChanges.push(...correction.ldapChanges);
		changes.push(fieldChangeOf(attribute, before, correction.after));
	}
	return { ldapChanges, changes };
}
