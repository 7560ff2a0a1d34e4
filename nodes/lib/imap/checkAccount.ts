import net from 'node:net';

import { describeConnectionFailure } from './connectionFailure';
import { endpointFor, type ImapAccountSettings, type ImapServer } from './endpoint';
import { closeQuietly, createImapFlowClient } from './imapflowClient';
import { connectTls } from './serverCertificate';

export interface AccountCheck {
	ok: boolean;
	message: string;
}

function readLine(socket: net.Socket, timeoutMs: number): Promise<string> {
	return new Promise((resolve, reject) => {
		let buffered = '';
		const timer = setTimeout(
			() => finish(Object.assign(new Error('timeout'), { code: 'GreetingTimeout' })),
			timeoutMs,
		);
		const onData = (chunk: Buffer) => {
			buffered += chunk.toString('latin1');
			const end = buffered.indexOf('\r\n');
			if (end >= 0) finish(null, buffered.slice(0, end));
		};
		const onError = (error: Error) => finish(error);
		const onClose = () =>
			finish(Object.assign(new Error('connection closed'), { code: 'ECONNRESET' }));
		function finish(error: Error | null, line?: string) {
			clearTimeout(timer);
			socket.off('data', onData).off('error', onError).off('close', onClose);
			if (error) reject(error);
			else resolve(line ?? '');
		}
		socket.on('data', onData).once('error', onError).once('close', onClose);
	});
}

function openSocket(server: ImapServer, timeoutMs: number): Promise<net.Socket> {
	return new Promise((resolve, reject) => {
		const ready = () => resolve(socket);
		const socket =
			server.security === 'tls'
				? connectTls(server, { port: server.port }, ready)
				: net.connect({ host: server.host, port: server.port }, ready);
		socket.setTimeout(timeoutMs);
		socket.once('error', reject);
		socket.once('timeout', () => {
			socket.destroy();
			reject(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' }));
		});
	});
}

/** Connects and reads the greeting (upgrading with STARTTLS when asked) without logging in. */
export async function probeServer(server: ImapServer): Promise<void> {
	const timeoutMs = server.connectTimeoutMs ?? 15_000;
	let socket = await openSocket(server, timeoutMs);
	try {
		const greeting = await readLine(socket, timeoutMs);
		if (!/^\* (OK|PREAUTH)/i.test(greeting))
			throw new Error(`unexpected greeting: ${greeting.slice(0, 120)}`);
		if (server.security === 'starttls') {
			socket.write('A1 STARTTLS\r\n');
			let reply = await readLine(socket, timeoutMs);
			while (reply.startsWith('* ')) reply = await readLine(socket, timeoutMs);
			if (!/^A1 OK/i.test(reply)) throw new Error(`STARTTLS refused: ${reply.slice(0, 120)}`);
			const plain = socket;
			socket = await new Promise<net.Socket>((resolve, reject) => {
				const secure = connectTls(server, { socket: plain }, () => resolve(secure));
				secure.once('error', reject);
			});
		}
	} finally {
		socket.destroy();
	}
}

/**
 * What an n8n credential test needs: does this account connect and authenticate? Admin-mode credentials without a
 * test mailbox can only prove the connection and TLS, and the message says so.
 */
export async function checkImapAccount(
	account: ImapAccountSettings,
	testMailbox: string,
): Promise<AccountCheck> {
	if (!account.host) return { ok: false, message: 'Host is empty' };
	const adminMode = account.loginMode !== 'user';
	if (adminMode && !testMailbox) {
		try {
			await probeServer(account);
			return {
				ok: true,
				message: `Connected to ${account.host}:${account.port}; the login was not tried: set a Test Mailbox to check it`,
			};
		} catch (error) {
			return { ok: false, message: describeConnectionFailure(error, account).message };
		}
	}
	let endpoint;
	try {
		endpoint = endpointFor(account, testMailbox || undefined);
	} catch (error) {
		return { ok: false, message: (error as Error).message };
	}
	const client = await createImapFlowClient(endpoint);
	client.on('error', () => {
		// Reported through connect()'s rejection below.
	});
	try {
		await client.connect();
		return {
			ok: true,
			message: `Logged in to ${account.host}:${account.port} as ${endpoint.login.mailbox}`,
		};
	} catch (error) {
		return { ok: false, message: describeConnectionFailure(error, account).message };
	} finally {
		await closeQuietly(client);
	}
}
