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

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL', 'EAI_NODATA']);
const TLS_CODE =
	/^(ERR_SSL_|ERR_TLS_|ERR_OSSL|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_|HOSTNAME_MISMATCH)/;

/** Classifies a socket-level failure (`stage` says whether TLS had started on the socket). */
export function socketFailure(error: unknown, where: string, stage: 'tcp' | 'tls'): ImapError {
	const err = error as { code?: unknown; message?: unknown };
	const systemCode = typeof err?.code === 'string' ? err.code : undefined;
	const detail = typeof err?.message === 'string' ? err.message : String(error);
	if (systemCode && DNS_CODES.has(systemCode)) {
		return new ImapError(`DNS: the host name of ${where} cannot be resolved (${systemCode})`, {
			kind: 'dns',
			systemCode,
			cause: error,
		});
	}
	if (systemCode === 'ECONNREFUSED') {
		return new ImapError(`TCP: ${where} refused the connection: nothing listens on that port`, {
			kind: 'tcp',
			systemCode,
			cause: error,
		});
	}
	if ((systemCode && TLS_CODE.test(systemCode)) || stage === 'tls') {
		const said = `${systemCode ?? ''} ${detail}`;
		const hint = /WRONG_VERSION|wrong version number|packet length too long/i.test(said)
			? ' The port does not speak TLS: use STARTTLS or no security on this port, or the TLS port (usually 993).'
			: /SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/i.test(said)
				? ' The certificate is not trusted: allow self-signed certificates only if you trust this server.'
				: '';
		return new ImapError(
			`TLS: the secure connection to ${where} failed (${systemCode ?? detail}).${hint}`,
			{ kind: 'tls', systemCode, cause: error },
		);
	}
	return new ImapError(`TCP: the connection to ${where} failed (${systemCode ?? detail})`, {
		kind: 'tcp',
		systemCode,
		cause: error,
	});
}
