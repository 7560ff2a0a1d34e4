/**
 * Server-to-client half of the IMAP wire format (RFC 3501 section 9, RFC 7888, RFC 3516 literal8).
 *
 * `ResponseFramer` cuts the byte stream into whole responses: CRLF-terminated lines plus the literals
 * (`{n}`, `{n+}`, `~{n}`) announced at their ends. It is pull-based (`push` bytes, then `next()` until it
 * returns undefined) so the session can stop pulling while a consumer is busy. A `{n}` is a literal only where
 * the grammar has a string: never in the text of a status response or a continuation request (a folder name
 * echoed there is text), nor in data responses that carry no strings. A literal up to 1 MiB is copied once into
 * a buffer of its announced size; a larger one grows (doubling) with the bytes that actually arrive, so an
 * announced size costs nothing until the data is there: a 25 MB message costs 25 MB, never a quadratic concat.
 *
 * `parseResponse` turns one framed response into an `ImapResponse`: atoms and quoted strings become JS
 * strings (quoted strings decoded as UTF-8), literals stay `Buffer`s, `NIL` becomes null and parenthesised
 * lists become arrays. `BODY[HEADER.FIELDS (X)]<0>`-style section atoms stay one string.
 */

export type ImapValue = string | Buffer | null | ImapValue[];

export interface ImapResponse {
	/** `*` for untagged data, `+` for a continuation request, otherwise the command tag. */
	tag: string;
	/** Upper-cased response name: OK, NO, BAD, BYE, PREAUTH, CAPABILITY, LIST, FETCH, EXISTS, ... ('' for `+`). */
	type: string;
	/** The leading number of `* 12 EXISTS`, `* 3 FETCH (...)`. */
	number?: number;
	/** Data of non-status responses: everything after the name. */
	values: ImapValue[];
	/** Response code of a status response, upper-cased, without brackets (e.g. `APPENDUID`). */
	code?: string;
	codeArgs?: ImapValue[];
	/** Human text of a status or continuation response. */
	text: string;
}

export interface FramedResponse {
	/** Lines without CRLF; `lines.length === literals.length + 1`. */
	lines: Buffer[];
	literals: Buffer[];
}

export class ImapParseError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'ImapParseError';
	}
}

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;
const LPAREN = 0x28;
const RPAREN = 0x29;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const LBRACE = 0x7b;
const TILDE = 0x7e;

export interface FramerLimits {
	/** Longest line accepted (a huge SEARCH result is a long line). */
	maxLineBytes?: number;
	/** Largest single literal accepted (a message body). */
	maxLiteralBytes?: number;
	/**
	 * The framer owns the pushed chunks: once one is read to its end it is freed at the next `next()` call (its
	 * ArrayBuffer detached), so a response returned by `next()` is only valid until then. Socket chunks otherwise
	 * stay allocated until a major GC finds them (the session reads a folder's bodies at tens of MB/s).
	 */
	releaseConsumedInput?: boolean;
}

export class ResponseFramer {
	private readonly input: Buffer[] = [];
	/** Bytes of `input[0]` already consumed (kept as an offset: a subarray per response is garbage per message). */
	private inputOffset = 0;
	private lineParts: Buffer[] = [];
	private linePartsBytes = 0;
	private lines: Buffer[] = [];
	private literals: Buffer[] = [];
	private literal: Buffer | undefined;
	/** Announced size of `literal`, which may be allocated smaller and grow as its bytes arrive. */
	private literalLength = 0;
	private literalFilled = 0;
	private readonly maxLineBytes: number;
	private readonly maxLiteralBytes: number;
	private readonly releaseConsumedInput: boolean;
	/** Chunks read to their end, freed at the next `next()` (releaseConsumedInput). */
	private spent: Buffer[] = [];

	constructor(limits: FramerLimits = {}) {
		this.maxLineBytes = limits.maxLineBytes ?? 64 * 1024 * 1024;
		this.maxLiteralBytes = limits.maxLiteralBytes ?? 1024 * 1024 * 1024;
		this.releaseConsumedInput = limits.releaseConsumedInput ?? false;
	}

	push(chunk: Buffer): void {
		if (chunk.length > 0) this.input.push(chunk);
	}

	/** Bytes received but not yet returned inside a response (for memory accounting). */
	get bufferedBytes(): number {
		let total = this.linePartsBytes + this.literalFilled - this.inputOffset;
		for (const chunk of this.input) total += chunk.length;
		for (const line of this.lines) total += line.length;
		for (const literal of this.literals) total += literal.length;
		return total;
	}

