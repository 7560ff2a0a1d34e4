/**
 * IMAP mailbox-name encoding: modified UTF-7 (RFC 3501 §5.1.3) for classic servers, raw UTF-8 for servers on which
 * UTF8=ACCEPT (RFC 6855) is enabled. Everything above this module works on decoded Unicode names only.
 */

/** A mailbox name that is not valid modified UTF-7; `position` is the offset in the raw name where it went wrong. */
export class Mutf7DecodeError extends Error {
	constructor(
		readonly rawName: string,
		readonly position: number,
		readonly reason: string,
	) {
		super(
			`mailbox name ${JSON.stringify(rawName)} is not valid modified UTF-7 at offset ${position}: ${reason}`,
		);
		this.name = 'Mutf7DecodeError';
	}
}

/** How a server spells mailbox names on the wire. */
export interface MailboxNameEncoding {
	/** True when UTF8=ACCEPT is enabled on the connection: names travel as raw UTF-8 and `&` is an ordinary character. */
	utf8: boolean;
}

// Modified BASE64 is RFC 2045 base64 with ',' in place of '/'.
const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,';
const BASE64_VALUE = new Map([...BASE64_ALPHABET].map((char, value) => [char, value]));

function isDirectlyPrintable(codeUnit: number): boolean {
	return codeUnit >= 0x20 && codeUnit <= 0x7e;
}

function isHighSurrogate(codeUnit: number): boolean {
	return codeUnit >= 0xd800 && codeUnit <= 0xdbff;
}

function isLowSurrogate(codeUnit: number): boolean {
	return codeUnit >= 0xdc00 && codeUnit <= 0xdfff;
}

function encodeShiftedRun(codeUnits: number[]): string {
	const bytes: number[] = [];
	for (const unit of codeUnits) bytes.push(unit >> 8, unit & 0xff);
	let encoded = '';
	for (let index = 0; index < bytes.length; index += 3) {
		const chunk = (bytes[index] << 16) | ((bytes[index + 1] ?? 0) << 8) | (bytes[index + 2] ?? 0);
		const significantChars = Math.min(4, Math.ceil(((bytes.length - index) * 8) / 6));
		for (let char = 0; char < significantChars; char++) {
			encoded += BASE64_ALPHABET[(chunk >> (18 - 6 * char)) & 0x3f];
		}
	}
	return `&${encoded}-`;
}

/**
 * Encodes a Unicode mailbox name as modified UTF-7: printable ASCII stays as is, `&` becomes `&-`, everything else
 * goes into `&…-` runs of UTF-16BE in modified BASE64. Throws on a lone surrogate, which no server could store.
 */
export function encodeMutf7(name: string): string {
	let encoded = '';
	let shifted: number[] = [];
	const flushShifted = () => {
		if (shifted.length) encoded += encodeShiftedRun(shifted);
		shifted = [];
	};
	for (let index = 0; index < name.length; index++) {
		const unit = name.charCodeAt(index);
		if (isDirectlyPrintable(unit)) {
			flushShifted();
			encoded += unit === 0x26 ? '&-' : name[index];
			continue;
		}
		if (isHighSurrogate(unit) && isLowSurrogate(name.charCodeAt(index + 1))) {
			shifted.push(unit, name.charCodeAt(index + 1));
			index++;
			continue;
		}
		if (isHighSurrogate(unit) || isLowSurrogate(unit)) {
			throw new Error(
				`mailbox name ${JSON.stringify(name)} has an unpaired UTF-16 surrogate at offset ${index}`,
			);
		}
		shifted.push(unit);
	}
	flushShifted();
	return encoded;
}

function decodeShiftedRun(rawName: string, start: number, run: string): string {
	let bits = 0;
	let bitCount = 0;
	const codeUnits: number[] = [];
	for (let offset = 0; offset < run.length; offset++) {
		const value = BASE64_VALUE.get(run[offset]);
		if (value === undefined) {
			throw new Mutf7DecodeError(
				rawName,
				start + offset,
				`${JSON.stringify(run[offset])} is not a modified BASE64 character`,
			);
		}
		bits = ((bits << 6) | value) & 0xffffff;
		bitCount += 6;
		if (bitCount >= 16) {
			bitCount -= 16;
			codeUnits.push((bits >> bitCount) & 0xffff);
		}
	}
	if (bitCount >= 6 || (bits & ((1 << bitCount) - 1)) !== 0) {
		throw new Mutf7DecodeError(
			rawName,
			start + run.length,
			'the encoded run does not end on a whole UTF-16 character',
		);
	}
	for (let index = 0; index < codeUnits.length; index++) {
		const unit = codeUnits[index];
		if (isDirectlyPrintable(unit)) {
			throw new Mutf7DecodeError(
				rawName,
				start,
				`printable ASCII ${JSON.stringify(String.fromCharCode(unit))} must not be BASE64-encoded`,
			);
		}
		if (isHighSurrogate(unit) && isLowSurrogate(codeUnits[index + 1])) {
			index++;
		} else if (isHighSurrogate(unit) || isLowSurrogate(unit)) {
			throw new Mutf7DecodeError(
				rawName,
				start,
				'the encoded run holds an unpaired UTF-16 surrogate',
			);
		}
	}
	return String.fromCharCode(...codeUnits);
}

/**
 * Decodes a modified UTF-7 mailbox name exactly as RFC 3501 defines it. Anything else (8-bit characters, an
 * unterminated `&` run, non-zero padding bits, encoded printable ASCII, broken surrogates) throws a
 * {@link Mutf7DecodeError} naming the offset and the fault, so callers can fall back knowingly.
 */
export function decodeMutf7(rawName: string): string {
	let decoded = '';
	let index = 0;
	while (index < rawName.length) {
		const unit = rawName.charCodeAt(index);
		if (!isDirectlyPrintable(unit)) {
			throw new Mutf7DecodeError(
				rawName,
				index,
				`character U+${unit.toString(16).toUpperCase().padStart(4, '0')} is not printable US-ASCII (is the server sending UTF-8 names?)`,
			);
		}
		if (unit !== 0x26) {
			decoded += rawName[index++];
			continue;
		}
		const end = rawName.indexOf('-', index + 1);
		if (end < 0)
			throw new Mutf7DecodeError(
				rawName,
				index,
				"'&' starts an encoded run that never ends with '-'",
			);
		decoded +=
			end === index + 1 ? '&' : decodeShiftedRun(rawName, index + 1, rawName.slice(index + 1, end));
		index = end + 1;
	}
	return decoded;
}

/** Like {@link decodeMutf7} but returns the fault instead of throwing, for lists where one bad name must not stop the rest. */
export function tryDecodeMutf7(
	rawName: string,
): { ok: true; name: string } | { ok: false; error: Mutf7DecodeError } {
	try {
		return { ok: true, name: decodeMutf7(rawName) };
	} catch (error) {
		if (error instanceof Mutf7DecodeError) return { ok: false, error };
		throw error;
	}
}

/** The wire form of a Unicode mailbox name for a server with the given encoding. */
export function encodeMailboxName(name: string, encoding: MailboxNameEncoding): string {
	return encoding.utf8 ? name : encodeMutf7(name);
}

/** The Unicode form of a mailbox name as a server with the given encoding sent it. Throws {@link Mutf7DecodeError}. */
export function decodeMailboxName(rawName: string, encoding: MailboxNameEncoding): string {
	return encoding.utf8 ? rawName : decodeMutf7(rawName);
}
