/**
 * singleValueExtendedProperties as Exchange treats them (learn.microsoft.com/graph/api/resources/singlevaluelegacyextendedproperty):
 * ids are `{type} {proptag}` for MAPI properties or `{type} {guid} Name {name}` / `{type} {guid} Id {id}` for named ones;
 * values are strings. Exchange resolves property types, tags and GUIDs without regard to case, and its named-property
 * lookup is case-insensitive too, so ids are compared normalised (whitespace collapsed, lower case, tags without leading
 * zeros).
 */
import type { ExtendedProperty, Mailbox, StoredMessage } from './mailboxStore';

/** The comparable form of an extended property id. */
export function normalizePropertyId(id: string): string {
	return id
		.trim()
		.replace(/\s+/g, ' ')
		.toLowerCase()
		.replace(/\b0x0*([0-9a-f]+)\b/g, (_match, hex: string) => `0x${hex}`);
}

export const samePropertyId = (a: string, b: string): boolean =>
	normalizePropertyId(a) === normalizePropertyId(b);

// MAPI tags with meaning for mail import ([MS-OXPROPS]; [MS-OXCMSG] 2.2.1.6 for PidTagMessageFlags).
export const PR_MESSAGE_FLAGS = 'Integer 0x0E07';
export const PR_MESSAGE_DELIVERY_TIME = 'SystemTime 0x0E06';
export const PR_CLIENT_SUBMIT_TIME = 'SystemTime 0x0039';
export const PR_MESSAGE_SIZE_EXTENDED = 'Long 0x0E08';

export const MSGFLAG_READ = 0x1;
export const MSGFLAG_UNSENT = 0x8;
export const MSGFLAG_HASATTACH = 0x10;

/** Properties the store computes from the message rather than keeps as set (their stored copies are ignored). */
const DERIVED = [
	PR_MESSAGE_FLAGS,
	PR_MESSAGE_DELIVERY_TIME,
	PR_CLIENT_SUBMIT_TIME,
	PR_MESSAGE_SIZE_EXTENDED,
];

export const isDerivedProperty = (id: string): boolean =>
	DERIVED.some((derived) => samePropertyId(derived, id));

export function findProperty(
	properties: readonly ExtendedProperty[],
	id: string,
): ExtendedProperty | undefined {
	return properties.find((property) => samePropertyId(property.id, id));
}

/** Sets or replaces a property, keeping the id as the client first spelled it. */
export function setProperty(properties: ExtendedProperty[], property: ExtendedProperty): void {
	const existing = findProperty(properties, property.id);
	if (existing) existing.value = property.value;
	else properties.push({ id: property.id, value: property.value });
}

export function messageSize(message: StoredMessage): number {
	return (
		Buffer.byteLength(message.body.content) +
		Buffer.byteLength(message.subject) +
		message.attachments.reduce((total, attachment) => total + attachment.size, 0)
	);
}

/** True when `extraBytes` more would make the message larger than its mailbox takes. */
export function overMessageSize(
	message: StoredMessage,
	extraBytes: number,
	mailbox: Mailbox,
): boolean {
	return messageSize(message) + extraBytes > mailbox.maxMessageBytes;
}

/**
 * A message's extended properties as Exchange answers them: the client's own, plus the MAPI properties the store keeps
 * in step with the message (read and unsent bits of PR_MESSAGE_FLAGS, the two dates, the size).
 */
export function propertiesOf(message: StoredMessage): ExtendedProperty[] {
	const own = message.extendedProperties.filter((property) => !isDerivedProperty(property.id));
	const flags =
		(message.isRead ? MSGFLAG_READ : 0) |
		(message.isDraft ? MSGFLAG_UNSENT : 0) |
		(message.attachments.length > 0 ? MSGFLAG_HASATTACH : 0);
	return [
		...own,
		{ id: PR_MESSAGE_FLAGS, value: String(flags) },
		{ id: PR_MESSAGE_DELIVERY_TIME, value: message.receivedDateTime },
		{ id: PR_CLIENT_SUBMIT_TIME, value: message.sentDateTime },
		{ id: PR_MESSAGE_SIZE_EXTENDED, value: String(messageSize(message)) },
	];
}

/** Parses the `singleValueExtendedProperties` of a request body; undefined when it is not a list of {id, value}. */
export function parseProperties(value: unknown): ExtendedProperty[] | undefined {
	if (value === undefined) return [];
	if (!Array.isArray(value)) return undefined;
	const properties: ExtendedProperty[] = [];
	for (const entry of value) {
		if (
			typeof entry !== 'object' ||
			entry === null ||
			typeof (entry as ExtendedProperty).id !== 'string' ||
			typeof (entry as ExtendedProperty).value !== 'string'
		)
			return undefined;
		properties.push({
			id: (entry as ExtendedProperty).id,
			value: (entry as ExtendedProperty).value,
		});
	}
	return properties;
}