	/** The next complete response, or undefined when more bytes are needed. */
	next(): FramedResponse | undefined {
		if (this.spent.length > 0) this.releaseSpent();
		while (this.input.length > 0) {
			const chunk = this.input[0];
			const start = this.inputOffset;
			if (this.literal) {
				const take = Math.min(chunk.length - start, this.literalLength - this.literalFilled);
				if (this.literalFilled + take > this.literal.length)
					this.growLiteral(this.literalFilled + take);
				chunk.copy(this.literal, this.literalFilled, start, start + take);
				this.literalFilled += take;
				this.consume(take);
				if (this.literalFilled === this.literalLength) this.finishLiteral();
				continue;
			}
			const lf = chunk.indexOf(LF, start);
			if (lf < 0) {
				const tail = start === 0 ? chunk : chunk.subarray(start);
				// A line continued in the next chunk must not point into this one once it is freed.
				this.addLinePart(this.releaseConsumedInput ? Buffer.from(tail) : tail);
				this.consume(chunk.length - start);
				continue;
			}
			let line: Buffer;
			if (this.lineParts.length === 0) {
				// The whole line is in this chunk (the usual case): one view, without its CR.
				if (lf - start > this.maxLineBytes) {
					throw new ImapParseError(`server sent a line longer than ${this.maxLineBytes} bytes`);
				}
				line = chunk.subarray(start, lf > start && chunk[lf - 1] === CR ? lf - 1 : lf);
			} else {
				if (lf > start) this.addLinePart(chunk.subarray(start, lf));
				line = this.lineParts.length === 1 ? this.lineParts[0] : Buffer.concat(this.lineParts);
				this.lineParts = [];
				this.linePartsBytes = 0;
				if (line.length > 0 && line[line.length - 1] === CR) line = line.subarray(0, -1);
			}
			this.consume(lf + 1 - start);
			let literalLength = announcedLiteral(line);
			// Only the first line says what the response is; lines after a literal continue a data response.
			if (literalLength !== undefined && this.lines.length === 0 && !mayCarryLiterals(line)) {
				literalLength = undefined;
			}
			// A line announcing a literal waits for it, perhaps beyond this chunk: keep a copy when chunks are freed.
			this.lines.push(
				literalLength !== undefined && this.releaseConsumedInput ? Buffer.from(line) : line,
			);
			if (literalLength === undefined) {
				const framed = { lines: this.lines, literals: this.literals };
				this.lines = [];
				this.literals = [];
				return framed;
			}
			if (literalLength > this.maxLiteralBytes) {
				throw new ImapParseError(
					`server announced a literal of ${literalLength} bytes, above this session's limit of ${this.maxLiteralBytes} bytes`,
				);
			}
			this.literal = Buffer.allocUnsafe(Math.min(literalLength, UPFRONT_LITERAL_BYTES));
			this.literalLength = literalLength;
			this.literalFilled = 0;
			if (literalLength === 0) this.finishLiteral();
		}
		return undefined;
	}

	private addLinePart(part: Buffer): void {
		if (part.length === 0) return;
		this.lineParts.push(part);
		this.linePartsBytes += part.length;
		if (this.linePartsBytes > this.maxLineBytes) {
			throw new ImapParseError(`server sent a line longer than ${this.maxLineBytes} bytes`);
		}
	}

	/** Doubles the literal's buffer (at least to `needed`, at most to the announced size): copies stay linear. */
	private growLiteral(needed: number): void {
		const old = this.literal as Buffer;
		const grown = Buffer.allocUnsafe(
			Math.min(this.literalLength, Math.max(needed, old.length * 2)),
		);
		old.copy(grown, 0, 0, this.literalFilled);
		this.literal = grown;
	}

	private finishLiteral(): void {
		this.literals.push(this.literal as Buffer);
		this.literal = undefined;
		this.literalLength = 0;
		this.literalFilled = 0;
	}

	private consume(bytes: number): void {
		this.inputOffset += bytes;
		if (this.inputOffset >= this.input[0].length) {
			const chunk = this.input.shift() as Buffer;
			this.inputOffset = 0;
			if (this.releaseConsumedInput) this.spent.push(chunk);
		}
	}

	/** Frees chunks read to their end, when each is the sole view of its own ArrayBuffer (never a pool slice). */
	private releaseSpent(): void {
		for (const chunk of this.spent) {
			const buffer = chunk.buffer as ArrayBuffer & { transfer?: (length: number) => ArrayBuffer };
			if (
				chunk.byteOffset === 0 &&
				chunk.byteLength === buffer.byteLength &&
				typeof buffer.transfer === 'function' &&
				!(buffer as { detached?: boolean }).detached
			) {
				buffer.transfer(0);
			}
		}
		this.spent = [];
	}
}

/** Literals up to this size are allocated whole when announced; larger ones grow as their bytes arrive. */
const UPFRONT_LITERAL_BYTES = 1024 * 1024;

