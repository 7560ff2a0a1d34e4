/**
 * The one reading of Node's socket, DNS and TLS error codes (node:net, node:dns, node:tls and OpenSSL's
 * certificate checks): at which layer a connection failed, and one sentence saying what to do about it. The
 * session's errors (ImapSession via imapErrors.ts) and the account check and pre-flight (connectionFailure.ts)
 * both go through here, so a refused port or an untrusted certificate reads the same everywhere. So does the
 * sentence for a port that accepts the connection but never greets (usually TLS spoken to, or expected by, it).
 */

export type SocketLayer = 'dns' | 'tcp' | 'tls' | 'timeout';

export interface SocketFailure {
	layer: SocketLayer;
	/** One sentence for people, naming the server; never contains a secret. */
	message: string;
	/** Node's error code, when the error had one. */
	systemCode?: string;
}

export interface SocketAddress {
	host: string;
	port: number;
}

/** Codes that name their layer outright; the TLS family is matched by prefix below. */
export const SOCKET_CODE_LAYERS: ReadonlyMap<string, SocketLayer> = new Map<string, SocketLayer>([
	['ENOTFOUND', 'dns'],
	['EAI_AGAIN', 'dns'],
	['EAI_NONAME', 'dns'],
	['EAI_FAIL', 'dns'],
	['EAI_NODATA', 'dns'],
	['ECONNREFUSED', 'tcp'],
	['ECONNRESET', 'tcp'],
	['ECONNABORTED', 'tcp'],
	['EPIPE', 'tcp'],
	['EHOSTUNREACH', 'tcp'],
	['EHOSTDOWN', 'tcp'],
	['ENETUNREACH', 'tcp'],
	['ENETDOWN', 'tcp'],
	['ETIMEDOUT', 'timeout'],
	// Before the ERR_TLS_ prefix: it says "no answer in time", not "the certificate is wrong".
	['ERR_TLS_HANDSHAKE_TIMEOUT', 'timeout'],
]);

/** Node's TLS errors and OpenSSL's certificate verification results. */
const TLS_CODE =
	/^(ERR_SSL_|ERR_TLS_|ERR_OSSL|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_|HOSTNAME_MISMATCH)/;

/** Text of code-less errors (imapflow passes some on without Node's code) that still says TLS failed. */
const TLS_TEXT = /certificate|SSL routines|wrong version number|packet length too long/i;

/**
 * Which check failed and what a person can do about it, found in a TLS failure's code or, for code-less errors, its
 * text. The host-name and fingerprint sentences carry the error's detail: the names the certificate lists, the
 * fingerprint seen (both public).
 */
const TLS_HINTS: ReadonlyArray<[RegExp, (detail: string) => string]> = [
	[
		/WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG|wrong version number|packet length too long/i,
		() =>
			'The port does not speak TLS: use STARTTLS or None for this port, or the TLS port (usually 993).',
	],
	[
		/FINGERPRINT_MISMATCH/,
		(detail) =>
			`The fingerprint check failed: ${detail}. Update "Certificate Fingerprint (SHA-256)" only if you trust this server's new certificate.`,
	],
	[/TRUST_SETTING_INVALID/, (detail) => `The certificate settings cannot be used: ${detail}.`],
	[
		/SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|self[- ]signed|unable to verify|unable to get (local )?issuer/i,
		() =>
			'The certificate chain is not trusted: give its CA under "Trusted CA Certificates (PEM)" or pin "Certificate Fingerprint (SHA-256)", or turn on "Allow Self-Signed Certificates" only if you trust this server.',
	],
	[
		/ALTNAME_INVALID|HOSTNAME_MISMATCH|does not match certificate/i,
		(detail) =>
			`The host-name check failed: ${detail.replace(/\.$/, '')}. Connect with a name the certificate lists, or turn on "Skip Host Name Check" only if you trust this server.`,
	],
	[
		/CERT_HAS_EXPIRED|CERT_NOT_YET_VALID|certificate has expired|certificate is not yet valid/i,
		() =>
			'The certificate has expired or is not valid yet: the server administrator must renew it.',
	],
];

function codeOf(error: unknown): string | undefined {
	const err = error as { code?: unknown; systemCode?: unknown } | null | undefined;
	if (typeof err?.systemCode === 'string' && err.systemCode) return err.systemCode;
	return typeof err?.code === 'string' && err.code ? err.code : undefined;
}

function detailOf(error: unknown): string {
	const message = (error as { message?: unknown } | null | undefined)?.message;
	return typeof message === 'string' ? message : String(error);
}

/** The layer Node's code names, or null for codes that say nothing about it. */
export function layerOfSocketCode(code: string): SocketLayer | null {
	return SOCKET_CODE_LAYERS.get(code) ?? (TLS_CODE.test(code) ? 'tls' : null);
}

function sentence(
	layer: SocketLayer,
	server: SocketAddress,
	code: string | undefined,
	detail: string,
) {
	const where = `${server.host}:${server.port}`;
	const said = code ?? detail;
	switch (layer) {
		case 'dns':
			return `DNS: the host name ${server.host} cannot be resolved (${said})`;
		case 'timeout':
			return `Timeout: ${where} did not answer in time (${said})`;
		case 'tls': {
			const hint = TLS_HINTS.find(([pattern]) => pattern.test(`${code ?? ''} ${detail}`))?.[1];
			return `TLS: the secure connection to ${where} failed (${said}).${hint ? ` ${hint(detail)}` : ''}`;
		}
		default:
			if (code === 'ECONNREFUSED') {
				return `TCP: ${where} refused the connection: nothing listens on that port`;
			}
			return code !== undefined && SOCKET_CODE_LAYERS.get(code) === 'tcp'
				? `TCP: ${where} is unreachable or dropped the connection (${code})`
				: `TCP: the connection to ${where} failed (${said})`;
	}
}

/**
 * Classifies a failed connection attempt. `stage` is what the caller knows of the socket: `tls` once a TLS
 * handshake had started on it (then a dropped connection or an unknown code is the TLS layer's: a TLS port
 * hanging up on plain text, a server refusing our TLS), `tcp` before (then an unknown code is a TCP failure).
 * Without a stage (imapflow does not say) an error whose code and text name no layer gives null, and the
 * caller reads it as an IMAP-level failure.
 */
export function classifySocketError(
	error: unknown,
	server: SocketAddress,
	stage: 'tcp' | 'tls',
): SocketFailure;
export function classifySocketError(
	error: unknown,
	server: SocketAddress,
	stage?: 'tcp' | 'tls',
): SocketFailure | null;
export function classifySocketError(
	error: unknown,
	server: SocketAddress,
	stage?: 'tcp' | 'tls',
): SocketFailure | null {
	const code = codeOf(error);
	const detail = detailOf(error);
	const named = code === undefined ? null : layerOfSocketCode(code);
	let layer = named;
	if (stage === 'tls' && (named === null || (named === 'tcp' && code !== 'ECONNREFUSED')))
		layer = 'tls';
	else if (layer === null) layer = stage ?? (TLS_TEXT.test(detail) ? 'tls' : null);
	if (layer === null) return null;
	return { layer, message: sentence(layer, server, code, detail), systemCode: code };
}

/** A server that took the connection but sent no IMAP greeting in time; on a plain port that is usually TLS. */
export function greetingTimeoutMessage(server: SocketAddress, suggestImplicitTls: boolean): string {
	return `Timeout: ${server.host}:${server.port} did not answer as an IMAP server in time.${
		suggestImplicitTls
			? ' If the port expects implicit TLS (usually 993), set Security to TLS.'
			: ''
	}`;
}
