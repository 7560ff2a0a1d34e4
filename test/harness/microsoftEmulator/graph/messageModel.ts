/**
 * Messages as the mail API creates, updates and answers them (learn.microsoft.com/graph/api/resources/message,
 * user-post-messages, message-update).
 *
 * Draft semantics: a message created by POST is a draft (`isDraft: true`; user-post-messages "create a draft of a new
 * message"), unless its `singleValueExtendedProperties` at creation set PidTagMessageFlags (`Integer 0x0E07`) without
 * mfUnsent (0x8): the flags are the client's to set until the first save and read-only after it ([MS-OXCMSG] 2.2.1.6),
 * so Exchange takes them from the creating request. A later PATCH of 0x0E07 is accepted and ignored: the docs are silent
 * on the answer, the MAPI rule says the client cannot change them, and a silent no-op is the stricter test (a client
 * that thinks it un-drafted a message by PATCH is caught by the stored isDraft, not by an error it might retry around).
 * `SystemTime 0x0E06` (PidTagMessageDeliveryTime) gives receivedDateTime and `SystemTime 0x0039`
 * (PidTagClientSubmitTime) sentDateTime.
 */
import crypto from 'node:crypto';

import type { EmulatorResponse } from '../server';
import {
	findProperty,
	MSGFLAG_READ,
	MSGFLAG_UNSENT,
	parseProperties,
	PR_CLIENT_SUBMIT_TIME,
	PR_MESSAGE_DELIVERY_TIME,
	PR_MESSAGE_FLAGS,
	propertiesOf,
	samePropertyId,
	setProperty,
} from './extendedProperties';
import { graphErrors } from './graphErrors';
import { newItemId, type StoredAttachment, type StoredMessage } from './mailboxStore';
import { matchesFilter, type ExpandOption } from './odataQuery';

/** message-post-attachments: "This operation limits the size of the attachment you can add to under 3 MB." */
export const INLINE_ATTACHMENT_LIMIT = 3 * 1024 * 1024;

const now = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

/** A SystemTime value as Graph accepts it (ISO 8601); undefined when absent or malformed. */
function systemTime(properties: readonly { id: string; value: string }[], id: string) {
	const property = findProperty(properties, id);
	if (!property) return undefined;
	const ms = Date.parse(property.value);
	return Number.isNaN(ms) ? null : new Date(ms).toISOString().replace(/\.000Z$/, 'Z');
}

/** A fileAttachment from a request body (message-post-attachments, fileattachment resource). */
export function parseFileAttachment(value: unknown): StoredAttachment | EmulatorResponse {
	const entry = (value ?? {}) as Record<string, unknown>;
	const type = entry['@odata.type'];
	if (type !== '#microsoft.graph.fileAttachment' && type !== 'microsoft.graph.fileAttachment') {
		// itemAttachment and referenceAttachment exist in Graph; the migration never creates them, so we do not emulate them.
		return graphErrors.invalidRequest(
			`The emulator supports only fileAttachment, not ${String(type)}.`,
		);
	}
	if (typeof entry.name !== 'string' || typeof entry.contentBytes !== 'string')
		return graphErrors.invalidRequest('A fileAttachment needs name and contentBytes.');
	const content = Buffer.from(entry.contentBytes, 'base64');
	if (content.length >= INLINE_ATTACHMENT_LIMIT)
		return graphErrors.entityTooLarge('The attachment is larger than 3 MB; use an upload session.');
	return {
		id: newItemId(),
		name: entry.name,
		contentType:
			typeof entry.contentType === 'string' ? entry.contentType : 'application/octet-stream',
		size: content.length,
		isInline: entry.isInline === true,
		contentId: typeof entry.contentId === 'string' ? entry.contentId : null,
		lastModifiedDateTime: now(),
		content,
	};
}

const isResponse = (value: unknown): value is EmulatorResponse =>
	typeof value === 'object' && value !== null && 'status' in value && 'body' in value;

const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

function bodyOf(value: unknown): { contentType: string; content: string } {
	const body = (value ?? {}) as Record<string, unknown>;
	const type = String(body.contentType ?? 'text').toLowerCase();
	return { contentType: type === 'html' ? 'html' : 'text', content: String(body.content ?? '') };
}

function headersOf(value: unknown): { name: string; value: string }[] | EmulatorResponse {
	const headers: { name: string; value: string }[] = [];
	for (const entry of list(value)) {
		const header = entry as { name?: unknown; value?: unknown };
		const name = String(header.name ?? '');
		if (!/^x-/i.test(name)) return graphErrors.invalidHeader(name);
		headers.push({ name, value: String(header.value ?? '') });
	}
	return headers;
}

