/**
 * What a server's refusal means for a migration: "not now" (a busy server: retry later, with its backoff hint) or
 * "never" for this message (too big), and the failed `AppendResult` that says so.
 */
import type { ImapError } from '../../../imap/imapErrors';
import { suggestedBackoffMs } from '../../backoff';
import type { AppendResult } from '../../mailStore';

/** Response codes that say "not now" rather than "never" (RFC 5530 and common practice). */
const TRANSIENT_CODES = new Set(['THROTTLED', 'UNAVAILABLE', 'LIMIT', 'INUSE', 'SERVERBUG']);

/**
 * The server's "not now" (BYE [UNAVAILABLE], NO [THROTTLED]...), or null for any other failure. Exchange Online
 * sends no code: `NO Request is throttled. Suggested Backoff Time: N milliseconds` (imapsync/imapsync#198), so
 * its hint alone says "not now" too.
 */
export function busyOf(error: ImapError): { code: string; hintMs: number | null } | null {
	const hintMs = suggestedBackoffMs(error.serverText ?? error.message);
	if (!error.code && hintMs !== null) return { code: 'THROTTLED', hintMs };
	if (!error.code || !TRANSIENT_CODES.has(error.code) || isSizeRefusal(error)) return null;
	return { code: error.code, hintMs };
}

/**
 * Dovecot's quota_max_mail_size answers `NO [LIMIT] Mail size is larger than the maximum size allowed...`, others
 * TOOBIG or a bare NO: a size refusal is permanent for that message, unlike the [LIMIT] of a busy server.
 */
const SIZE_REFUSAL = /\b(size|too (large|big)|exceeds)\b/i;

/** Refused for its size: TOOBIG, or a [LIMIT] (or bare NO) whose text is about size rather than load or quota. */
export function isSizeRefusal(error: ImapError): boolean {
	if (error.code === 'TOOBIG') return true;
	const text = error.serverText || error.message;
	return (
		error.kind === 'no' &&
		(error.code === 'LIMIT' || !error.code) &&
		SIZE_REFUSAL.test(text) &&
		!/quota/i.test(text)
	);
}

export function failureOf(error: ImapError): AppendResult {
	const tooBig = isSizeRefusal(error);
	const busy = busyOf(error);
	return {
		ok: false,
		code: error.code ?? null,
		message: error.serverText || error.message,
		permanent: tooBig || !busy,
		...(tooBig ? { tooBig } : {}),
		...(busy ? { hintMs: busy.hintMs } : {}),
	};
}
