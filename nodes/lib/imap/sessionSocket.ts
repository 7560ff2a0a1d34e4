/**
 * The socket under an IMAP session: TCP or implicit TLS to the endpoint, or TLS started on a plain socket
 * after STARTTLS. Certificates are checked as serverCertificate.ts says; failures are ImapErrors of the layer
 * that failed (socketErrors.ts).
 */
import net from 'node:net';
import type tls from 'node:tls';

import type { ImapEndpoint } from './endpoint';
import { ImapError, socketFailure } from './imapErrors';
import { connectTls } from './serverCertificate';

export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;

/** TCP (or implicit TLS) to the endpoint, within its connect timeout. */
export function openSocket(endpoint: ImapEndpoint): Promise<net.Socket> {
	const where = `${endpoint.host}:${endpoint.port}`;
	const timeoutMs = endpoint.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
	return new Promise<net.Socket>((resolve, reject) => {
		const secure = endpoint.security === 'tls';
		let socket: net.Socket;
		const ready = () => {
			clearTimeout(timer);
			socket.off('error', onError);
			resolve(socket);
		};
		try {
			socket = secure
				? connectTls(endpoint, { port: endpoint.port }, ready)
				: net.connect({ host: endpoint.host, port: endpoint.port }, ready);
		} catch (error) {
			reject(socketFailure(error, endpoint, 'tls'));
			return;
		}
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
		let socket: tls.TLSSocket;
		try {
			socket = connectTls(endpoint, { socket: plain }, () => resolve(socket));
		} catch (error) {
			reject(socketFailure(error, endpoint, 'tls'));
			return;
		}
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