/**
 * Length of the literal announced at the end of a line (`{12}`, `{12+}`, `~{12}`), if any. A literal is a token
 * of its own: the `{` (or the `~` of literal8) follows a space or an opening paren, never the middle of a word.
 */
function announcedLiteral(line: Buffer): number | undefined {
	let i = line.length - 1;
	if (i < 2 || line[i] !== 0x7d /* } */) return undefined;
	i--;
	if (line[i] === 0x2b /* + */) i--;
	const digitsEnd = i + 1;
	while (i >= 0 && line[i] >= 0x30 && line[i] <= 0x39) i--;
	if (i === digitsEnd - 1 || i < 1 || line[i] !== 0x7b /* { */) return undefined;
	const before = line[i - 1] === 0x7e /* ~ */ ? line[i - 2] : line[i - 1];
	if (before !== 0x20 /* SP */ && before !== 0x28 /* ( */) return undefined;
	return Number(line.toString('latin1', i + 1, digitsEnd));
}

/**
 * Responses whose grammar has no string, so no literal (RFC 3501 7 and 9, RFC 9051, RFC 5161, RFC 7162): status
 * responses (their resp-text is plain text, often echoing a folder name), and data made of numbers and atoms.
 */
const RESPONSES_WITHOUT_STRINGS = new Set([
	'OK',
	'NO',
	'BAD',
	'BYE',
	'PREAUTH',
	'CAPABILITY',
	'ENABLED',
	'FLAGS',
	'SEARCH',
	'EXISTS',
	'RECENT',
	'EXPUNGE',
	'VANISHED',
]);

/** `fetc` as a big-endian 32-bit word, to compare with a lower-cased one. */
const FETC = 0x66657463;

/** Whether the first line of a response may announce a literal: an untagged data response that carries strings. */
function mayCarryLiterals(line: Buffer): boolean {
	// A tagged line is always a status response; `+` is a continuation request, whose text is text.
	if (line[0] !== 0x2a /* * */ || line[1] !== SP) return false;
	let start = 2;
	let end = line.indexOf(SP, start);
	if (end < 0) return false;
	let allDigits = true;
	for (let i = start; i < end && allDigits; i++) allDigits = line[i] >= 0x30 && line[i] <= 0x39;
	if (allDigits) {
		start = end + 1;
		end = line.indexOf(SP, start);
		if (end < 0) return false;
	}
	// FETCH, every message of a copy, is told without making a string.
	if (
		end - start === 5 &&
		(line.readUInt32BE(start) | 0x20202020) === FETC &&
		(line[start + 4] | 0x20) === 0x68
	) {
		return true;
	}
	return !RESPONSES_WITHOUT_STRINGS.has(line.toString('latin1', start, end).toUpperCase());
}

/** Reads tokens across the lines of one framed response, stepping into literals at line ends. */
class TokenReader {
	private lineIndex = 0;
	private pos = 0;

	constructor(private readonly framed: FramedResponse) {}

	private get line(): Buffer {
		return this.framed.lines[this.lineIndex];
	}

	atLineEnd(): boolean {
		return this.pos >= this.line.length;
	}

	peek(): number {
		return this.pos < this.line.length ? this.line[this.pos] : -1;
	}

	skipSpaces(): void {
		while (this.peek() === SP) this.pos++;
	}

	advance(bytes: number): void {
		this.pos += bytes;
	}

	restOfLineSnapshot(): string {
		return this.line.toString('utf8', this.pos);
	}

	/** The rest of the current line as text (status text, continuation text). */
	restOfLine(): string {
		const text = this.line.toString('utf8', this.pos);
		this.pos = this.line.length;
		return text;
	}

	/** A bare word: up to a space, a paren, or (when `inCode`) a closing bracket. */
	word(inCode = false): string {
		const line = this.line;
		const start = this.pos;
		while (this.pos < line.length) {
			const c = line[this.pos];
			if (c === SP || c === LPAREN || c === RPAREN || (inCode && c === RBRACKET)) break;
			if (c === LBRACKET && !inCode) {
				this.skipBracketed();
				continue;
			}
			this.pos++;
		}
		return line.toString('latin1', start, this.pos);
	}

	/** Section specs such as `[HEADER.FIELDS (MESSAGE-ID)]` belong to their atom, spaces and all. */
	private skipBracketed(): void {
		const line = this.line;
		let depth = 0;
		while (this.pos < line.length) {
			const c = line[this.pos++];
			if (c === LBRACKET) depth++;
			else if (c === RBRACKET && --depth === 0) return;
		}
		throw new ImapParseError('unterminated [ in atom');
	}

