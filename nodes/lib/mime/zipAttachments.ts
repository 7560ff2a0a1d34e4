/**
 * Fitting an oversize message under a target's size limit by packing its attachments into one zip.
 * The message is edited by splicing byte ranges: headers, text parts, the rest of the structure,
 * line endings and 8-bit bytes stay exactly as they were.
 *
 * Choices: signed or encrypted messages are never touched (any change would break them); a message
 * whose whole body is one non-text part stays unchanged too, because zipping it would mean rewriting
 * the top-level Content-Type, and the message then no longer says what it is.
 */
import { deflateRawSync } from 'node:zlib';
import type JSZipType from 'jszip';
import { formatBytes, plural } from '../format';
import { uniqueFileNames, declaredFileName } from './attachmentNames';
import { headerValue, parseStructuredHeader } from './headerFields';
import {
	delimiterAfter,
	lineBreakOf,
	MimeStructureError,
	parseMimeTree,
	walkParts,
	type MimePart,
} from './mimeTree';
import {
	decodeTransferEncoding,
	encodeBase64Lines,
	isSupportedTransferEncoding,
} from './transferEncoding';

export interface ZipAttachmentsOptions {
	/** Prepend a one-line note to a plain-text body that can take it safely (default true). */
	note?: boolean;
}

export interface ZippedPart {
	/** The attachment's name inside the zip. */
	filename: string;
	/** Its decoded size. */
	bytes: number;
}

export type ShrinkResult =
	| { kind: 'zipped'; raw: Buffer; zippedParts: ZippedPart[]; originalSize: number }
	| { kind: 'unchanged'; reason: string };

export const ZIP_FILE_NAME = 'attachments.zip';
export const ZIPPED_HEADER = 'X-Mailbox-Migration-Zipped';

const SIGNED_OR_ENCRYPTED = new Set([
	'multipart/signed',
	'multipart/encrypted',
	'application/pkcs7-mime',
	'application/x-pkcs7-mime',
]);

/**
 * Packs every attachment (disposition attachment, forwarded messages, named non-text parts such as
 * inline images) into one attachments.zip put where the first one was, and adds a header saying so.
 * 'unchanged' with a reason when the message is within the limit, cannot be changed safely, or
 * would still be over the limit.
 */
export async function shrinkByZippingAttachments(
	raw: Buffer,
	limitBytes: number,
	options: ZipAttachmentsOptions = {},
): Promise<ShrinkResult> {
	if (!Number.isFinite(limitBytes) || limitBytes <= 0) {
		throw new RangeError(`limitBytes must be a positive number, got ${limitBytes}`);
	}
	if (raw.length <= limitBytes) return unchanged('already within the limit');
	const found = findAttachments(raw);
	if ('reason' in found) return unchanged(found.reason);
	const { root, parts, attachments } = found;

	const names = uniqueFileNames(attachments);
	const contents = attachments.map((part) =>
		decodeTransferEncoding(raw.subarray(part.bodyStart, part.end), part.transferEncoding),
	);
	const zip = await packZip(names, contents, zipEntryDate(root));
	const zippedParts = names.map((filename, index) => ({ filename, bytes: contents[index].length }));
	const totalBytes = contents.reduce((sum, content) => sum + content.length, 0);
	const summary = `${plural(attachments.length, 'attachment')} (${formatBytes(totalBytes)})`;
	const lineBreak = lineBreakOf(raw);

	const edits: Edit[] = [
		{
			start: 0,
			end: 0,
			insert: Buffer.from(
				// No limit in the text: the same message zips to the same bytes under any limit, so an earlier copy is recognized.
				`${ZIPPED_HEADER}: ${summary} packed into ${ZIP_FILE_NAME} to fit the target's size limit${lineBreak}`,
				'latin1',
			),
		},
		{ start: attachments[0].start, end: attachments[0].end, insert: zipPart(zip, lineBreak) },
		...removals(root, new Set(attachments.slice(1))),
	];
	const noteTarget = options.note === false ? undefined : parts.find(canTakeNote);
	if (noteTarget) {
		const note = `[${summary} packed into ${ZIP_FILE_NAME} during the mailbox migration.]`;
		edits.push({
			start: noteTarget.bodyStart,
			end: noteTarget.bodyStart,
			insert: Buffer.from(`${note}${lineBreak}${lineBreak}`, 'latin1'),
		});
	}
	const result = applyEdits(raw, edits);
	if (result.length > limitBytes) {
		return unchanged(`still too big after zipping (${result.length} bytes)`);
	}
	return { kind: 'zipped', raw: result, zippedParts, originalSize: raw.length };
}

interface FoundAttachments {
	root: MimePart;
	/** Every part of the message, depth first. */
	parts: MimePart[];
	attachments: MimePart[];
}

/** The attachments to zip, or why this message must stay as it is. */
function findAttachments(raw: Buffer): FoundAttachments | { reason: string } {
	let root: MimePart;
	try {
		root = parseMimeTree(raw);
	} catch (error) {
		if (error instanceof MimeStructureError) {
			return { reason: `unreadable MIME structure: ${error.message}` };
		}
		throw error;
	}
	const parts = [...walkParts(root)];
	if (parts.some((part) => SIGNED_OR_ENCRYPTED.has(part.contentType.value))) {
		return { reason: 'signed or encrypted' };
	}
	if (!root.children) {
		return {
			reason: isAttachment(root)
				? 'single-part message: its whole body is the attachment'
				: 'no attachments',
		};
	}
	const attachments = parts.filter((part) => part !== root && isAttachment(part));
	if (attachments.length === 0) return { reason: 'no attachments' };
	const unsupported = attachments.find(
		(part) => !isSupportedTransferEncoding(part.transferEncoding),
	);
	if (unsupported) {
		return {
			reason: `attachment with unsupported transfer encoding "${unsupported.transferEncoding}"`,
		};
	}
	return { root, parts, attachments };
}

