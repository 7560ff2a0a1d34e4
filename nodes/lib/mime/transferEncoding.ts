/** Content-Transfer-Encoding: decoding a part's body to its original bytes, and base64 for new parts. */

const IDENTITY_ENCODINGS = new Set(['', '7bit', '8bit', 'binary']);

export function isSupportedTransferEncoding(encoding: string): boolean {
	return (
		IDENTITY_ENCODINGS.has(encoding) || encoding === 'base64' || encoding === 'quoted-printable'
	);
}

/** `encoding` is the lower-cased, trimmed header value ('' when the header is absent). */
export function decodeTransferEncoding(body: Buffer, encoding: string): Buffer {
	if (encoding === 'base64') return decodeBase64(body);
	if (encoding === 'quoted-printable') return decodeQuotedPrintable(body);
	if (IDENTITY_ENCODINGS.has(encoding)) return body;
	throw new RangeError(`unsupported transfer encoding "${encoding}"`);
}

const EQUALS = 0x3d;

function isBase64Letter(byte: number): boolean {
	return (
		(byte >= 0x41 && byte <= 0x5a) ||
		(byte >= 0x61 && byte <= 0x7a) ||
		(byte >= 0x30 && byte <= 0x39) ||
		byte === 0x2b ||
		byte === 0x2f
	);
}

/**
 * Node's decoder skips line breaks and stray characters but stops at the first padding, so bodies
 * that some encoders write as several padded chunks are decoded chunk by chunk.
 */
function decodeBase64(body: Buffer): Buffer {
	const firstPadding = body.indexOf(EQUALS);
	if (firstPadding === -1 || !body.subarray(firstPadding).some(isBase64Letter)) {
		return Buffer.from(body.toString('latin1'), 'base64');
	}
	const chunks = body
		.toString('latin1')
		.split(/=+/)
		.map((chunk) => Buffer.from(chunk, 'base64'));
	return Buffer.concat(chunks);
}

function isBlank(byte: number | undefined): boolean {
	return byte === 0x20 || byte === 0x09;
}

/** Length of the line break at `at` (CRLF, LF), 0 when there is none; the body's end counts as one. */
function lineBreakLength(input: Buffer, at: number): number | 'end' {
	if (at >= input.length) return 'end';
	if (input[at] === 0x0a) return 1;
	if (input[at] === 0x0d && input[at + 1] === 0x0a) return 2;
	return 0;
}

function hexValue(byte: number): number {
	if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
	if (byte >= 0x41 && byte <= 0x46) return byte - 0x37;
	if (byte >= 0x61 && byte <= 0x66) return byte - 0x57;
	return -1;
}

/**
 * RFC 2045 section 6.7: `=XX` escapes, `=` before a line break is a soft break, and blanks before a
 * line break were added in transport and are dropped. Hard line breaks are kept as they are.
 * A lone `=` that escapes nothing is kept literally, as lenient decoders do.
 */
function decodeQuotedPrintable(input: Buffer): Buffer {
	const output = Buffer.allocUnsafe(input.length);
	let written = 0;
	let i = 0;
	while (i < input.length) {
		const byte = input[i];
		if (byte === EQUALS) {
			let afterBlanks = i + 1;
			while (isBlank(input[afterBlanks])) afterBlanks++;
			const softBreak = lineBreakLength(input, afterBlanks);
			if (softBreak !== 0) {
				i = softBreak === 'end' ? input.length : afterBlanks + softBreak;
				continue;
			}
			const hasTwoMore = i + 2 < input.length;
			const high = hasTwoMore ? hexValue(input[i + 1]) : -1;
			const low = hasTwoMore ? hexValue(input[i + 2]) : -1;
			if (high >= 0 && low >= 0) {
				output[written++] = (high << 4) | low;
				i += 3;
				continue;
			}
		} else if (isBlank(byte)) {
			let afterBlanks = i;
			while (isBlank(input[afterBlanks])) afterBlanks++;
			if (lineBreakLength(input, afterBlanks) === 0) {
				written += input.copy(output, written, i, afterBlanks);
			}
			i = afterBlanks;
			continue;
		}
		output[written++] = byte;
		i++;
	}
	return Buffer.from(output.subarray(0, written));
}

const BASE64_LINE_CHARS = 76;
/** 57 bytes make exactly one 76-character line. */
const BYTES_PER_LINE = (BASE64_LINE_CHARS / 4) * 3;

/** Base64 in 76-character lines joined by `lineBreak`, without a line break after the last line. */
export function encodeBase64Lines(data: Buffer, lineBreak: string): Buffer {
	const lineCount = Math.ceil(data.length / BYTES_PER_LINE);
	const encodedLength = Math.ceil(data.length / 3) * 4;
	const output = Buffer.allocUnsafe(encodedLength + Math.max(0, lineCount - 1) * lineBreak.length);
	let written = 0;
	for (let line = 0; line < lineCount; line++) {
		if (line > 0) written += output.write(lineBreak, written, 'latin1');
		const start = line * BYTES_PER_LINE;
		written += output.write(
			data.toString('base64', start, Math.min(start + BYTES_PER_LINE, data.length)),
			written,
			'latin1',
		);
	}
	return output.subarray(0, written);
}
