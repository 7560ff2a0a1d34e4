/**
 * One user's LDAP entry as the node's parameters describe it, checked before anything is sent: the login, where the
 * entry goes (DN template) or is found (search), its object classes and attributes, and the password.
 *
 * Placeholders in the DN, base and filter templates take `{login}` and the (single) value of any attribute of the
 * entry by its name (`uid={uid},ou=people,…`), each escaped there by the LDAP templates, so a roster value can only
 * ever be one RDN value or one assertion value.
 */
import type { Filter } from 'ldapts';

import {
	dnFromTemplate,
	filterFromTemplate,
	templatePlaceholders,
	type TemplateValues,
} from '../../ldap';
import { DEFAULT_PASSWORD_LENGTH, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../password';
import { PASSWORD_HASH_SCHEMES, type PasswordHashScheme } from './passwordHash';

/** What an attribute whose values are all empty means: leave the entry's values alone, or remove the attribute. */
export type EmptyValues = 'leave' | 'remove';

export type PasswordSource =
	{ kind: 'generate'; length: number } | { kind: 'given'; password: string } | { kind: 'none' };

/** A hash computed here (userPassword), or the Password Modify operation (the server hashes by its policy). */
export type PasswordStorage = PasswordHashScheme | 'passwordModify';

export interface LdapEntrySpec {
	login: string;
	/** The DN a new entry gets (and where an existing one is looked for first). */
	dn: string;
	/** Where else an existing entry may be: one match of the filter under the base. */
	search: { base: string; filter: Filter } | null;
	objectClasses: string[];
	/** Attribute → its values, in the order given; [] when the roster gave only empty values. */
	attributes: Record<string, string[]>;
	emptyValues: EmptyValues;
	password: PasswordSource;
	passwordStorage: PasswordStorage;
	/** Set a new password on an existing entry too (otherwise only a new entry gets one). */
	resetPassword: boolean;
}

/** The parameters of one item, as the node reads them (checked here). */
export interface LdapEntryInput {
	login: unknown;
	dnTemplate: unknown;
	objectClasses: unknown;
	attributes: readonly { name?: unknown; value?: unknown }[];
	/** Empty: the entry is looked for at its DN only. */
	searchBase: unknown;
	filterTemplate: unknown;
	emptyValues: unknown;
	passwordSource: unknown;
	password: unknown;
	passwordLength: unknown;
	passwordStorage: unknown;
	resetPassword: unknown;
}

/** A bad parameter of one item: that item fails, the others go on. */
export class LdapEntryInputError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'LdapEntryInputError';
	}
}

/** An attribute description (RFC 4512 section 2.5): a name or OID, with options such as `;lang-de`. */
const ATTRIBUTE_NAME = /^(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)+)(?:;[A-Za-z0-9-]+)*$/;
/** An object class name (RFC 4512 section 1.4 descr) or OID. */
const OBJECT_CLASS = /^(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)+)$/;
/** Set by their own fields, never as attributes: the password is a secret, object classes have their field. */
const OWN_FIELDS = new Map([
	['userpassword', 'set the password with the Password fields, never as an attribute'],
	['objectclass', 'name object classes in Object Classes'],
]);

const STORAGES: readonly PasswordStorage[] = [...PASSWORD_HASH_SCHEMES, 'passwordModify'];

const text = (value: unknown): string =>
	value === undefined || value === null ? '' : String(value);

/** An attribute value from an expression: a list gives several values; empty, null and undefined give none. */
function valuesOf(value: unknown): string[] {
	const list = Array.isArray(value) ? (value as unknown[]) : [value];
	return list.flatMap((item) => {
		if (item === undefined || item === null) return [];
		const value = typeof item === 'object' ? JSON.stringify(item) : String(item);
		return value === '' ? [] : [value];
	});
}

/** Attributes by name (a name given twice adds values; names compare ignoring case, as LDAP's do). */
export function attributesOf(
	entries: readonly { name?: unknown; value?: unknown }[],
): Record<string, string[]> {
	const attributes: Record<string, string[]> = {};
	for (const entry of entries) {
		const name = text(entry.name).trim();
		if (!ATTRIBUTE_NAME.test(name)) {
			throw new LdapEntryInputError(
				`${JSON.stringify(name)} is not an LDAP attribute name (Attributes)`,
			);
		}
		const own = OWN_FIELDS.get(name.toLowerCase());
		if (own) throw new LdapEntryInputError(`Attributes names ${name}: ${own}`);
		const existing = Object.keys(attributes).find(
			(key) => key.toLowerCase() === name.toLowerCase(),
		);
		const list = (attributes[existing ?? name] ??= []);
		for (const value of valuesOf(entry.value)) if (!list.includes(value)) list.push(value);
	}
	return attributes;
}

