/**
 * Routing attribute values compared and turned into LDAP changes. LDAP attributes are sets of values, so order and
 * repeats do not count; values compare exactly as strings (what Postfix's ldap_table hands on is the stored value).
 */
import type { LdapChange, LdapEntry } from '../ldap';
import { attributeValues } from '../ldap';
import type { RoutingValues } from '../ledger/routingSnapshots';

export interface AttributeChange {
	attribute: string;
	/** [] means absent. */
	before: string[];
	after: string[];
}

function sameValues(a: readonly string[], b: readonly string[]): boolean {
	const left = new Set(a);
	const right = new Set(b);
	return left.size === right.size && [...left].every((value) => right.has(value));
}

/** The entry's values of these attributes. */
export function valuesOf(entry: LdapEntry, attributes: readonly string[]): RoutingValues {
	return Object.fromEntries(attributes.map((name) => [name, attributeValues(entry, name)]));
}

/** Each attribute of `target` whose values differ from `from`'s, as before → after. */
export function differences(from: RoutingValues, target: RoutingValues): AttributeChange[] {
	return Object.entries(target)
		.filter(([attribute, after]) => !sameValues(from[attribute] ?? [], after))
		.map(([attribute, after]) => ({ attribute, before: from[attribute] ?? [], after }));
}

/** The LDAP modification making those changes: values replaced, or the attribute removed when `after` is []. */
export function ldapChangesOf(changes: readonly AttributeChange[]): LdapChange[] {
	return changes.map(({ attribute, after }) =>
		after.length === 0
			? { operation: 'delete', attribute, values: [] }
			: { operation: 'replace', attribute, values: [...new Set(after)] },
	);
}
