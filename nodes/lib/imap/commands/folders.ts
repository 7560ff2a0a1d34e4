/**
 * The folder tree: LIST (LIST-EXTENDED, RFC 5258, and SPECIAL-USE, RFC 6154) or LIST plus LSUB, NAMESPACE,
 * CREATE and SUBSCRIBE.
 */
import type { ImapConnection } from '../ImapConnection';
import type { ImapResponse, ImapValue } from '../responseParser';
import { nullableText, strings, text } from '../responseValues';

export interface ListEntry {
	name: string;
	delimiter: string | null;
	attributes: string[];
	specialUse: string | null;
	subscribed: boolean;
}

export interface NamespaceEntry {
	prefix: string;
	delimiter: string | null;
}

export interface Namespaces {
	personal: NamespaceEntry[];
	other: NamespaceEntry[];
	shared: NamespaceEntry[];
}

const SPECIAL_USE = new Set([
	'\\all',
	'\\archive',
	'\\drafts',
	'\\flagged',
	'\\junk',
	'\\sent',
	'\\trash',
	'\\important',
]);

function listEntry(response: ImapResponse, subscribedNames: Set<string> | null): ListEntry {
	const attributes = strings(response.values[0]);
	const name = text(response.values[2]);
	const lower = attributes.map((attribute) => attribute.toLowerCase());
	const specialUse =
		attributes.find((attribute) => SPECIAL_USE.has(attribute.toLowerCase())) ?? null;
	return {
		name,
		delimiter: nullableText(response.values[1]),
		attributes,
		specialUse,
		subscribed: subscribedNames ? subscribedNames.has(name) : lower.includes('\\subscribed'),
	};
}

/**
 * Folders matching `pattern` under `reference`, each with its special use and subscription:
 * LIST-EXTENDED `RETURN (SPECIAL-USE SUBSCRIBED)` when offered, else LIST plus LSUB.
 */
export async function list(
	connection: ImapConnection,
	reference: string,
	pattern: string,
): Promise<ListEntry[]> {
	const isList = (response: ImapResponse) => response.type === 'LIST';
	const args = [connection.mailboxArg(reference), ' ', connection.mailboxArg(pattern)];
	if (connection.has('LIST-EXTENDED')) {
		const returns = connection.has('SPECIAL-USE') ? 'SPECIAL-USE SUBSCRIBED' : 'SUBSCRIBED';
		const result = await connection.command('LIST', ['LIST ', ...args, ` RETURN (${returns})`], {
			claims: isList,
		});
		return result.untagged
			.map((response) => listEntry(response, null))
			.filter((entry) => !entry.attributes.some((a) => a.toLowerCase() === '\\nonexistent'));
	}
	const [all, subscribed] = await Promise.all([
		connection.command('LIST', ['LIST ', ...args], { claims: isList }),
		connection.command('LSUB', ['LSUB ', ...args], {
			claims: (response) => response.type === 'LSUB',
		}),
	]);
	const subscribedNames = new Set(
		subscribed.untagged.map((response) => listEntry(response, null).name),
	);
	return all.untagged.map((response) => listEntry(response, subscribedNames));
}

/** NAMESPACE (RFC 2342), or one personal namespace with the root's delimiter without it. */
export async function namespace(connection: ImapConnection): Promise<Namespaces> {
	if (!connection.has('NAMESPACE')) {
		const root = await connection.command('LIST', ['LIST "" ""'], {
			claims: (response) => response.type === 'LIST',
		});
		const delimiter = nullableText(root.untagged[0]?.values[1]);
		return { personal: [{ prefix: '', delimiter }], other: [], shared: [] };
	}
	const result = await connection.command('NAMESPACE', ['NAMESPACE'], {
		claims: (response) => response.type === 'NAMESPACE',
	});
	const values = result.untagged[0]?.values ?? [];
	const group = (value: ImapValue | undefined): NamespaceEntry[] =>
		Array.isArray(value)
			? value
					.filter((entry): entry is ImapValue[] => Array.isArray(entry))
					.map((entry) => ({ prefix: text(entry[0]), delimiter: nullableText(entry[1]) }))
			: [];
	return { personal: group(values[0]), other: group(values[1]), shared: group(values[2]) };
}

export async function create(connection: ImapConnection, name: string): Promise<void> {
	await connection.command('CREATE', ['CREATE ', connection.mailboxArg(name)]);
}

export async function subscribe(connection: ImapConnection, name: string): Promise<void> {
	await connection.command('SUBSCRIBE', ['SUBSCRIBE ', connection.mailboxArg(name)]);
}