/** A message from the JSON body of POST …/messages, or the error Graph gives for it. */
export function createMessage(
	body: Record<string, unknown>,
	folderId: string,
): StoredMessage | EmulatorResponse {
	const properties = parseProperties(body.singleValueExtendedProperties);
	if (!properties) return graphErrors.invalidRequest('Invalid singleValueExtendedProperties.');
	const flagsProperty = findProperty(properties, PR_MESSAGE_FLAGS);
	const flags = flagsProperty ? Number.parseInt(flagsProperty.value, 10) : undefined;
	if (flags !== undefined && Number.isNaN(flags))
		return graphErrors.invalidRequest(`Invalid value for ${PR_MESSAGE_FLAGS}.`);
	const received = systemTime(properties, PR_MESSAGE_DELIVERY_TIME);
	const sent = systemTime(properties, PR_CLIENT_SUBMIT_TIME);
	if (received === null || sent === null)
		return graphErrors.invalidRequest('Invalid SystemTime value.');
	const attachments: StoredAttachment[] = [];
	for (const entry of list(body.attachments)) {
		const attachment = parseFileAttachment(entry);
		if (isResponse(attachment)) return attachment;
		attachments.push(attachment);
	}
	const headers = headersOf(body.internetMessageHeaders);
	if (isResponse(headers)) return headers;
	const isDraft = flags === undefined ? true : (flags & MSGFLAG_UNSENT) !== 0;
	const created = now();
	return {
		id: newItemId(),
		folderId,
		createdDateTime: created,
		lastModifiedDateTime: created,
		receivedDateTime: received ?? created,
		sentDateTime: sent ?? created,
		isDraft,
		// An explicit isRead wins; else the read bit of the flags; a new draft is read (Outlook shows drafts read).
		isRead:
			typeof body.isRead === 'boolean'
				? body.isRead
				: flags === undefined
					? true
					: (flags & MSGFLAG_READ) !== 0,
		subject: String(body.subject ?? ''),
		body: bodyOf(body.body),
		internetMessageId:
			typeof body.internetMessageId === 'string'
				? body.internetMessageId
				: `<${crypto.randomUUID()}@emulator.outlook.example>`,
		importance: String(body.importance ?? 'normal').toLowerCase(),
		from: body.from ?? null,
		sender: body.sender ?? body.from ?? null,
		toRecipients: list(body.toRecipients),
		ccRecipients: list(body.ccRecipients),
		bccRecipients: list(body.bccRecipients),
		replyTo: list(body.replyTo),
		flag: {
			flagStatus: 'notFlagged',
			...((body.flag as Record<string, unknown>) ?? {}),
		} as StoredMessage['flag'],
		categories: list(body.categories).map(String),
		internetMessageHeaders: headers,
		extendedProperties: properties,
		attachments,
		mime: null,
	};
}

// message-update: these are "Updatable only if isDraft = true".
const DRAFT_ONLY = [
	'subject',
	'body',
	'from',
	'sender',
	'toRecipients',
	'ccRecipients',
	'bccRecipients',
	'replyTo',
	'internetMessageId',
];
const ALWAYS = ['isRead', 'flag', 'categories', 'importance', 'inferenceClassification'];

/** Applies a PATCH body; an error response when it may not be applied. */
export function patchMessage(
	message: StoredMessage,
	body: Record<string, unknown>,
): EmulatorResponse | undefined {
	const properties = parseProperties(body.singleValueExtendedProperties);
	if (!properties) return graphErrors.invalidRequest('Invalid singleValueExtendedProperties.');
	for (const key of Object.keys(body)) {
		if (key === 'singleValueExtendedProperties' || key.startsWith('@odata')) continue;
		if (DRAFT_ONLY.includes(key)) {
			if (!message.isDraft) return graphErrors.notDraft();
		} else if (!ALWAYS.includes(key)) {
			return graphErrors.badRequest(`Property '${key}' is read-only or unknown.`);
		}
	}
	if (typeof body.isRead === 'boolean') message.isRead = body.isRead;
	if (body.flag !== undefined)
		message.flag = {
			flagStatus: 'notFlagged',
			...(body.flag as Record<string, unknown>),
		} as StoredMessage['flag'];
	if (body.categories !== undefined) message.categories = list(body.categories).map(String);
	if (typeof body.importance === 'string') message.importance = body.importance.toLowerCase();
	if (body.subject !== undefined) message.subject = String(body.subject);
	if (body.body !== undefined) message.body = bodyOf(body.body);
	for (const key of ['from', 'sender'] as const)
		if (body[key] !== undefined) message[key] = body[key];
	for (const key of ['toRecipients', 'ccRecipients', 'bccRecipients', 'replyTo'] as const)
		if (body[key] !== undefined) message[key] = list(body[key]);
	if (typeof body.internetMessageId === 'string')
		message.internetMessageId = body.internetMessageId;
	for (const property of properties) {
		// PidTagMessageFlags is read-only after the first save: ignored (see the file comment).
		if (samePropertyId(property.id, PR_MESSAGE_FLAGS)) continue;
		if (samePropertyId(property.id, PR_MESSAGE_DELIVERY_TIME)) {
			const received = systemTime([property], PR_MESSAGE_DELIVERY_TIME);
			if (!received) return graphErrors.invalidRequest('Invalid SystemTime value.');
			message.receivedDateTime = received;
		} else if (samePropertyId(property.id, PR_CLIENT_SUBMIT_TIME)) {
			const sent = systemTime([property], PR_CLIENT_SUBMIT_TIME);
			if (!sent) return graphErrors.invalidRequest('Invalid SystemTime value.');
			message.sentDateTime = sent;
		}
		setProperty(message.extendedProperties, property);
	}
	message.lastModifiedDateTime = now();
	return undefined;
}

