/**
 * The socket under an IMAP session: TCP or implicit TLS to the endpoint, or TLS started on a plain socket
 * after STARTTLS. Certificates are verified unless the endpoint allows self-signed ones; failures are ImapErrors
 * of the layer that failed (socketErrors.ts).
 */
import net from 'node:net';
import tls from 'node:tls';

import type { ImapEndpoint } from './endpoint';
import { ImapError, socketFailure } from './imapErrors';

export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;

function tlsOptions(endpoint: ImapEndpoint): tls.ConnectionOptions {
	return {
		host: endpoint.host,
		// SNI carries host names only (RFC 6066).
		servername: net.isIP(endpoint.host) !== 0 ? undefined : endpoint.host,
		rejectUnauthorized: !endpoint.allowSelfSigned,
	};
}

/** TCP (or implicit TLS) to the endpoint, within its connect timeout. */
export function openSocket(endpoint: ImapEndpoint): Promise<net.Socket> {
	const where = `${endpoint.host}:${endpoint.port}`;
	const timeoutMs = endpoint.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
	return new Promise<net.Socket>((resolve, reject) => {
		const secure = endpoint.security === 'tls';
		const socket = secure
			? tls.connect({ ...tlsOptions(endpoint), port: endpoint.port })
			: net.connect({ host: endpoint.host, port: endpoint.port });
		let tcpUp = false;
		const timer = setTimeout(() => {
			socket.destroy();
			reject(
				new ImapError(
					`Timeout: ${where} did not accept a ${secure ? 'TLS ' : ''}connection in time`,
					{
						kind: 'timeout',
					},
				),
			);
		}, timeoutMs);
		socket.once('connect', () => {
			tcpUp = true;
		});
		socket.once(secure ? 'secureConnect' : 'connect', () => {
			clearTimeout(timer);
			socket.off('error', onError);
			resolve(socket);
		});
		const onError = (error: Error) => {
			clearTimeout(timer);
			socket.destroy();
			reject(socketFailure(error, endpoint, secure && tcpUp ? 'tls' : 'tcp'));
		};
		socket.once('error', onError);
	});
}

/** TLS on a plain socket whose server has just accepted STARTTLS. */
export function startTls(plain: net.Socket, endpoint: ImapEndpoint): Promise<tls.TLSSocket> {
	return new Promise<tls.TLSSocket>((resolve, reject) => {
		const socket = tls.connect({ ...tlsOptions(endpoint), socket: plain });
		socket.once('secureConnect', () => resolve(socket));
		socket.once('error', (error) => reject(socketFailure(error, endpoint, 'tls')));
		socket.once('close', () =>
			reject(
				new ImapError(
					`TLS: ${endpoint.host}:${endpoint.port} closed the connection during STARTTLS`,
					{ kind: 'tls' },
				),
			),
		);
	});
}
