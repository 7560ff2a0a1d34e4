/**
 * Reading MIME header fields without changing them. Header bytes are handled as latin1 strings so
 * that every character stands for exactly one byte of the message; text meant for people (file
 * names) is decoded from RFC 2047 encoded-words, RFC 2231 parameters or raw UTF-8 on request.
 */

export interface HeaderField {
	/** Lower-cased field name, e.g. 'content-type'. */
	name: string;
	/** The value with folding line breaks removed, as latin1 (one character per byte). */
	value: string;
}

/** A header such as Content-Type or Content-Disposition: the leading value and its parameters. */
export interface StructuredHeader {
	/** Lower-cased and trimmed, e.g. 'multipart/mixed' or 'attachment'. */
	value: string;
	/** Lower-cased parameter names; values decoded (RFC 2231 continuations joined, RFC 2047 words decoded). */
	params: Map<string, string>;
}

/** Splits a header block (latin1) into fields; lines that start with blanks continue the field before. */
export function parseHeaderBlock(block: string): HeaderField[] {
	const fields: HeaderField[] = [];
	for (const line of block.split(/\r?\n/)) {
		if (line === '') continue;
		const isContinuation = line[0] === ' ' || line[0] === '\t';
		if (isContinuation) {
			if (fields.length > 0) fields[fields.length - 1].value += line;
			continue;
		}
		const colon = line.indexOf(':');
		// Lines without a colon (an mbox "From " line, garbage) are not fields; they stay in the bytes untouched.
		if (colon <= 0) continue;
		fields.push({ name: line.slice(0, colon).trim().toLowerCase(), value: line.slice(colon + 1) });
	}
	return fields;
}

export function headerValue(fields: HeaderField[], name: string): string | undefined {
	return fields.find((field) => field.name === name)?.value;
}

export function parseStructuredHeader(raw: string): StructuredHeader {
	const segments = splitOutsideQuotes(raw);
	const value = (segments.shift() ?? '').trim().toLowerCase();
	const rawParams = new Map<string, string>();
	for (const segment of segments) {
		const equals = segment.indexOf('=');
		if (equals <= 0) continue;
		const name = segment.slice(0, equals).trim().toLowerCase();
		if (!rawParams.has(name)) rawParams.set(name, unquote(segment.slice(equals + 1).trim()));
	}
	return { value, params: combineParameters(rawParams) };
}

function splitOutsideQuotes(raw: string): string[] {
	const segments: string[] = [];
	let current = '';
	let quoted = false;
	for (let i = 0; i < raw.length; i++) {
		const char = raw[i];
		if (quoted && char === '\\' && i + 1 < raw.length) {
			current += char + raw[++i];
			continue;
		}
		if (char === '"') quoted = !quoted;
		if (char === ';' && !quoted) {
			segments.push(current);
			current = '';
			continue;
		}
		current += char;
	}
	segments.push(current);
	return segments;
}

function unquote(value: string): string {
	if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
		return value.slice(1, -1).replace(/\\(.)/g, '$1');
	}
	return value;
}

interface ContinuationSegment {
	index: number;
	extended: boolean;
	value: string;
}

/** Joins RFC 2231 continuations (`name*0*=`, `name*1=`, ...) and decodes every value to text. */
function combineParameters(rawParams: Map<string, string>): Map<string, string> {
	const plain = new Map<string, string>();
	const continued = new Map<string, ContinuationSegment[]>();
	for (const [name, value] of rawParams) {
		const match = /^([^*]+)(?:\*(\d+))?(\*)?$/.exec(name);
		if (!match || (match[2] === undefined && match[3] === undefined)) {
			plain.set(name, decodeEncodedWords(value));
			continue;
		}
		const segments = continued.get(match[1]) ?? [];
		segments.push({ index: Number(match[2] ?? 0), extended: match[3] === '*', value });
		continued.set(match[1], segments);
	}
	for (const [name, segments] of continued) {
		plain.set(name, decodeRfc2231(segments.sort((a, b) => a.index - b.index)));
	}
	return plain;
}

function decodeRfc2231(segments: ContinuationSegment[]): string {
	let charset = '';
	const chunks: Buffer[] = [];
	segments.forEach((segment, position) => {
		let value = segment.value;
		if (segment.extended && position === 0) {
			const parts = /^([^']*)'[^']*'(.*)$/s.exec(value);
			if (parts) {
				charset = parts[1];
				value = parts[2];
			}
		}
		chunks.push(segment.extended ? hexEscapeDecode(value, '%') : Buffer.from(value, 'latin1'));
	});
	const bytes = Buffer.concat(chunks);
	return charset ? decodeBytes(bytes, charset) : latin1ToText(bytes.toString('latin1'));
}

/** Decodes `%XX` (RFC 2231) or `=XX` (RFC 2047 Q) escapes; other characters stand for their own byte. */
function hexEscapeDecode(value: string, escape: '%' | '='): Buffer {
	const bytes: number[] = [];
	for (let i = 0; i < value.length; i++) {
		const hex = value.slice(i + 1, i + 3);
		if (value[i] === escape && /^[0-9a-fA-F]{2}$/.test(hex)) {
			bytes.push(parseInt(hex, 16));
			i += 2;
		} else {
			bytes.push(value.charCodeAt(i) & 0xff);
		}
	}
	return Buffer.from(bytes);
}

const ENCODED_WORD = /=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=/g;

/** Decodes RFC 2047 encoded-words; blanks between two adjacent words are dropped, as the RFC says. */
export function decodeEncodedWords(value: string): string {
	if (!value.includes('=?')) return latin1ToText(value);
	let text = '';
	let pending: { charset: string; bytes: Buffer[] } | null = null;
	let last = 0;
	const flush = () => {
		if (pending) text += decodeBytes(Buffer.concat(pending.bytes), pending.charset);
		pending = null;
	};
	for (const match of value.matchAll(ENCODED_WORD)) {
		const between = value.slice(last, match.index);
		if (pending === null || !/^\s*$/.test(between)) {
			flush();
			text += latin1ToText(between);
		}
		// A language tag (charset*lang) does not change the bytes.
		const charset = match[1].split('*')[0];
		const bytes =
			match[2].toUpperCase() === 'B'
				? Buffer.from(match[3], 'base64')
				: hexEscapeDecode(match[3].replace(/_/g, ' '), '=');
		const current: { charset: string; bytes: Buffer[] } | null = pending;
		// Multi-byte characters may be split across words of the same charset; join bytes before decoding.
		if (current !== null && current.charset.toLowerCase() === charset.toLowerCase()) {
			current.bytes.push(bytes);
		} else {
			flush();
			pending = { charset, bytes: [bytes] };
		}
		last = match.index + match[0].length;
	}
	flush();
	return text + latin1ToText(value.slice(last));
}

/** Decodes bytes in a named charset; an unknown charset falls back to latin1 rather than failing. */
export function decodeBytes(bytes: Buffer, charset: string): string {
	try {
		return new TextDecoder(charset.trim()).decode(bytes);
	} catch {
		return bytes.toString('latin1');
	}
}

/** Header text read as latin1 may really be raw UTF-8 (RFC 6532); use UTF-8 when the bytes are valid UTF-8. */
export function latin1ToText(value: string): string {
	if (!/[\x80-\xff]/.test(value)) return value;
	try {
		return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(value, 'latin1'));
	} catch {
		return value;
	}
}
