/**
 * The original header block, kept in PidTagTransportMessageHeaders so nothing of it is lost (Received chain,
 * List-*, Authentication-Results, groups, addresses Graph's recipient fields cannot hold) and Outlook shows it as
 * the message's Internet headers.
 *
 * Not `internetMessageHeaders`: Graph takes only `x-` headers there, at most 5 per message
 * (InvalidInternetMessageHeaderCollection, seen in gnome/evolution-ews and Aspose's release notes), and each distinct
 * custom header name costs a named property from the mailbox's finite quota (learn.microsoft.com, Office add-ins
 * "Get and set internet headers": internet headers are a finite resource on a mailbox).
 */
import { TRANSPORT_MESSAGE_HEADERS, type ExtendedProperty } from './graphProperties';

/** Exchange Online's header limit (learn.microsoft.com "Exchange Online limits", message header size: 256 KB). */
export const HEADER_BLOCK_LIMIT = 256 * 1024;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Bytes before the empty line that ends the headers (all of `raw` when there is none). */
export function headerBlockOf(raw: Buffer): Buffer {
	const crlf = raw.indexOf('\r\n\r\n');
	const lf = raw.indexOf('\n\n');
	const ends = [crlf === -1 ? -1 : crlf + 2, lf === -1 ? -1 : lf + 1].filter((end) => end >= 0);
	return raw.subarray(0, ends.length > 0 ? Math.min(...ends) : raw.length);
}

/** UTF-8 when the bytes are valid UTF-8 (RFC 6532 headers), else Latin-1, which maps every byte to a character. */
function headerText(block: Buffer): string {
	try {
		return utf8.decode(block);
	} catch {
		return block.toString('latin1');
	}
}

/**
 * The property for the header block, or null when there is none, it is over Exchange's limit, or it holds a NUL
 * (MAPI strings end at one; the bytes are kept in the fallback's attached original when it comes to that).
 */
export function transportHeadersProperty(raw: Buffer): ExtendedProperty | null {
	const block = headerBlockOf(raw);
	if (block.length === 0 || block.length > HEADER_BLOCK_LIMIT || block.includes(0)) return null;
	return { id: TRANSPORT_MESSAGE_HEADERS, value: headerText(block) };
}
