/**
 * Messages Graph cannot hold faithfully as a rebuilt item: signed and encrypted ones (a rebuilt item has no bytes
 * left to verify or decrypt) and ones whose MIME structure is broken (mailparser then silently drops content, e.g.
 * every part of a multipart without its boundary). They become an ordinary (non-draft unless \Draft) message with
 * the same headers, dates, flags and source key, which carries the original byte for byte as an attached .eml:
 * nothing is lost, a signature still verifies from the attachment, and an encrypted message still decrypts.
 */
import type { ParsedMail } from 'mailparser';

import { MimeStructureError, parseMimeTree, walkParts, type MimePart } from '../mime/mimeTree';
import type { GraphItemBody } from './graphBody';
import type { GraphAttachment } from './graphAttachments';

export type FallbackReason =
	| 'smime-signed'
	| 'smime-opaque-signed'
	| 'smime-encrypted'
	| 'pgp-signed'
	| 'pgp-encrypted'
	| 'unparsable'
	| 'body-too-large';

export const ORIGINAL_ATTACHMENT_NAME = 'original-message.eml';

const PKCS7_SIGNATURE = new Set(['application/pkcs7-signature', 'application/x-pkcs7-signature']);
const PKCS7_MIME = new Set(['application/pkcs7-mime', 'application/x-pkcs7-mime']);

function signedOrEncrypted(top: MimePart): FallbackReason | null {
	const type = top.contentType.value;
	const protocol = (top.contentType.params.get('protocol') ?? '').toLowerCase();
	if (type === 'multipart/signed') {
		if (PKCS7_SIGNATURE.has(protocol)) return 'smime-signed';
		if (protocol === 'application/pgp-signature') return 'pgp-signed';
	}
	if (type === 'multipart/encrypted' && protocol === 'application/pgp-encrypted') {
		return 'pgp-encrypted';
	}
	if (PKCS7_MIME.has(type)) {
		// RFC 8551 3.2.2: smime-type names what is inside; enveloped data is the usual and the default reading.
		const smimeType = (top.contentType.params.get('smime-type') ?? '').toLowerCase();
		return smimeType === 'signed-data' ? 'smime-opaque-signed' : 'smime-encrypted';
	}
	return null;
}

/** A multipart none of whose delimiters is found although it has content: its parts would vanish unnoticed. */
function hasLostParts(top: MimePart, raw: Buffer): boolean {
	for (const part of walkParts(top)) {
		if (!part.children || part.children.length > 0) continue;
		if (raw.toString('latin1', part.bodyStart, part.end).trim().length > 0) return true;
	}
	return false;
}

/** Bytes that are not a message at all: no header field in the header block (RFC 5322 2.2 field names). */
function hasNoHeaderField(top: MimePart, raw: Buffer): boolean {
	return top.headers.length === 0 && raw.length > 0 && /\S/.test(raw.toString('latin1'));
}

/** Why the message has to be carried whole, judged from its structure, or null when it can be rebuilt. */
export function structuralFallback(raw: Buffer): FallbackReason | null {
	let top: MimePart;
	try {
		top = parseMimeTree(raw);
	} catch (error) {
		if (error instanceof MimeStructureError) return 'unparsable';
		throw error;
	}
	if (hasNoHeaderField(top, raw) || hasLostParts(top, raw)) return 'unparsable';
	return signedOrEncrypted(top);
}

const DESCRIPTIONS: Record<FallbackReason, string> = {
	'smime-signed': 'it is signed with S/MIME',
	'smime-opaque-signed': 'it is signed with S/MIME',
	'smime-encrypted': 'it is encrypted with S/MIME',
	'pgp-signed': 'it is signed with PGP/MIME',
	'pgp-encrypted': 'it is encrypted with PGP/MIME',
	unparsable: 'its MIME structure is damaged',
	'body-too-large': 'its body is larger than a Microsoft Graph request may be',
};

/** What the report says was done. */
export function fallbackPath(reason: FallbackReason): string {
	return `created as a message with the original headers, dates and flags, carrying the original message unchanged as the attachment ${ORIGINAL_ATTACHMENT_NAME}, because ${DESCRIPTIONS[reason]}`;
}

/** The readable body is kept for signed messages whose content mailparser could read; others get a notice. */
export function fallbackBody(
	reason: FallbackReason,
	mail: ParsedMail | null,
): GraphItemBody | null {
	if (!mail || !(reason === 'smime-signed' || reason === 'pgp-signed')) return null;
	if (typeof mail.html === 'string' && mail.html.length > 0) {
		return { contentType: 'html', content: mail.html };
	}
	return mail.text ? { contentType: 'text', content: mail.text } : null;
}

export function fallbackNotice(reason: FallbackReason): GraphItemBody {
	return {
		contentType: 'text',
		content:
			`This message could not be rebuilt part by part in Microsoft 365 because ${DESCRIPTIONS[reason]}. ` +
			`The original message is attached unchanged as ${ORIGINAL_ATTACHMENT_NAME}: open it to read it.`,
	};
}

export function originalAttachment(raw: Buffer): GraphAttachment {
	return {
		name: ORIGINAL_ATTACHMENT_NAME,
		contentType: 'message/rfc822',
		size: raw.length,
		isInline: false,
		contentId: null,
		content: raw,
	};
}
