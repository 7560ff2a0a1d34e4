import type { ImapServer } from './endpoint';

/** The layer at which reaching a mailbox failed, so people know whom to call: DNS, network, certificates or accounts. */
export type FailureLayer = 'dns' | 'tcp' | 'tls' | 'timeout' | 'auth' | 'protocol';

export interface ConnectionFailure {
	layer: FailureLayer;
	/** One sentence for people, naming the server and the cause; never contains a secret. */
	message: string;
	/** Server response code such as AUTHENTICATIONFAILED, when the server gave one. */
	serverCode?: string;
}

const TLS_CODES =
	/^(ERR_SSL_|ERR_TLS_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_(GET|VERIFY)|ERR_OSSL)/;

interface ErrorLike {
	code?: unknown;
	systemCode?: unknown;
	message?: unknown;
	authenticationFailed?: unknown;
	serverResponseCode?: unknown;
	responseText?: unknown;
	kind?: unknown;
	cause?: unknown;
}

function text(value: unknown): string {
	return typeof value === 'string' ? value : '';
}

/**
 * Turns whatever a connection attempt threw (imapflow, node:net, node:tls, our ImapSession) into one layered,
 * human message. Secrets cannot leak through it: only codes and server text are used, never the request.
 */
export function describeConnectionFailure(error: unknown, server: ImapServer): ConnectionFailure {
	const where = `${server.host}:${server.port}`;
	const err = (error ?? {}) as ErrorLike;
	// Our own ImapError already knows its layer and says it in a clean sentence.
	const kind = text(err.kind);
	if (['dns', 'tcp', 'tls', 'timeout', 'auth'].includes(kind)) {
		return {
			layer: kind as FailureLayer,
			message: text(err.message),
			serverCode: text(err.code) || undefined,
		};
	}
	const code = text(err.systemCode) || text(err.code);
	const message = text(err.message);
	const serverCode = text(err.serverResponseCode) || undefined;
	const serverText = text(err.responseText);

	if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') {
		return {
			layer: 'dns',
			message: `DNS: the host name ${server.host} cannot be resolved (${code})`,
		};
	}
	if (code === 'ECONNREFUSED') {
		return {
			layer: 'tcp',
			message: `TCP: ${where} refused the connection: nothing listens on that port`,
		};
	}
	if (
		code === 'EHOSTUNREACH' ||
		code === 'ENETUNREACH' ||
		code === 'ECONNRESET' ||
		code === 'EPIPE'
	) {
		return {
			layer: 'tcp',
			message: `TCP: ${where} is unreachable or dropped the connection (${code})`,
		};
	}
	// Before the TLS checks: a greeting timeout's text mentions TLS only as a hint.
	if (
		code === 'ETIMEDOUT' ||
		code === 'GreetingTimeout' ||
		code === 'GREETING_TIMEOUT' ||
		code === 'CONNECT_TIMEOUT' ||
		code === 'ConnectionTimeout' ||
		/timeout/i.test(code + message)
	) {
		const hint =
			server.security === 'tls'
				? ''
				: ' If the port expects implicit TLS (usually 993), set Security to TLS.';
		return {
			layer: 'timeout',
			message: `Timeout: ${where} did not answer as an IMAP server in time.${hint}`,
		};
	}
	if (TLS_CODES.test(code) || /certificate|SSL routines|wrong version number|tls/i.test(message)) {
		const hint = /self[- ]signed|UNABLE_TO_VERIFY|unable to verify|DEPTH_ZERO/i.test(code + message)
			? ' The certificate is not trusted: turn on "Allow Self-Signed Certificates" only if you trust this server.'
			: /wrong version number|packet length too long|ERR_SSL_WRONG_VERSION/i.test(code + message)
				? ' The port does not speak TLS: use STARTTLS or None for this port, or the TLS port (usually 993).'
				: '';
		return {
			layer: 'tls',
			message: `TLS: the secure connection to ${where} failed (${code || message}).${hint}`,
		};
	}
	if (
		err.authenticationFailed === true ||
		err.kind === 'auth' ||
		serverCode === 'AUTHENTICATIONFAILED' ||
		serverCode === 'AUTHORIZATIONFAILED' ||
		/authentication failed|invalid credentials|LOGIN failed/i.test(message + ' ' + serverText)
	) {
		const said = serverText ? ` Server said: ${serverText}` : '';
		return {
			layer: 'auth',
			message: `Authentication: ${where} rejected the login.${said}`,
			serverCode: serverCode ?? 'AUTHENTICATIONFAILED',
		};
	}
	if (/STARTTLS/i.test(message)) {
		return { layer: 'tls', message: `TLS: ${where} does not offer STARTTLS (${message})` };
	}
	return {
		layer: 'protocol',
		message: `IMAP: ${where} failed: ${serverText || message || code || 'unknown error'}`,
		serverCode,
	};
}
