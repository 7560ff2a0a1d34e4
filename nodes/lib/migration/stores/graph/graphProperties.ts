/**
 * The named extended properties a migrated message carries in Graph (learn.microsoft.com/graph/api/resources/
 * extended-properties-overview: "String {GUID} Name <name>", filterable with `singleValueExtendedProperties/Any`).
 * - the source key (shared contract of issue 12, set by the converter): the fingerprint of the source message (sha256
 *   of its bytes, as the ledger records it): the crash window and a lost ledger are resolved by it exactly;
 * - the copy id: random per create request, so a create that met a fault is looked up before it is sent again;
 * - the incomplete key: the source key while attachments are still being uploaded; emptied when the copy is complete,
 *   so an interrupted copy is never taken for a complete one and is deleted before the next attempt.
 */
import {
	LAST_VERB_EXECUTED,
	SOURCE_KEY_PROPERTY_ID,
	type ExtendedProperty,
} from '../../../graph/graphProperties';

export { SOURCE_KEY_PROPERTY_ID as SOURCE_KEY_PROPERTY, type ExtendedProperty };

const NAMESPACE = '{e5a4b1c2-5d3f-4b8e-9a6c-2f7d1e0b3a91}';

export const COPY_ID_PROPERTY = `String ${NAMESPACE} Name MailboxMigrationCopyId`;
export const INCOMPLETE_KEY_PROPERTY = `String ${NAMESPACE} Name MailboxMigrationIncompleteKey`;
/** PidTagMessageSize (MS-OXPROPS): the size Exchange stores the message at. */
export const MESSAGE_SIZE_PROPERTY = 'Integer 0x0E08';
export { LAST_VERB_EXECUTED as LAST_VERB_PROPERTY } from '../../../graph/graphProperties';

/** `$filter` for messages whose property `id` has `value`; values are hex or UUIDs, quotes escaped anyway. */
export function propertyFilter(id: string, value: string): string {
	const quoted = (text: string) => `'${text.replace(/'/g, "''")}'`;
	return `singleValueExtendedProperties/Any(ep: ep/id eq ${quoted(id)} and ep/value eq ${quoted(value)})`;
}

/** `$expand` that returns the properties a listing needs with each message. */
export const LISTED_PROPERTIES_EXPAND = `singleValueExtendedProperties($filter=${[
	SOURCE_KEY_PROPERTY_ID,
	MESSAGE_SIZE_PROPERTY,
	LAST_VERB_EXECUTED,
]
	.map((id) => `id eq '${id}'`)
	.join(' or ')})`;

/** The value of property `id` among a message's, compared as Graph does: ids are case-insensitive. */
export function propertyValue(
	properties: readonly ExtendedProperty[] | undefined,
	id: string,
): string | null {
	const wanted = id.toLowerCase();
	return properties?.find((property) => property.id.toLowerCase() === wanted)?.value ?? null;
}
