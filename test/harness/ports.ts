import net from 'node:net';
import type tls from 'node:tls';

/** A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it; callers retry if it is taken meanwhile). */
export async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.unref();
		server.on('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			if (address === null || typeof address === 'string') {
				server.close();
				reject(new Error('could not read the port of a listening socket'));
				return;
			}
			server.close(() => resolve(address.port));
		});
	});
}

/** Whether something accepts a TCP connection on the port right now. */
export function acceptsConnections(port: number, host = '127.0.0.1'): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = net.connect({ host, port });
		socket.once('connect', () => {
			socket.destroy();
			resolve(true);
		});
		socket.once('error', () => resolve(false));
	});
}

/** Resolves once something accepts TCP connections on the port, or rejects after the timeout. */
export async function waitForPort(
	port: number,
	timeoutMs: number,
	host = '127.0.0.1',
): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!(await acceptsConnections(port, host))) {
		if (Date.now() > deadline) throw new Error(`nothing accepts connections on ${host}:${port}`);
		await new Promise((resolve) => setTimeout(resolve, 25));
	}
}

/** Resolves with the first line the server sends (an IMAP, SMTP or LMTP greeting), then closes the socket. */
export function readGreeting(
	socket: net.Socket | tls.TLSSocket,
	timeoutMs: number,
): Promise<string> {
	return new Promise((resolve, reject) => {
		let received = '';
		const timer = setTimeout(() => finish(new Error('no greeting')), timeoutMs);
		const finish = (error: Error | null) => {
			clearTimeout(timer);
			socket.destroy();
			if (error) reject(error);
			else resolve(received.split('\r\n')[0]);
		};
		socket.on('data', (chunk: Buffer) => {
			received += chunk.toString('latin1');
			if (received.includes('\r\n')) finish(null);
		});
		socket.on('error', (error) => finish(error));
		socket.on('close', () => finish(new Error('closed before the greeting')));
	});
}
