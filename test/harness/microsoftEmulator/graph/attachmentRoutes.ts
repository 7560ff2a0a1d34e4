/**
 * Attachments: POST/GET /messages/{id}/attachments (message-post-attachments, message-list-attachments; under 3 MB in
 * one request) and upload sessions for 3–150 MB (attachment-createuploadsession, learn.microsoft.com/graph/outlook-large-attachments):
 * createUploadSession answers 201 with an opaque, pre-authenticated `uploadUrl` (on Outlook's host in Graph, on the
 * emulator here, in the same `/api/v2.0/Users('…')/Messages('…')/AttachmentSessions('…')?authtoken=…` form), then
 * sequential PUTs with Content-Range (each up to 4 MB, "You must upload bytes in a file in order") answer 200 with
 * nextExpectedRanges, the last one 201 with a Location header and no body; DELETE on the URL cancels (204).
 * The PUTs carry no Authorization header ("Do not specify an Authorization request header"); one that does is refused
 * 401 InvalidAudienceForResource, as Outlook answers a Graph token there (msgraph-sdk-java #409).
 *
 * Non-draft messages: neither page restricts attachments to drafts — message-post-attachments: "You can add an attachment
 * to an existing message by posting to its attachments collection"; createUploadSession attaches "to the specified
 * Outlook item" (its examples use drafts, its text does not require one). So both paths accept any message, draft or
 * not, and a non-draft stays non-draft: create the message non-draft first, then add the large attachments.
 */
import crypto from 'node:crypto';

import type { EmulatorRequest, EmulatorResponse } from '../server';
import { graphError, graphErrors } from './graphErrors';
import type { GraphContext, GraphService } from './graphService';
import { newItemId, type Mailbox, type MailboxStore } from './mailboxStore';
import { attachmentJson, INLINE_ATTACHMENT_LIMIT, parseFileAttachment } from './messageModel';
import { overMessageSize } from './extendedProperties';
import { findMessage } from './messageRoutes';
import { jsonBody } from './requestBody';

const USER = '([^/]+)';
const FOLDER_CHAIN = '(?:/mailFolders/[^/]+(?:/childFolders/[^/]+)*)?';
/** "Using the Microsoft Graph API, you can attach files up to 150 MB" (outlook-large-attachments). */
const UPLOAD_SESSION_MAX = 150 * 1024 * 1024;
/** createUploadSession: "iteratively upload ranges of bytes (up to 4 MB each time)". */
const UPLOAD_RANGE_MAX = 4 * 1024 * 1024;

interface UploadSession {
	id: string;
	token: string;
	mailbox: Mailbox;
	appId: string;
	messageId: string;
	name: string;
	size: number;
	contentType: string;
	isInline: boolean;
	contentId: string | null;
	chunks: Buffer[];
	received: number;
	expiresAt: number;
}

export class UploadSessions {
	readonly sessions = new Map<string, UploadSession>();

	/** Lifetime of new sessions; the docs give an expirationDateTime but not its distance, so we choose one hour. */
	lifetimeMs = 3_600_000;

	/** Ends every open session's lifetime now (a deterministic stand-in for waiting it out). */
	expireAll(): void {
		for (const session of this.sessions.values()) session.expiresAt = 0;
	}