export function attachmentJson(
	attachment: StoredAttachment,
	withContent: boolean,
): Record<string, unknown> {
	return {
		'@odata.type': '#microsoft.graph.fileAttachment',
		'@odata.mediaContentType': attachment.contentType,
		id: attachment.id,
		lastModifiedDateTime: attachment.lastModifiedDateTime,
		name: attachment.name,
		contentType: attachment.contentType,
		size: attachment.size,
		isInline: attachment.isInline,
		contentId: attachment.contentId,
		contentLocation: null,
		...(withContent ? { contentBytes: attachment.content.toString('base64') } : {}),
	};
}

/** The full JSON representation (before $select), as filters see it. */
export function messageJson(message: StoredMessage): Record<string, unknown> {
	const text = message.body.content
		.replace(/<[^>]*>/g, ' ')
		.replace(/\s+/g, ' ')
		.trim();
	return {
		'@odata.etag': `W/"${crypto
			.createHash('sha1')
			.update(message.lastModifiedDateTime + message.id)
			.digest('base64')}"`,
		id: message.id,
		createdDateTime: message.createdDateTime,
		lastModifiedDateTime: message.lastModifiedDateTime,
		categories: message.categories,
		receivedDateTime: message.receivedDateTime,
		sentDateTime: message.sentDateTime,
		// "hasAttachments … doesn't include inline attachments" (message resource).
		hasAttachments: message.attachments.some((attachment) => !attachment.isInline),
		internetMessageId: message.internetMessageId,
		subject: message.subject,
		bodyPreview: text.slice(0, 255),
		importance: message.importance,
		parentFolderId: message.folderId,
		isRead: message.isRead,
		isDraft: message.isDraft,
		body: message.body,
		sender: message.sender,
		from: message.from,
		toRecipients: message.toRecipients,
		ccRecipients: message.ccRecipients,
		bccRecipients: message.bccRecipients,
		replyTo: message.replyTo,
		flag: message.flag,
		// Filters may look into these even though a plain GET does not return them.
		singleValueExtendedProperties: propertiesOf(message),
		internetMessageHeaders: message.internetMessageHeaders,
	};
}

/** What GET returns: $select applied (id and etag always), internetMessageHeaders only when selected, $expand added. */
export function projectMessage(
	message: StoredMessage,
	select: string[] | null,
	expand: ExpandOption[],
): Record<string, unknown> {
	const full = messageJson(message);
	const { singleValueExtendedProperties, internetMessageHeaders, ...plain } = full;
	let result: Record<string, unknown> = plain;
	if (select) {
		const wanted = select.map((name) => name.toLowerCase());
		result = { '@odata.etag': full['@odata.etag'], id: message.id };
		for (const [key, value] of Object.entries(full)) {
			if (wanted.includes(key.toLowerCase()) && key !== 'singleValueExtendedProperties')
				result[key] = value;
		}
	}
	void internetMessageHeaders;
	for (const option of expand) {
		if (option.name.toLowerCase() === 'singlevalueextendedproperties') {
			const properties = singleValueExtendedProperties as { id: string; value: string }[];
			result.singleValueExtendedProperties = option.filter
				? properties.filter((property) => matchesFilter(option.filter!, property, true))
				: properties;
		} else if (option.name.toLowerCase() === 'attachments') {
			result.attachments = message.attachments.map((attachment) =>
				attachmentJson(attachment, true),
			);
		}
	}
	return result;
}