function unchanged(reason: string): ShrinkResult {
	return { kind: 'unchanged', reason };
}

function dispositionOf(part: MimePart): string {
	const disposition = headerValue(part.headers, 'content-disposition');
	return disposition ? parseStructuredHeader(disposition).value : '';
}

/** Attachment: disposition attachment, a forwarded message, or a named non-text leaf (also inline images). */
function isAttachment(part: MimePart): boolean {
	if (part.children) return false;
	const type = part.contentType.value;
	if (dispositionOf(part) === 'attachment') return true;
	if (type === 'message/rfc822' || type === 'message/global') return true;
	return !type.startsWith('text/') && declaredFileName(part) !== undefined;
}

/**
 * Prepending an ASCII line is safe only for a plain-text body sent as 7bit/8bit in an ASCII-based
 * charset; in base64 or quoted-printable bodies the header alone tells what happened.
 */
function canTakeNote(part: MimePart): boolean {
	if (part.children || part.contentType.value !== 'text/plain' || isAttachment(part)) return false;
	if (!['', '7bit', '8bit'].includes(part.transferEncoding)) return false;
	const charset = (part.contentType.params.get('charset') ?? '').toLowerCase();
	return !/^(utf-?16|utf-?32|ucs-?2|ucs-?4)/.test(charset);
}

/**
 * The zip's entry dates are the message's Date (not now), so that zipping the same message twice
 * gives the same bytes; DOS dates cannot go before 1980.
 */
function zipEntryDate(root: MimePart): Date {
	const earliest = Date.UTC(1980, 0, 1);
	const sent = Date.parse(headerValue(root.headers, 'date') ?? '');
	return new Date(Number.isNaN(sent) ? earliest : Math.max(sent, earliest));
}

const SAMPLE_BYTES = 64 * 1024;
/** JSZip deflates in JavaScript (about 12 MB/s at level 6): above this much input, use level 1. */
const THOROUGH_DEFLATE_LIMIT = 8 * 1024 * 1024;

/**
 * Already-compressed content (JPEG, PDF streams, Office files, archives) is stored as it is:
 * deflating it gains nothing and would take seconds for large files. A quick native deflate of
 * three samples tells which is which.
 */
function isCompressible(content: Buffer): boolean {
	if (content.length <= SAMPLE_BYTES) return true;
	const offsets = [
		0,
		Math.floor((content.length - SAMPLE_BYTES) / 2),
		content.length - SAMPLE_BYTES,
	];
	let compressed = 0;
	for (const offset of offsets) {
		compressed += deflateRawSync(content.subarray(offset, offset + SAMPLE_BYTES), {
			level: 1,
		}).length;
	}
	return compressed < offsets.length * SAMPLE_BYTES * 0.9;
}

async function packZip(names: string[], contents: Buffer[], date: Date): Promise<Buffer> {
	const compressible = contents.map(isCompressible);
	const deflatedBytes = contents.reduce(
		(sum, content, index) => sum + (compressible[index] ? content.length : 0),
		0,
	);
	const level = deflatedBytes > THOROUGH_DEFLATE_LIMIT ? 1 : 6;
	// Loaded on first use: most migrations never zip, and every run pays for what it loads at start.
	const { default: JSZip } = (await import('jszip')) as unknown as { default: typeof JSZipType };
	const zip = new JSZip();
	names.forEach((name, index) => {
		zip.file(name, contents[index], {
			date,
			createFolders: false,
			compression: compressible[index] ? 'DEFLATE' : 'STORE',
			compressionOptions: { level },
		});
	});
	return zip.generateAsync({ type: 'nodebuffer' });
}

function zipPart(zip: Buffer, lineBreak: string): Buffer {
	const headers = [
		`Content-Type: application/zip; name="${ZIP_FILE_NAME}"`,
		`Content-Disposition: attachment; filename="${ZIP_FILE_NAME}"`,
		'Content-Transfer-Encoding: base64',
		'',
		'',
	].join(lineBreak);
	return Buffer.concat([Buffer.from(headers, 'latin1'), encodeBase64Lines(zip, lineBreak)]);
}

interface Edit {
	start: number;
	end: number;
	insert: Buffer;
}

/**
 * Ranges that remove `removed` parts: from a part's `--boundary` line to the next delimiter, so the
 * line break before it serves the next delimiter. A multipart left with no parts goes as a whole.
 */
function removals(part: MimePart, removed: Set<MimePart>): Edit[] {
	const children = part.children ?? [];
	const edits: Edit[] = [];
	children.forEach((child, index) => {
		if (isRemoved(child, removed)) {
			edits.push({
				start: child.delimiterStart ?? child.start,
				end: delimiterAfter(part, index),
				insert: Buffer.alloc(0),
			});
		} else {
			edits.push(...removals(child, removed));
		}
	});
	return edits;
}

function isRemoved(part: MimePart, removed: Set<MimePart>): boolean {
	if (removed.has(part)) return true;
	const children = part.children;
	return (
		children !== undefined &&
		children.length > 0 &&
		children.every((child) => isRemoved(child, removed))
	);
}

function applyEdits(raw: Buffer, edits: Edit[]): Buffer {
	const ordered = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
	const pieces: Buffer[] = [];
	let position = 0;
	for (const edit of ordered) {
		if (edit.start < position) throw new Error('internal error: overlapping message edits');
		pieces.push(raw.subarray(position, edit.start), edit.insert);
		position = edit.end;
	}
	pieces.push(raw.subarray(position));
	return Buffer.concat(pieces);
}
