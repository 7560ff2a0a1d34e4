/**
 * The MIME create path (user-post-messages "Create a message in MIME format": `Content-Type: text/plain`, the MIME
 * base64-encoded in the body). The result is always a draft: the docs offer no non-draft MIME path (docs-contrib issues
 * #2786 and #2790, "it gets flagged as a draft (isDraft=true)").
 */
import { simpleParser, type AddressObject } from 'mailparser';

import type { EmulatorResponse } from '../server';
import { graphErrors } from './graphErrors';
import { newItemId, type StoredMessage } from './mailboxStore';

const recipients = (value: AddressObject | AddressObject[] | undefined): unknown[] =>
	(Array.isArray(value) ? value : value ? [value] : []).flatMap((group) =>
		group.value.map((address) => ({
			emailAddress: { name: address.name, address: address.address ?? '' },
		})),
	);

export async function messageFromMime(
	base64: string,
	folderId: string,
): Promise<StoredMessage | EmulatorResponse> {
	const mime = Buffer.from(base64.trim(), 'base64');
	// Graph answers a body that is not base64 MIME with 400 ErrorMimeContentInvalidBase64String.
	if (mime.length === 0 || !/^[A-Za-z0-9+/=\r\n]+$/.test(base64.trim()))
		return graphErrors.invalidRequest('Invalid base64 string for MIME content.');
	const parsed = await simpleParser(mime);
	const created = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
	const from = recipients(parsed.from)[0] ?? null;
	return {
		id: newItemId(),
		folderId,
		createdDateTime: created,
		lastModifiedDateTime: created,
		receivedDateTime: created,
		sentDateTime: parsed.date ? parsed.date.toISOString().replace(/\.000Z$/, 'Z') : created,
		isDraft: true,
		isRead: true,
		subject: parsed.subject ?? '',
		body: parsed.html
			? { contentType: 'html', content: parsed.html }
			: { contentType: 'text', content: parsed.text ?? '' },
		internetMessageId: parsed.messageId ?? `<${newItemId()}@emulator.outlook.example>`,
		importance: 'normal',
		from,
		sender: from,
		toRecipients: recipients(parsed.to),
		ccRecipients: recipients(parsed.cc),
		bccRecipients: recipients(parsed.bcc),
		replyTo: recipients(parsed.replyTo),
		flag: { flagStatus: 'notFlagged' },
		categories: [],
		internetMessageHeaders: [],
		extendedProperties: [],
		attachments: parsed.attachments.map((attachment) => ({
			id: newItemId(),
			name: attachment.filename ?? 'attachment',
			contentType: attachment.contentType,
			size: attachment.content.length,
			isInline: attachment.contentDisposition === 'inline',
			contentId: attachment.cid ?? null,
			lastModifiedDateTime: created,
			content: attachment.content,
		})),
		mime,
	};
}