	reset(): void {
		this.sessions.clear();
		this.lifetimeMs = 3_600_000;
	}
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Graph hands out upload URLs on another host than its own (outlook.office.com, not graph.microsoft.com), which is why
 * a Graph client's auth middleware leaves them alone. The emulator's certificate covers localhost as well as 127.0.0.1,
 * so upload URLs name localhost: a client that adds its token only for the Graph host behaves here as it would there.
 */
function uploadResource(baseUrl: string, session: UploadSession, tenantId: string): string {
	const uploadOrigin = baseUrl.replace('//127.0.0.1:', '//localhost:');
	return `${uploadOrigin}/api/v2.0/Users('${session.mailbox.id}@${tenantId}')/Messages('${session.messageId}')`;
}

function caseInsensitive(record: Record<string, unknown>, key: string): unknown {
	const found = Object.keys(record).find((name) => name.toLowerCase() === key.toLowerCase());
	return found === undefined ? undefined : record[found];
}

export function addAttachmentRoutes(
	service: GraphService,
	store: MailboxStore,
	uploads: UploadSessions,
	tenantId: () => string,
): void {
	void store;
	const attachments = new RegExp(`^/users/${USER}${FOLDER_CHAIN}/messages/([^/]+)/attachments$`);

	service.add({
		method: 'POST',
		pattern: attachments,
		name: '/users/{id}/messages/{id}/attachments',
		scope: 'mail',
		handler: (context) => {
			const message = findMessage(context, context.params[1]);
			if (!message) return graphErrors.itemNotFound();
			const parsed = jsonBody(context.request);
			if ('error' in parsed) return parsed.error;
			const attachment = parseFileAttachment(parsed.json);
			if (!('id' in attachment)) return attachment;
			if (overMessageSize(message, attachment.size, context.mailbox))
				return graphErrors.messageTooLarge();
			message.attachments.push(attachment);
			return { status: 201, body: attachmentJson(attachment, true) };
		},
	});
	service.add({
		method: 'GET',
		pattern: attachments,
		name: '/users/{id}/messages/{id}/attachments',
		scope: 'mail',
		handler: (context) => {
			const message = findMessage(context, context.params[1]);
			if (!message) return graphErrors.itemNotFound();
			return {
				status: 200,
				body: { value: message.attachments.map((attachment) => attachmentJson(attachment, true)) },
			};
		},
	});
	service.add({
		method: 'GET',
		pattern: new RegExp(`^/users/${USER}${FOLDER_CHAIN}/messages/([^/]+)/attachments/([^/]+)$`),
		name: '/users/{id}/messages/{id}/attachments/{id}',
		scope: 'mail',
		handler: (context) => {
			const message = findMessage(context, context.params[1]);
			const attachment = message?.attachments.find(
				(candidate) => candidate.id === context.params[2],
			);
			return attachment
				? { status: 200, body: attachmentJson(attachment, true) }
				: graphErrors.itemNotFound();
		},
	});

	service.add({
		method: 'POST',
		pattern: new RegExp(
			`^/users/${USER}${FOLDER_CHAIN}/messages/([^/]+)/attachments/createUploadSession$`,
		),
		name: '/users/{id}/messages/{id}/attachments/createUploadSession',
		scope: 'mail',
		handler: (context: GraphContext): EmulatorResponse => {
			const message = findMessage(context, context.params[1]);
			if (!message) return graphErrors.itemNotFound();
			const parsed = jsonBody(context.request);
			if ('error' in parsed) return parsed.error;
			const item = caseInsensitive(parsed.json, 'AttachmentItem') as
				Record<string, unknown> | undefined;
			if (!item || typeof item !== 'object')
				return graphErrors.invalidRequest('AttachmentItem is required.');
			const size = Number(item.size);
			if (
				item.attachmentType !== 'file' ||
				typeof item.name !== 'string' ||
				!Number.isInteger(size)
			)
				return graphErrors.invalidRequest(
					'AttachmentItem needs attachmentType file, name and size.',
				);
			if (size < INLINE_ATTACHMENT_LIMIT) return graphErrors.attachmentTooSmall();
			if (size > UPLOAD_SESSION_MAX)
				return graphErrors.entityTooLarge('Attachments are limited to 150 MB.');
			const session: UploadSession = {
				id: newItemId(),
				token: crypto.randomBytes(32).toString('base64url'),
				mailbox: context.mailbox,
				appId: context.claims?.appid ?? '',
				messageId: message.id,
				name: item.name,
				size,
				contentType:
					typeof item.contentType === 'string' ? item.contentType : 'application/octet-stream',
				isInline: item.isInline === true,
				contentId: typeof item.contentId === 'string' ? item.contentId : null,
				chunks: [],
				received: 0,
				expiresAt: Date.now() + uploads.lifetimeMs,
			};
			uploads.sessions.set(session.id, session);
			return {
				status: 201,
				body: {
					'@odata.context': `${context.baseUrl}/v1.0/$metadata#microsoft.graph.uploadSession`,
					uploadUrl: `${uploadResource(context.baseUrl, session, tenantId())}/AttachmentSessions('${session.id}')?authtoken=${session.token}`,
					expirationDateTime: iso(session.expiresAt),
					nextExpectedRanges: ['0-'],
				},
			};
		},
	});

	const sessionPath =
		/^\/api\/v2\.0\/Users\('([^']+)'\)\/Messages\('([^']+)'\)\/AttachmentSessions\('([^']+)'\)$/;
	const authorizeUpload = (
		request: EmulatorRequest,
		params: string[],
	): { mailbox: Mailbox; appId: string } | { refused: EmulatorResponse } => {
		const session = uploads.sessions.get(params[2]);
		if (!session || session.messageId !== params[1]) return { refused: graphErrors.itemNotFound() };
		if (request.headers.authorization !== undefined) {
			return {
				refused: graphError(
					401,
					'InvalidAudienceForResource',
					"The audience claim value is invalid for current resource. Audience claim is 'https://graph.microsoft.com', request url is the upload URL.",
				),
			};
		}
		const token = request.query.get('authtoken') ?? '';
		const expected = Buffer.from(session.token);
		const given = Buffer.from(token);
		if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected))
			return { refused: graphErrors.tokenForged() };
		// The URL's token "expires by expirationDateTime" (outlook-large-attachments, Step 1).
		if (session.expiresAt <= Date.now()) return { refused: graphErrors.tokenExpired() };
		return { mailbox: session.mailbox, appId: session.appId };
	};

	const progress = (context: GraphContext, session: UploadSession) => ({
		'@odata.context': `${uploadResource(context.baseUrl, session, tenantId())}/AttachmentSessions/$entity`,
		expirationDateTime: iso(session.expiresAt),
		nextExpectedRanges: [String(session.received)],
	});

	service.add({
		method: 'PUT',
		pattern: sessionPath,
		name: '/api/v2.0/.../AttachmentSessions/{id}',
		scope: 'upload',
		authorizeUpload,
		handler: (context) => {
			const session = uploads.sessions.get(context.params[2])!;
			const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(
				String(context.request.headers['content-range'] ?? ''),
			);
			if (!range)
				return graphErrors.invalidRequest(
					'Content-Range is required: bytes {start}-{end}/{total}.',
				);
			const [start, end, total] = range.slice(1).map(Number);
			const bytes = context.request.raw;
			if (total !== session.size)
				return graphErrors.invalidRequest(
					'The total in Content-Range differs from the session size.',
				);
			if (end < start || end - start + 1 !== bytes.length)
				return graphErrors.invalidRequest('Content-Range does not match the body length.');
			if (bytes.length > UPLOAD_RANGE_MAX)
				return graphErrors.entityTooLarge('Each range may carry at most 4 MB.');
			// Ranges go in order; a range elsewhere is refused 416 (OneDrive's documented answer to a range that
			// does not start where the server expects; Outlook's pages only say the order is required).
			if (start !== session.received) {
				return graphError(416, 'InvalidRange', `The range must start at ${session.received}.`);
			}
			// Refused at the range that would take the message over the mailbox's limit, as Outlook does mid-upload.
			const message = context.mailbox.messages.get(session.messageId);
			if (!message) return graphErrors.itemNotFound();
			if (overMessageSize(message, end + 1, context.mailbox)) return graphErrors.messageTooLarge();
			session.chunks.push(Buffer.from(bytes));
			session.received += bytes.length;
			if (session.received < session.size) return { status: 200, body: progress(context, session) };
			uploads.sessions.delete(session.id);
			const attachment = {
				id: newItemId(),
				name: session.name,
				contentType: session.contentType,
				size: session.size,
				isInline: session.isInline,
				contentId: session.contentId,
				lastModifiedDateTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
				content: Buffer.concat(session.chunks),
			};
			message.attachments.push(attachment);
			return {
				status: 201,
				body: undefined,
				headers: {
					Location: `${uploadResource(context.baseUrl, session, tenantId())}/Attachments('${attachment.id}')`,
					'Content-Length': '0',
				},
			};
		},
	});
	// Where an interrupted client learns what the server holds (outlook-large-attachments Step 3: nextExpectedRanges "is
	// useful if you need to resume a transfer that was interrupted and your client is unsure of the state on the
	// service"); reading the session at its URL is how OneDrive's upload sessions document it.
	service.add({
		method: 'GET',
		pattern: sessionPath,
		name: '/api/v2.0/.../AttachmentSessions/{id}',
		scope: 'upload',
		authorizeUpload,
		handler: (context) => ({
			status: 200,
			body: progress(context, uploads.sessions.get(context.params[2])!),
		}),
	});
	service.add({
		method: 'DELETE',
		pattern: sessionPath,
		name: '/api/v2.0/.../AttachmentSessions/{id}',
		scope: 'upload',
		authorizeUpload,
		handler: (context) => {
			uploads.sessions.delete(context.params[2]);
			return { status: 204, body: undefined };
		},
	});
}