	value(inCode = false): ImapValue {
		const c = this.peek();
		if (c === LPAREN) return this.list(inCode);
		if (c === DQUOTE) return this.quoted();
		if (c === LBRACE || (c === TILDE && this.line[this.pos + 1] === LBRACE)) return this.literal();
		if (c === -1) throw new ImapParseError('unexpected end of response');
		const word = this.word(inCode);
		if (word.length === 0) {
			throw new ImapParseError(`unexpected character ${String.fromCharCode(c)}`);
		}
		return word.length === 3 && word.toUpperCase() === 'NIL' ? null : word;
	}

	private list(inCode: boolean): ImapValue[] {
		this.pos++;
		const items: ImapValue[] = [];
		for (;;) {
			this.skipSpaces();
			const c = this.peek();
			if (c === RPAREN) {
				this.pos++;
				return items;
			}
			if (c === -1) throw new ImapParseError('unterminated list');
			items.push(this.value(inCode));
		}
	}

	private quoted(): string {
		const line = this.line;
		this.pos++;
		const start = this.pos;
		let escaped = false;
		while (this.pos < line.length) {
			const c = line[this.pos];
			if (c === BACKSLASH) {
				escaped = true;
				this.pos += 2;
				continue;
			}
			if (c === DQUOTE) {
				const raw = line.subarray(start, this.pos);
				this.pos++;
				return escaped ? unescapeQuoted(raw) : raw.toString('utf8');
			}
			this.pos++;
		}
		throw new ImapParseError('unterminated quoted string');
	}

	private literal(): Buffer {
		if (this.peek() === TILDE) this.pos++;
		const close = this.line.indexOf(0x7d, this.pos);
		if (close !== this.line.length - 1) throw new ImapParseError('literal not at end of line');
		const literal = this.framed.literals[this.lineIndex];
		if (!literal) throw new ImapParseError('missing literal data');
		this.lineIndex++;
		this.pos = 0;
		return literal;
	}

	/** Values until the end of the response. */
	valuesToEnd(): ImapValue[] {
		const values: ImapValue[] = [];
		for (;;) {
			this.skipSpaces();
			if (this.atLineEnd()) return values;
			values.push(this.value());
		}
	}
}

function unescapeQuoted(raw: Buffer): string {
	const out = Buffer.allocUnsafe(raw.length);
	let n = 0;
	for (let i = 0; i < raw.length; i++) {
		const c = raw[i];
		out[n++] = c === BACKSLASH && i + 1 < raw.length ? raw[++i] : c;
	}
	return out.toString('utf8', 0, n);
}

const STATUS_TYPES = new Set(['OK', 'NO', 'BAD', 'BYE', 'PREAUTH']);

export function parseResponse(framed: FramedResponse): ImapResponse {
	const reader = new TokenReader(framed);
	if (reader.peek() === 0x2b /* + */) {
		reader.advance(1);
		if (reader.peek() === SP) reader.advance(1);
		return { tag: '+', type: '', values: [], text: reader.restOfLine() };
	}
	const tag = reader.word(true);
	if (!tag) throw new ImapParseError('response without tag');
	reader.skipSpaces();
	let first = reader.word(true);
	let number: number | undefined;
	if (tag === '*' && /^\d+$/.test(first)) {
		number = Number(first);
		reader.skipSpaces();
		first = reader.word(true);
	}
	const type = first.toUpperCase();
	if (!type) throw new ImapParseError('response without a name');
	if (STATUS_TYPES.has(type)) return { tag, type, number, values: [], ...parseStatusText(reader) };
	if (tag !== '*') throw new ImapParseError(`tagged response with status ${type}`);
	return { tag, type, number, values: reader.valuesToEnd(), text: '' };
}

function parseStatusText(reader: TokenReader): Pick<ImapResponse, 'code' | 'codeArgs' | 'text'> {
	reader.skipSpaces();
	if (reader.peek() !== LBRACKET) return { text: reader.restOfLine() };
	const snapshot = reader.restOfLineSnapshot();
	try {
		reader.advance(1);
		const code = reader.word(true).toUpperCase();
		const codeArgs: ImapValue[] = [];
		for (;;) {
			reader.skipSpaces();
			const c = reader.peek();
			if (c === RBRACKET) {
				reader.advance(1);
				break;
			}
			if (c === -1) throw new ImapParseError('unterminated response code');
			codeArgs.push(reader.value(true));
		}
		reader.skipSpaces();
		return { code, codeArgs, text: reader.restOfLine() };
	} catch {
		// An odd code must not cost the status: keep its name and the raw text.
		const match = /^\[([^\s\]]+)[^\]]*\]\s*(.*)$/s.exec(snapshot);
		return match
			? { code: match[1].toUpperCase(), codeArgs: [], text: match[2] }
			: { text: snapshot };
	}
}
