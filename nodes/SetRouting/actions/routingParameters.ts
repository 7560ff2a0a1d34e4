/**
 * The node's parameters of one item → the library's routing subject: who, which entry (DN or filter built by the
 * LDAP templates, every value escaped there), which attributes and values. Plain values in, so it is tested alone.
 */
import { dnFromTemplate, filterFromTemplate, type EntryLocator } from '../../lib/ldap';
import type { RoutingValues } from '../../lib/ledger';
import type { RoutingSubject } from '../../lib/routing/setRouting';

export interface NamedValue {
	name?: unknown;
	value?: unknown;
}

export interface RoutingParameters {
	migrationId: string;
	user: unknown;
	wave: unknown;
	entryLookup: unknown;
	dnTemplate: unknown;
	baseDn: unknown;
	filterTemplate: unknown;
	templateValues: readonly NamedValue[];
	routingAttributes: readonly NamedValue[];
}

export class RoutingParameterError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'RoutingParameterError';
	}
}

/** An attribute description (RFC 4512): a name or OID, with options such as `;lang-de`. */
const ATTRIBUTE_NAME = /^(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)+)(?:;[A-Za-z0-9-]+)*$/;

const text = (value: unknown): string =>
	value === undefined || value === null ? '' : String(value);

export function userOf(value: unknown): string {
	const user = text(value).trim();
	if (user === '') throw new RoutingParameterError('User is empty');
	return user;
}

/** Routing attributes by name; a name given twice holds several values, and empty values add none. */
export function routingValuesOf(entries: readonly NamedValue[]): RoutingValues {
	const values: RoutingValues = {};
	for (const entry of entries) {
		const name = text(entry.name).trim();
		if (!ATTRIBUTE_NAME.test(name)) {
			throw new RoutingParameterError(
				`${JSON.stringify(name)} is not an LDAP attribute name (Routing Attributes)`,
			);
		}
		const existing = Object.keys(values).find((key) => key.toLowerCase() === name.toLowerCase());
		const list = (values[existing ?? name] ??= []);
		const value = text(entry.value);
		if (value !== '' && !list.includes(value)) list.push(value);
	}
	if (Object.keys(values).length === 0) {
		throw new RoutingParameterError('Routing Attributes names no attribute');
	}
	return values;
}

/** Template Values plus `user`; a placeholder named twice is refused rather than one silently winning. */
export function templateValuesOf(
	user: string,
	entries: readonly NamedValue[],
): Record<string, string> {
	const values: Record<string, string> = { user };
	for (const entry of entries) {
		const name = text(entry.name).trim();
		if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(name)) {
			throw new RoutingParameterError(
				`${JSON.stringify(name)} is not a placeholder name (Template Values: letters, digits, _ . -)`,
			);
		}
		if (Object.hasOwn(values, name)) {
			throw new RoutingParameterError(`Template Values set {{${name}}} twice`);
		}
		values[name] = text(entry.value);
	}
	return values;
}

export function locatorOf(
	parameters: RoutingParameters,
	values: Record<string, string>,
): EntryLocator {
	if (parameters.entryLookup === 'dn')
		return { dn: dnFromTemplate(text(parameters.dnTemplate), values) };
	const base = text(parameters.baseDn).trim();
	if (base === '') throw new RoutingParameterError('Base DN is empty');
	return {
		base: dnFromTemplate(base, values),
		filter: filterFromTemplate(text(parameters.filterTemplate), values),
	};
}

export function routingSubjectOf(parameters: RoutingParameters): RoutingSubject {
	const user = userOf(parameters.user);
	return {
		migrationId: parameters.migrationId,
		user,
		wave: text(parameters.wave).trim() || null,
		locator: locatorOf(parameters, templateValuesOf(user, parameters.templateValues)),
		attributes: routingValuesOf(parameters.routingAttributes),
	};
}
