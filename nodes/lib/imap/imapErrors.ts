import { classifySocketError, type SocketAddress } from './socketErrors';

/**
 * The one error type of the IMAP session. `kind` says at which layer it failed, so callers can decide between
 * "fix the settings" (dns, tcp, tls, auth), "retry later" (timeout, closed, THROTTLED) and "this item failed"
 * (no, bad). Messages name the server and the command but never a password or a command's arguments.
 */
export type ImapErrorKind =
	'dns' | 'tcp' | 'tls' | 'auth' | 'protocol' | 'timeout' | 'closed' | 'no' | 'bad';

export interface ImapErrorDetails {
	kind: ImapErrorKind;
	/** Server response code without brackets, e.g. AUTHENTICATIONFAILED, OVERQUOTA, TRYCREATE. */
	code?: string;
	/** The human text the server sent after the status and code. */
	serverText?: string;
	/** Command name only (e.g. `APPEND`, `UID FETCH`, `LOGIN`), never its arguments. */
	command?: string;
	/** Node's system error code (ECONNREFUSED, ERR_SSL_WRONG_VERSION_NUMBER, ...) when a socket failed. */
	systemCode?: string;
	cause?: unknown;
}

export class ImapError extends Error {
	readonly kind: ImapErrorKind;
	readonly code?: string;
	readonly serverText?: string;
	readonly command?: string;
	readonly systemCode?: string;

	constructor(message: string, details: ImapErrorDetails) {
		super(message, details.cause === undefined ? undefined : { cause: details.cause });
		this.name = 'ImapError';
		this.kind = details.kind;
		this.code = details.code;
		this.serverText = details.serverText;
		this.command = details.command;
		this.systemCode = details.systemCode;
	}
}

/**
 * A failed `append`: per message (same order as given) its UID when it was stored, or the error that kept it
 * out. A refused MULTIAPPEND holds its one error for every message (nothing of the batch was stored).
 */
export class ImapAppendError extends ImapError {
	readonly outcomes: ReadonlyArray<{ uid: number | null; uidValidity: number | null } | ImapError>;

	constructor(
		first: ImapError,
		outcomes: ReadonlyArray<{ uid: number | null; uidValidity: number | null } | ImapError>,
	) {
		super(first.message, {
			kind: first.kind,
			code: first.code,
			serverText: first.serverText,
			command: first.command,
			systemCode: first.systemCode,
			cause: first,
		});
		this.name = 'ImapAppendError';
		this.outcomes = outcomes;
	}
}

/** Kinds after which the connection is gone: the work may resume on a new session. */
export const CONNECTION_KINDS: ReadonlySet<ImapErrorKind> = new Set([
	'dns',
	'tcp',
	'tls',
	'timeout',
	'closed',
	'protocol',
]);

/** A failed connection attempt, at the layer socketErrors.ts reads from Node's code (`stage`: had TLS started). */
export function socketFailure(
	error: unknown,
	server: SocketAddress,
	stage: 'tcp' | 'tls',
): ImapError {
	const failure = classifySocketError(error, server, stage);
	return new ImapError(failure.message, {
		kind: failure.layer,
		systemCode: failure.systemCode,
		cause: error,
	});
}

/**
 * Exchange Online ends a session whose OAuth token expired: `* BYE Session invalidated - AccessTokenExpired`
 * (seen in imapsync/imapsync#250); the same words in a tagged NO mean the same. Such a session is re-established
 * with a fresh token.
 */
export function isTokenExpiry(serverText: string | undefined): boolean {
	return serverText !== undefined && /\bAccessTokenExpired\b/.test(serverText);
}
