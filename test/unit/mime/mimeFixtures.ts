/**
 * Builds MIME messages for the zip tests, independently of the code under test: a tree of parts is
 * serialised with explicit delimiters, so the same tree minus the zipped attachments gives the exact
 * bytes the zipped message must have.
 */

export interface LeafSpec {
	headers: string[];
	/** The encoded body as it stands in the message. */
	body: Buffer;
	/** Set for attachments: the decoded bytes and the name expected inside the zip. */
	attachment?: { name: string; content: Buffer };
}

export interface MultipartSpec {
	headers: string[];
	boundary: string;
	parts: PartSpec[];
	preamble?: string;
	epilogue?: string;
}

export type PartSpec = LeafSpec | MultipartSpec;

export function isMultipart(part: PartSpec): part is MultipartSpec {
	return 'parts' in part;
}

export function serialise(part: PartSpec, lineBreak = '\r\n'): Buffer {
	const head = Buffer.from(
		part.headers.map((line) => line + lineBreak).join('') + lineBreak,
		'latin1',
	);
	if (!isMultipart(part)) return Buffer.concat([head, part.body]);
	const pieces: Buffer[] = [head];
	const text = (value: string) => pieces.push(Buffer.from(value, 'latin1'));
	if (part.preamble !== undefined) text(part.preamble + lineBreak);
	for (const child of part.parts) {
		text(`--${part.boundary}${lineBreak}`);
		pieces.push(serialise(child, lineBreak));
		text(lineBreak);
	}
	text(`--${part.boundary}--${lineBreak}`);
	if (part.epilogue !== undefined) text(part.epilogue);
	return Buffer.concat(pieces);
}

/** Every leaf, depth first, in message order. */
export function leaves(part: PartSpec): LeafSpec[] {
	return isMultipart(part) ? part.parts.flatMap(leaves) : [part];
}

/** Deterministic pseudo-random numbers (mulberry32), so a failing case can be replayed. */
export function seededRandom(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

export function randomBytes(length: number, random: () => number): Buffer {
	const bytes = Buffer.alloc(length);
	for (let i = 0; i < length; i++) bytes[i] = Math.floor(random() * 256);
	return bytes;
}

const WORDS = ['mailbox', 'migration', 'quarterly', 'Grüße', 'invoice', 'naïve', 'report', 'data'];

/** Text that deflates well, with some 8-bit (UTF-8) words and CRLF line breaks. */
export function wordyText(length: number, random: () => number): Buffer {
	let text = '';
	while (text.length < length) {
		text += WORDS[Math.floor(random() * WORDS.length)];
		text += random() < 0.1 ? '\r\n' : ' ';
	}
	return Buffer.from(text, 'utf8');
}

export function base64Body(content: Buffer, lineLength = 76, lineBreak = '\r\n'): Buffer {
	const encoded = content.toString('base64');
	const lines: string[] = [];
	for (let i = 0; i < encoded.length; i += lineLength) lines.push(encoded.slice(i, i + lineLength));
	return Buffer.from(lines.join(lineBreak), 'latin1');
}

/**
 * Quoted-printable per RFC 2045: CRLF pairs stay hard line breaks, every other control or 8-bit byte
 * and `=` is escaped, blanks before a line break are escaped, and lines are soft-broken at 76.
 */
export function quotedPrintableBody(content: Buffer, lineBreak = '\r\n'): Buffer {
	const lines: string[] = [];
	let line = '';
	const push = (token: string) => {
		if (line.length + token.length > 75) {
			lines.push(line + '=');
			line = '';
		}
		line += token;
	};
	for (let i = 0; i < content.length; i++) {
		const byte = content[i];
		if (byte === 0x0d && content[i + 1] === 0x0a) {
			lines.push(line);
			line = '';
			i++;
			continue;
		}
		const nextIsBreak =
			i + 1 === content.length || (content[i + 1] === 0x0d && content[i + 2] === 0x0a);
		const literal =
			(byte >= 33 && byte <= 126 && byte !== 0x3d) ||
			((byte === 0x20 || byte === 0x09) && !nextIsBreak);
		push(
			literal ? String.fromCharCode(byte) : `=${byte.toString(16).toUpperCase().padStart(2, '0')}`,
		);
	}
	lines.push(line);
	return Buffer.from(lines.join(lineBreak), 'latin1');
}

export function attachmentLeaf(
	name: string,
	content: Buffer,
	encoding: 'base64' | 'quoted-printable' | '8bit',
	contentType = 'application/octet-stream',
	lineBreak = '\r\n',
): LeafSpec {
	const body =
		encoding === 'base64'
			? base64Body(content, 76, lineBreak)
			: encoding === 'quoted-printable'
				? quotedPrintableBody(content, lineBreak)
				: content;
	return {
		headers: [
			`Content-Type: ${contentType}; name="${name}"`,
			`Content-Disposition: attachment; filename="${name}"`,
			`Content-Transfer-Encoding: ${encoding}`,
		],
		body,
		attachment: { name, content },
	};
}

export function textLeaf(text: string, subtype = 'plain', encoding = '8bit'): LeafSpec {
	return {
		headers: [
			`Content-Type: text/${subtype}; charset=utf-8`,
			`Content-Transfer-Encoding: ${encoding}`,
		],
		body: Buffer.from(text, 'utf8'),
	};
}

export const TOP_HEADERS = [
	'Return-Path: <anna@example.org>',
	'From: =?UTF-8?Q?Anna_M=C3=BCller?= <anna@example.org>',
	'To: Bob <bob@example.com>',
	'Subject: Unterlagen =?UTF-8?B?R3LDvMOfZQ==?=',
	'Date: Tue, 04 Mar 2025 10:15:00 +0100',
	'Message-ID: <zip-test-1@example.org>',
	'MIME-Version: 1.0',
];

/** Splits a multipart body (latin1 text) at its delimiters: [preamble, ...parts, epilogue]. */
export function splitAtDelimiters(text: string, boundary: string): string[] {
	const escaped = boundary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
	return text.split(new RegExp(`(?:^|\\r?\\n)--${escaped}(?:--)?[ \\t]*(?:\\r?\\n|$)`));
}
