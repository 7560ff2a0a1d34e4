/**
 * Attachments as Graph fileAttachments, and which of them travel in the create request.
 *
 * Limits (learn.microsoft.com/graph/outlook-large-attachments and attachment-createuploadsession): a file under
 * 3 MB can be posted whole; from 3 MB to 150 MB it needs an upload session of PUTs of at most 4 MB each; a Graph
 * request is at most 4 MB. "MB" is read as 10^6 bytes throughout, the stricter reading.
 *
 * Attached messages (message/rfc822) stay fileAttachments named `.eml` with their exact bytes, not itemAttachments:
 * an itemAttachment is a Graph message object, so it would go through the same lossy rebuild (and cannot be
 * uploaded in a session), while Outlook and Outlook on the web open an attached .eml as a message.
 */
import type { Attachment, ParsedMail } from 'mailparser';

import type { GraphUpload } from './graphMessagePlan';

export const REQUEST_BODY_LIMIT = 4_000_000;
export const UPLOAD_SESSION_MIN_BYTES = 3_000_000;
export const UPLOAD_SESSION_MAX_BYTES = 150_000_000;
/** Bytes per PUT of an upload session. */
export const UPLOAD_RANGE_MAX_BYTES = 4_000_000;

/** An attachment to carry; same shape as an upload, so either path can take it. */
export type GraphAttachment = GraphUpload;

function isMessage(contentType: string): boolean {
	return contentType === 'message/rfc822' || contentType === 'message/global';
}

/** The declared type (mailparser guesses one from the name for application/octet-stream; the source's stands). */
function declaredType(attachment: Attachment): string {
	const header = attachment.headers.get('content-type');
	const value =
		header && typeof header === 'object' && 'value' in header ? String(header.value) : '';
	return value.includes('/') ? value.toLowerCase() : attachment.contentType;
}

/** The last path component without control characters; `attachment-N.bin` (`.eml` for messages) when none. */
function attachmentName(attachment: Attachment, contentType: string, position: number): string {
	const declared = (attachment.filename ?? '').split(/[/\\]/).pop() ?? '';
	const cleaned = declared.replace(/[\u0000-\u001f\u007f]/g, '').trim();
	if (cleaned && cleaned !== '.' && cleaned !== '..') return cleaned;
	return `attachment-${position}.${isMessage(contentType) ? 'eml' : 'bin'}`;
}

/**
 * Every attachment in message order. Inline (and given its contentId) is an attachment the HTML body refers to by
 * `cid:`: Outlook hides inline attachments from the attachment list, so one the body does not show stays a plain
 * attachment whatever its Content-Disposition says (its Content-ID is kept all the same).
 */
export function graphAttachments(
	mail: ParsedMail,
	referencedIds: ReadonlySet<string>,
): GraphAttachment[] {
	return mail.attachments.map((attachment, index) => {
		const contentType = declaredType(attachment);
		const contentId = attachment.cid?.trim() || null;
		const isInline = contentId !== null && referencedIds.has(contentId.toLowerCase());
		return {
			name: attachmentName(attachment, contentType, index + 1),
			contentType,
			size: attachment.content.length,
			isInline,
			contentId,
			content: attachment.content,
		};
	});
}

/** The Graph fileAttachment JSON, as the create request and `POST .../attachments` take it. */
export function fileAttachmentJson(attachment: GraphAttachment): Record<string, unknown> {
	return {
		'@odata.type': '#microsoft.graph.fileAttachment',
		name: attachment.name,
		contentType: attachment.contentType,
		contentBytes: attachment.content.toString('base64'),
		isInline: attachment.isInline,
		...(attachment.contentId !== null ? { contentId: attachment.contentId } : {}),
	};
}

/** The body of `POST .../attachments/createUploadSession` (attachmentItem, attachment-createuploadsession). */
export function uploadSessionRequestJson(upload: GraphUpload): Record<string, unknown> {
	return {
		AttachmentItem: {
			attachmentType: 'file',
			name: upload.name,
			size: upload.size,
			contentType: upload.contentType,
			isInline: upload.isInline,
			...(upload.contentId !== null ? { contentId: upload.contentId } : {}),
		},
	};
}

/** Bytes a fileAttachment adds to a JSON array: base64 plus the JSON around it, without serialising the bytes. */
export function fileAttachmentJsonBytes(attachment: GraphAttachment): number {
	const base64Length = 4 * Math.ceil(attachment.size / 3);
	const shell = JSON.stringify({
		...fileAttachmentJson({ ...attachment, content: Buffer.alloc(0) }),
	});
	return Buffer.byteLength(shell) + base64Length + 1;
}

/**
 * Splits attachments between the create request and uploads: under 3 MB they ride along, in message order, while
 * the whole request stays within the 4 MB limit; the rest are uploaded after creation (those under 3 MB by
 * `POST .../attachments`, the others by upload session: the target decides by `UPLOAD_SESSION_MIN_BYTES`).
 */
export function splitAttachments(
	baseBytes: number,
	attachments: readonly GraphAttachment[],
): { inline: GraphAttachment[]; uploads: GraphUpload[] } {
	// `"attachments":[]` and its comma
	let used = baseBytes + '"attachments":[],'.length;
	const inline: GraphAttachment[] = [];
	const uploads: GraphUpload[] = [];
	for (const attachment of attachments) {
		const bytes = fileAttachmentJsonBytes(attachment);
		if (attachment.size < UPLOAD_SESSION_MIN_BYTES && used + bytes <= REQUEST_BODY_LIMIT) {
			inline.push(attachment);
			used += bytes;
		} else {
			uploads.push(attachment);
		}
	}
	return { inline, uploads };
}