export function objectClassesOf(value: unknown): string[] {
	const classes = [
		...new Set(
			valuesOf(value)
				.flatMap((item) => item.split(','))
				.map((item) => item.trim())
				.filter((item) => item !== ''),
		),
	];
	if (classes.length === 0) throw new LdapEntryInputError('Object Classes names none');
	for (const name of classes) {
		if (!OBJECT_CLASS.test(name)) {
			throw new LdapEntryInputError(`${JSON.stringify(name)} is not an object class name`);
		}
	}
	return classes;
}

/** `{login}` and every single-valued attribute; a placeholder naming a multi-valued attribute is an error. */
export function placeholderValuesOf(
	login: string,
	attributes: Record<string, string[]>,
	templates: readonly string[],
): TemplateValues {
	const values: Record<string, string> = {};
	for (const [name, list] of Object.entries(attributes)) {
		if (list.length === 1) values[name] = list[0];
	}
	// Placeholders name attributes as LDAP does, in any case; `login` is the Login field.
	for (const placeholder of templates.flatMap(templatePlaceholders)) {
		const attribute = Object.keys(attributes).find(
			(name) => name.toLowerCase() === placeholder.toLowerCase(),
		);
		if (placeholder !== 'login' && attribute && attributes[attribute].length > 1) {
			throw new LdapEntryInputError(
				`{${placeholder}} names the attribute ${attribute}, which has ${attributes[attribute].length} values: a template needs one`,
			);
		}
		if (attribute && placeholder !== attribute && attributes[attribute].length === 1) {
			values[placeholder] = attributes[attribute][0];
		}
	}
	values.login = login;
	return values;
}

function passwordSourceOf(input: LdapEntryInput): PasswordSource {
	switch (text(input.passwordSource) || 'generate') {
		case 'none':
			return { kind: 'none' };
		case 'given': {
			const password = text(input.password);
			if (password === '') throw new LdapEntryInputError('Password is empty');
			return { kind: 'given', password };
		}
		case 'generate': {
			const length =
				input.passwordLength === undefined || input.passwordLength === ''
					? DEFAULT_PASSWORD_LENGTH
					: Number(input.passwordLength);
			if (
				!Number.isInteger(length) ||
				length < MIN_PASSWORD_LENGTH ||
				length > MAX_PASSWORD_LENGTH
			) {
				throw new LdapEntryInputError(
					`Password Length must be ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH}, not ${text(input.passwordLength)}`,
				);
			}
			return { kind: 'generate', length };
		}
		default:
			throw new LdapEntryInputError(
				`the password source "${text(input.passwordSource)}" is not known`,
			);
	}
}

export function ldapEntrySpecOf(input: LdapEntryInput): LdapEntrySpec {
	const login = text(input.login).trim();
	if (login === '') throw new LdapEntryInputError('Login is empty');
	const attributes = attributesOf(input.attributes);
	const dnTemplate = text(input.dnTemplate).trim();
	if (dnTemplate === '') throw new LdapEntryInputError('DN Template is empty');
	const searchBase = text(input.searchBase).trim();
	const filterTemplate = text(input.filterTemplate).trim();
	if (searchBase !== '' && filterTemplate === '') {
		throw new LdapEntryInputError('Search Base is set, but Filter Template is empty');
	}
	const values = placeholderValuesOf(login, attributes, [dnTemplate, searchBase, filterTemplate]);
	const storage = (text(input.passwordStorage) || 'ssha') as PasswordStorage;
	if (!STORAGES.includes(storage)) {
		throw new LdapEntryInputError(`the password storage "${storage}" is not known`);
	}
	const emptyValues = text(input.emptyValues) || 'leave';
	if (emptyValues !== 'leave' && emptyValues !== 'remove') {
		throw new LdapEntryInputError(`Empty Values must be "leave" or "remove", not "${emptyValues}"`);
	}
	return {
		login,
		dn: dnFromTemplate(dnTemplate, values),
		search:
			searchBase === ''
				? null
				: {
						base: dnFromTemplate(searchBase, values),
						filter: filterFromTemplate(filterTemplate, values),
					},
		objectClasses: objectClassesOf(input.objectClasses),
		attributes,
		emptyValues,
		password: passwordSourceOf(input),
		passwordStorage: storage,
		resetPassword: input.resetPassword === true,
	};
}
