/**
 * Client-to-server half of the IMAP wire format: strings (quoted or literal), flag lists, INTERNALDATE
 * date-times and UID sets. Pure functions, so the session stays about connections and pipelining.
 */
import { ImapError } from './imapErrors';

/**
 * One piece of a command: raw protocol text (sent verbatim; never CR or LF), a literal (its bytes; the session
 * picks `{n+}` or `{n}`), or a line the session sends only after the server's `+` (SASL exchanges).
 */
export type CommandPart = string | Buffer | { afterContinuation: string };

const NEEDS_LITERAL = /[\r\n\0]/;
const NON_ASCII = /[^\x00-\x7f]/;

/**
 * An IMAP string for a value the caller does not control (mailbox name, user name, password): a quoted string
 * when that is lossless, else a literal. 8-bit text goes in a literal unless UTF8=ACCEPT is enabled.
 */
export function stringArg(value: string, utf8Accepted: boolean): string | Buffer {
	if (
		NEEDS_LITERAL.test(value) ||
		(!utf8Accepted && NON_ASCII.test(value)) ||
		value.length > 1000
	) {
		return Buffer.from(value, 'utf8');
	}
	return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

// flag = "\" atom / keyword; atom-specials are ( ) { SP CTL % * " \ ]
const FLAG = /^\\?[^\s(){%*"\\\]\x00-\x1f\x7f]+$/;

/** `(\Seen $Forwarded)` for APPEND/STORE; `\Recent` is dropped because no client may set it. */
export function flagList(flags: readonly string[]): string {
	const kept: string[] = [];
	for (const flag of flags) {
		if (flag.toLowerCase() === '\\recent') continue;
		if (!FLAG.test(flag) || NON_ASCII.test(flag)) {
			throw new ImapError(`invalid IMAP flag ${JSON.stringify(flag)}`, { kind: 'bad' });
		}
		if (!kept.includes(flag)) kept.push(flag);
	}
	return `(${kept.join(' ')})`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DATE_TIME =
	/^\s*(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})\s*$/;

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

const MONTH_INDEX = new Map(MONTHS.map((name, index) => [name, index]));

function digitAt(text: string, index: number): number {
	const code = text.charCodeAt(index) - 48;
	return code >= 0 && code <= 9 ? code : -1;
}

function digitsAt(text: string, index: number, count: number): number {
	let value = 0;
	for (let i = 0; i < count; i++) {
		const digit = digitAt(text, index + i);
		if (digit < 0) return -1;
		value = value * 10 + digit;
	}
	return value;
}

/**
 * The month index of `dd-Mon-yyyy hh:mm:ss +zzzz` exactly as servers send it (two-digit or space-padded day,
 * capitalised month), or -1 for anything else (the general pattern then decides). Checked character by
 * character: this runs twice for every message copied, and a regex match allocates a dozen strings each time.
 */
function canonicalMonth(value: string): number {
	if (value.length !== 26) return -1;
	const day = value.charCodeAt(0) === 32 ? digitAt(value, 1) : digitsAt(value, 0, 2);
	if (day < 0 || value[2] !== '-' || value[6] !== '-' || value[11] !== ' ') return -1;
	if (value[14] !== ':' || value[17] !== ':' || value[20] !== ' ') return -1;
	const sign = value.charCodeAt(21);
	if (sign !== 43 /* + */ && sign !== 45 /* - */) return -1;
	if (
		digitsAt(value, 7, 4) < 0 ||
		digitsAt(value, 12, 2) < 0 ||
		digitsAt(value, 15, 2) < 0 ||
		digitsAt(value, 18, 2) < 0 ||
		digitsAt(value, 22, 4) < 0
	)
		return -1;
	return MONTH_INDEX.get(value.slice(3, 6)) ?? -1;
}

/**
 * The quoted date-time for APPEND. A server string (as FETCH INTERNALDATE returned it) keeps its own zone
 * offset, so the copy shows the same local time; a Date is written in UTC.
 */
export function internalDateArg(value: Date | string): string {
	if (typeof value === 'string') {
		// Already in the form APPEND wants (zero-padded day): quote it as it is.
		if (value.charCodeAt(0) !== 32 && canonicalMonth(value) >= 0) return `"${value}"`;
		const m = DATE_TIME.exec(value);
		const month = m && MONTHS.findIndex((name) => name.toLowerCase() === m[2].toLowerCase());
		if (!m || month === null || month < 0) {
			throw new ImapError(`invalid INTERNALDATE ${JSON.stringify(value)}`, { kind: 'bad' });
		}
		return `"${pad(Number(m[1]))}-${MONTHS[month]}-${m[3]} ${m[4]}:${m[5]}:${m[6]} ${m[7]}${m[8]}${m[9]}"`;
	}
	if (Number.isNaN(value.getTime())) throw new ImapError('invalid INTERNALDATE', { kind: 'bad' });
	return (
		`"${pad(value.getUTCDate())}-${MONTHS[value.getUTCMonth()]}-${value.getUTCFullYear()} ` +
		`${pad(value.getUTCHours())}:${pad(value.getUTCMinutes())}:${pad(value.getUTCSeconds())} +0000"`
	);
}

/** The instant of an INTERNALDATE string, or undefined when it is not one. */
export function parseInternalDate(text: string): Date | undefined {
	const canonical = canonicalMonth(text);
	if (canonical >= 0) {
		const day = text.charCodeAt(0) === 32 ? digitAt(text, 1) : digitsAt(text, 0, 2);
		const offsetMinutes =
			(text.charCodeAt(21) === 45 ? -1 : 1) * (digitsAt(text, 22, 2) * 60 + digitsAt(text, 24, 2));
		const utc = Date.UTC(
			digitsAt(text, 7, 4),
			canonical,
			day,
			digitsAt(text, 12, 2),
			digitsAt(text, 15, 2),
			digitsAt(text, 18, 2),
		);
		return new Date(utc - offsetMinutes * 60_000);
	}
	const m = DATE_TIME.exec(text);
	if (!m) return undefined;
	const month = MONTHS.findIndex((name) => name.toLowerCase() === m[2].toLowerCase());
	if (month < 0) return undefined;
	const offsetMinutes = (m[7] === '-' ? -1 : 1) * (Number(m[8]) * 60 + Number(m[9]));
	const utc = Date.UTC(Number(m[3]), month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
	return new Date(utc - offsetMinutes * 60_000);
}

/**
 * The UIDs of a uid-set such as `4:6,9` in the order written (`6:4` counts down), as APPENDUID and COPYUID
 * list them. Refuses `*` and anything malformed.
 */
export function expandUidSet(set: string): number[] {
	const uids: number[] = [];
	for (const part of set.split(',')) {
		const m = /^(\d+)(?::(\d+))?$/.exec(part);
		if (!m) throw new ImapError(`invalid uid-set ${JSON.stringify(set)}`, { kind: 'protocol' });
		const from = Number(m[1]);
		const to = m[2] === undefined ? from : Number(m[2]);
		const step = from <= to ? 1 : -1;
		if (Math.abs(to - from) > 10_000_000) {
			throw new ImapError(`uid-set too large ${JSON.stringify(set)}`, { kind: 'protocol' });
		}
		for (let uid = from; uid !== to + step; uid += step) uids.push(uid);
	}
	return uids;
}

/** Compact sequence-set for a list of UIDs: `[1,2,3,7]` -> `1:3,7`. */
export function uidSetOf(uids: readonly number[]): string {
	const sorted = [...new Set(uids)].sort((a, b) => a - b);
	const ranges: string[] = [];
	for (let i = 0; i < sorted.length;) {
		let j = i;
		while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
		ranges.push(i === j ? `${sorted[i]}` : `${sorted[i]}:${sorted[j]}`);
		i = j + 1;
	}
	return ranges.join(',');
}

/** A membership test for a sequence-set such as `1:100,200:*` (`*` = no upper bound). */
export function uidSetMatcher(set: string): (uid: number) => boolean {
	const ranges: Array<[number, number]> = [];
	for (const part of set.split(',')) {
		const m = /^(\d+|\*)(?::(\d+|\*))?$/.exec(part.trim());
		if (!m) throw new ImapError(`invalid uid-set ${JSON.stringify(set)}`, { kind: 'bad' });
		const a = m[1] === '*' ? Infinity : Number(m[1]);
		const b = m[2] === undefined ? a : m[2] === '*' ? Infinity : Number(m[2]);
		ranges.push([Math.min(a, b), Math.max(a, b)]);
	}
	return (uid) => ranges.some(([low, high]) => uid >= low && uid <= high);
}
