/**
 * MAPI properties set through Graph's `singleValueExtendedProperties` when a message is created. Graph documents the
 * id syntax ("{type} {proptag}" and "{type} {guid} Name {name}", learn.microsoft.com/graph/api/resources/
 * singlevaluelegacyextendedproperty); which tags make a created message a non-draft with its original dates is not
 * documented by Microsoft and comes from public migration code (see /work/shared/notes/microsoft-ldap-queue-facts.md).
 */

export interface ExtendedProperty {
	id: string;
	value: string;
}

/** PidTagMessageFlags (MS-OXCMSG 2.2.1.6): settable only before the first save, so only at creation. */
export const MESSAGE_FLAGS = 'Integer 0x0E07';
/** PidTagMessageDeliveryTime: Graph's receivedDateTime. */
export const MESSAGE_DELIVERY_TIME = 'SystemTime 0x0E06';
/** PidTagClientSubmitTime: Graph's sentDateTime. */
export const CLIENT_SUBMIT_TIME = 'SystemTime 0x0039';
/** PidTagTransportMessageHeaders: the header block Outlook shows as "Internet headers". */
export const TRANSPORT_MESSAGE_HEADERS = 'String 0x007D';
/** PidTagIconIndex (MS-OXOMSG 2.2.1.10): the replied/forwarded icon in the message list. */
export const ICON_INDEX = 'Integer 0x1080';
/** PidTagLastVerbExecuted (MS-OXOMSG 2.2.1.29): what Exchange's own IMAP reads \Answered and $Forwarded from. */
export const LAST_VERB_EXECUTED = 'Integer 0x1081';

/** The hidden source key of issue 12: the ledger's fingerprint of the source bytes, found again by `$filter`. */
export const SOURCE_KEY_PROPERTY_ID =
	'String {e5a4b1c2-5d3f-4b8e-9a6c-2f7d1e0b3a91} Name MailboxMigrationSourceKey';

/** mfRead; mfUnsent (0x08) is what makes an item a draft (MS-OXCMSG 2.2.1.6). */
export const MSGFLAG_READ = 0x01;
export const MSGFLAG_UNSENT = 0x08;

/** PidTagIconIndex values (MS-OXOMSG 2.2.1.10). */
export const ICON_REPLIED = 0x105;
export const ICON_FORWARDED = 0x106;
/** PidTagLastVerbExecuted values NOTEIVERB_REPLYTOSENDER and NOTEIVERB_FORWARD (MS-OXOMSG 2.2.1.29). */
export const VERB_REPLY_TO_SENDER = 102;
export const VERB_FORWARD = 104;

/** A SystemTime value: ISO 8601 in UTC to the second, as Graph returns them. */
export function systemTime(epochMs: number): string {
	return new Date(Math.floor(epochMs / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** The `$filter` that finds the message carrying `sourceKey` (OData string literals double their quotes). */
export function sourceKeyFilter(sourceKey: string): string {
	const literal = (value: string) => `'${value.replace(/'/g, "''")}'`;
	return `singleValueExtendedProperties/Any(ep: ep/id eq ${literal(SOURCE_KEY_PROPERTY_ID)} and ep/value eq ${literal(sourceKey)})`;
}
