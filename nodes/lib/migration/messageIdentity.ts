import { createHash } from 'node:crypto';

/** SHA-256 of the exact bytes: the item's fingerprint in the ledger and the proof of fidelity in verification. */
export function fingerprintOf(raw: Buffer): string {
	return createHash('sha256').update(raw).digest('hex');
}

/**
 * The Message-ID from a header block (as `BODY[HEADER.FIELDS (MESSAGE-ID)]` returns it): unfolded and trimmed, or
 * null when absent or empty. Malformed values are kept as they are, since matching only needs them to be stable.
 */
export function messageIdFromHeader(header: Buffer | string | null | undefined): string | null {
	if (!header || header.length === 0) return null;
	const text = (typeof header === 'string' ? header : header.toString('latin1')).replace(
		/\r?\n[ \t]+/g,
		' ',
	);
	const match = /^message-id[ \t]*:(.*)$/im.exec(text);
	if (!match) return null;
	const value = match[1].trim();
	return value ? value.slice(0, 995) : null;
}

const MONTHS: Record<string, number> = {
	jan: 0,
	feb: 1,
	mar: 2,
	apr: 3,
	may: 4,
	jun: 5,
	jul: 6,
	aug: 7,
	sep: 8,
	oct: 9,
	nov: 10,
	dec: 11,
};

/** Parses an IMAP date-time ("17-Jul-1996 02:44:25 -0700") to epoch milliseconds; NaN when malformed. */
export function parseImapDate(value: string): number {
	const match =
		/^\s*(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})\s*$/.exec(
			value,
		);
	if (!match) return Date.parse(value);
	const [, day, month, year, hour, minute, second, sign, zoneHours, zoneMinutes] = match;
	const monthIndex = MONTHS[month.toLowerCase()];
	if (monthIndex === undefined) return Number.NaN;
	const utc = Date.UTC(+year, monthIndex, +day, +hour, +minute, +second);
	const offset = (+zoneHours * 60 + +zoneMinutes) * 60_000 * (sign === '-' ? -1 : 1);
	return utc - offset;
}

export function isoDate(imapDate: string): string {
	const ms = parseImapDate(imapDate);
	return Number.isNaN(ms) ? new Date(0).toISOString() : new Date(ms).toISOString();
}

/**
 * The key under which a source item and a target message are taken to be the same: Message-ID and internal date to
 * the second. Not the size a server reports: a target that rewrites what it stores (headers added, line endings
 * changed) reports another. Items without a Message-ID are confirmed by fingerprint, so their key takes the size
 * too, keeping the bodies to fetch few.
 */
export function matchKey(item: {
	messageId: string | null;
	size: number;
	internalDateMs: number;
}): string {
	const second = Math.floor(item.internalDateMs / 1000);
	return item.messageId ? `${item.messageId}\u0000${second}` : `\u0000${item.size}\u0000${second}`;
}
