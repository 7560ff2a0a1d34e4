/**
 * The MIME structure of a message as byte ranges into the original buffer, so that a change can be
 * spliced in while every other byte stays exactly as it was. message/rfc822 parts are leaves: what
 * is inside a forwarded message belongs to it.
 */
import {
	headerValue,
	parseHeaderBlock,
	parseStructuredHeader,
	type HeaderField,
	type StructuredHeader,
} from './headerFields';

export interface MimePart {
	/** Offset of the part's first header byte. */
	start: number;
	/** Offset just past the part's content: the line break before the next delimiter is not the part's. */
	end: number;
	bodyStart: number;
	headers: HeaderField[];
	contentType: StructuredHeader;
	/** Lower-cased Content-Transfer-Encoding, '' when absent. */
	transferEncoding: string;
	/** multipart/* only: the parts between the delimiters, in order. */
	children?: MimePart[];
	/** Children only: offset of the `--boundary` line that opens this part. */
	delimiterStart?: number;
	/** multipart/* only: offset of the `--boundary--` line, or `end` when the message lacks it. */
	closeDelimiterStart?: number;
}

export class MimeStructureError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'MimeStructureError';
	}
}

const MAX_DEPTH = 64;
const LF = 0x0a;
const CR = 0x0d;
const HYPHEN = 0x2d;

export function parseMimeTree(raw: Buffer): MimePart {
	return parsePart(raw, 0, raw.length, 'text/plain', 0);
}

/** The line break the message uses, so that inserted lines match it: CRLF unless its first line ends in a bare LF. */
export function lineBreakOf(raw: Buffer): string {
	const firstLf = raw.indexOf(LF);
	return firstLf > 0 && raw[firstLf - 1] !== CR ? '\n' : '\r\n';
}

/** Every part of the tree, depth first, in message order. */
export function* walkParts(part: MimePart): Generator<MimePart> {
	yield part;
	for (const child of part.children ?? []) yield* walkParts(child);
}

/** Offset where the delimiter after child `index` begins (the next child's or the closing one). */
export function delimiterAfter(parent: MimePart, index: number): number {
	const children = parent.children ?? [];
	const next = children[index + 1];
	return next?.delimiterStart ?? parent.closeDelimiterStart ?? parent.end;
}

function parsePart(
	raw: Buffer,
	start: number,
	end: number,
	defaultType: string,
	depth: number,
): MimePart {
	if (depth > MAX_DEPTH) throw new MimeStructureError(`parts nested deeper than ${MAX_DEPTH}`);
	const bodyStart = findBodyStart(raw, start, end);
	const headers = parseHeaderBlock(raw.toString('latin1', start, bodyStart));
	const rawType = headerValue(headers, 'content-type');
	let contentType = parseStructuredHeader(rawType ?? defaultType);
	// RFC 2045: a Content-Type without a subtype is unusable and means text/plain.
	if (!contentType.value.includes('/')) contentType = parseStructuredHeader('text/plain');
	const part: MimePart = {
		start,
		end,
		bodyStart,
		headers,
		contentType,
		transferEncoding: (headerValue(headers, 'content-transfer-encoding') ?? '')
			.trim()
			.toLowerCase(),
	};
	if (contentType.value.startsWith('multipart/')) parseMultipartBody(raw, part, depth);
	return part;
}

/** Offset after the empty line that ends the headers; a part that starts with an empty line has none. */
function findBodyStart(raw: Buffer, start: number, end: number): number {
	if (raw[start] === LF) return start + 1;
	if (raw[start] === CR && raw[start + 1] === LF) return start + 2;
	const view = raw.subarray(0, end);
	let searchFrom = start;
	for (;;) {
		const lf = view.indexOf(LF, searchFrom);
		if (lf === -1 || lf + 1 >= end) return end;
		if (view[lf + 1] === LF) return lf + 2;
		if (view[lf + 1] === CR && view[lf + 2] === LF && lf + 2 < end) return lf + 3;
		searchFrom = lf + 1;
	}
}

function parseMultipartBody(raw: Buffer, part: MimePart, depth: number): void {
	const boundary = part.contentType.params.get('boundary');
	if (!boundary) throw new MimeStructureError(`${part.contentType.value} without a boundary`);
	const delimiter = Buffer.from(`--${boundary}`, 'latin1');
	const childType = part.contentType.value === 'multipart/digest' ? 'message/rfc822' : 'text/plain';
	const view = raw.subarray(0, part.end);
	const children: MimePart[] = [];
	let openDelimiter: { start: number; contentStart: number } | null = null;
	let searchFrom = part.bodyStart;
	for (;;) {
		const found = view.indexOf(delimiter, searchFrom);
		if (found === -1) break;
		searchFrom = found + 1;
		const atLineStart = found === part.bodyStart || view[found - 1] === LF;
		const line = delimiterLine(view, found + delimiter.length);
		if (!atLineStart || line === null) continue;
		if (openDelimiter) {
			const contentEnd = Math.max(openDelimiter.contentStart, lineBreakStartBefore(view, found));
			children.push(addChild(raw, openDelimiter, contentEnd, childType, depth));
		}
		if (line.closing) {
			part.closeDelimiterStart = found;
			openDelimiter = null;
			break;
		}
		openDelimiter = { start: found, contentStart: line.nextLineStart };
		searchFrom = line.nextLineStart;
	}
	// A message cut short lacks the closing delimiter; its last part runs to the end.
	if (openDelimiter) children.push(addChild(raw, openDelimiter, part.end, childType, depth));
	part.children = children;
}

function addChild(
	raw: Buffer,
	delimiter: { start: number; contentStart: number },
	contentEnd: number,
	childType: string,
	depth: number,
): MimePart {
	const child = parsePart(raw, delimiter.contentStart, contentEnd, childType, depth + 1);
	child.delimiterStart = delimiter.start;
	return child;
}

/** After `--boundary`: `--` closes; otherwise only blanks may follow up to the line break. */
function delimiterLine(
	view: Buffer,
	afterBoundary: number,
): { closing: boolean; nextLineStart: number } | null {
	const closing = view[afterBoundary] === HYPHEN && view[afterBoundary + 1] === HYPHEN;
	let i = closing ? afterBoundary + 2 : afterBoundary;
	while (view[i] === 0x20 || view[i] === 0x09) i++;
	if (i >= view.length) return { closing, nextLineStart: view.length };
	if (view[i] === LF) return { closing, nextLineStart: i + 1 };
	if (view[i] === CR && view[i + 1] === LF) return { closing, nextLineStart: i + 2 };
	// The closing delimiter may be followed by anything (the epilogue); an opening one may not.
	return closing ? { closing, nextLineStart: i } : null;
}

function lineBreakStartBefore(view: Buffer, delimiterStart: number): number {
	if (view[delimiterStart - 1] !== LF) return delimiterStart;
	return view[delimiterStart - 2] === CR ? delimiterStart - 2 : delimiterStart - 1;
}
