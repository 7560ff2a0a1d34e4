/**
 * What an existing entry lacks against its spec, as LDAP changes and as the outcome's `changes`. An attribute the
 * spec names holds exactly the spec's values afterwards (values compare as exact strings, order and repeats aside, as
 * for routing); attributes it does not name are left alone; object classes are only ever added (removing one could
 * orphan attributes other software set), compared ignoring case as LDAP names are.
 */
import { attributeValues, type LdapChange, type LdapEntry } from '../../ldap';
import { differences, ldapChangesOf, valuesOf } from '../../routing/routingChanges';
import type { FieldChange } from '../types';
import type { LdapEntrySpec } from './entrySpec';

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
	const wanted = Object.fromEntries(
		Object.entries(spec.attributes).filter(
			([, values]) => values.length > 0 || spec.emptyValues === 'remove',
		),
	);
	const found = differences(valuesOf(entry, Object.keys(wanted)), wanted);
	ldapChanges.push(...ldapChangesOf(found));
	changes.push(
		...found.map((change) => fieldChangeOf(change.attribute, change.before, change.after)),
	);
	return { ldapChanges, changes };
}
