import type { ImapServer } from './endpoint';
import { classifySocketError, greetingTimeoutMessage } from './socketErrors';

/** The layer at which reaching a mailbox failed, so people know whom to call: DNS, network, certificates or accounts. */
export type FailureLayer = 'dns' | 'tcp' | 'tls' | 'timeout' | 'auth' | 'protocol';

export interface ConnectionFailure {
	layer: FailureLayer;
	/** One sentence for people, naming the server and the cause; never contains a secret. */
	message: string;
	/** Server response code such as AUTHENTICATIONFAILED, when the server gave one. */
	serverCode?: string;
}

interface ErrorLike {
	code?: unknown;
	systemCode?: unknown;
	message?: unknown;
	authenticationFailed?: unknown;
	serverResponseCode?: unknown;
	responseText?: unknown;
	kind?: unknown;
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

	const socket = classifySocketError(error, server);
	if (socket) return { layer: socket.layer, message: socket.message };
	// imapflow's own timeouts (connect, greeting, STARTTLS upgrade, idle socket) and the probe's greeting wait;
	// before the TLS text check, since imapflow's greeting timeout suggests TLS in its text.
	if (/timeout/i.test(`${code} ${message}`)) {
		return { layer: 'timeout', message: greetingTimeoutMessage(server, server.security !== 'tls') };
	}
	// STARTTLS refused or impossible, and TLS failures imapflow reports in words only.
	if (/tls/i.test(message)) {
		return { layer: 'tls', message: classifySocketError(error, server, 'tls').message };
	}
	if (
		err.authenticationFailed === true ||
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
	return {
		layer: 'protocol',
		message: `IMAP: ${where} failed: ${serverText || message || code || 'unknown error'}`,
		serverCode,
	};
}
