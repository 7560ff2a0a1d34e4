/**
 * Opening a connection: socket, greeting (PREAUTH skips the login, BYE fails), CAPABILITY, STARTTLS when the
 * endpoint asks for it, authentication, all within the endpoint's connect timeout. Never leaves a socket behind on
 * failure. An OAuth login the server refuses is tried once more on a new connection with a renewed token (the
 * cached one may have been revoked, or have expired by the server's clock).
 */
import { authenticate } from './commands/authenticate';
import { capability } from './commands/session';
import type { ImapEndpoint } from './endpoint';
import { ImapConnection, type ImapSessionOptions } from './ImapConnection';
import { ImapError } from './imapErrors';
import { DEFAULT_CONNECT_TIMEOUT_MS, openSocket } from './sessionSocket';
import { greetingTimeoutMessage } from './socketErrors';

/** Opens, secures and authenticates a connection. */
export async function openConnection(
	endpoint: ImapEndpoint,
	options: ImapSessionOptions,
): Promise<ImapConnection> {
	try {
		return await openOnce(endpoint, options, false);
	} catch (error) {
		const refused = error instanceof ImapError && error.kind === 'auth' && error.command;
		if (!endpoint.login.oauth || !refused) throw error;
		options.logger?.debug('IMAP: OAuth login refused, renewing the token', {
			server: `${endpoint.host}:${endpoint.port}`,
		});
		return await openOnce(endpoint, options, true);
	}
}

async function openOnce(
	endpoint: ImapEndpoint,
	options: ImapSessionOptions,
	renewToken: boolean,
): Promise<ImapConnection> {
	const socket = await openSocket(endpoint);
	const connection = new ImapConnection(socket, endpoint, options);
	try {
		await handshake(connection, endpoint, renewToken);
		return connection;
	} catch (error) {
		connection.destroy();
		throw error;
	}
}

async function handshake(
	connection: ImapConnection,
	endpoint: ImapEndpoint,
	renewToken: boolean,
): Promise<void> {
	const timeout = setTimeout(
		() =>
			connection.destroy(
				new ImapError(
					greetingTimeoutMessage(
						connection.server,
						connection.awaitingGreeting && endpoint.security !== 'tls',
					),
					{ kind: 'timeout' },
				),
			),
		endpoint.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
	);
	try {
		const greeting = await connection.greeting();
		if (greeting.type === 'BYE') {
			throw new ImapError(`IMAP: ${connection.where} refused the session: ${greeting.text}`, {
				kind: 'closed',
				code: greeting.code,
				serverText: greeting.text,
			});
		}
		if (greeting.type !== 'OK' && greeting.type !== 'PREAUTH') {
			throw new ImapError(`IMAP: ${connection.where} sent no IMAP greeting`, { kind: 'protocol' });
		}
		connection.takeCapabilityCode(greeting);
		if (connection.capabilities.size === 0) await capability(connection);
		if (endpoint.security === 'starttls') {
			if (!connection.has('STARTTLS')) {
				throw new ImapError(`TLS: ${connection.where} does not offer STARTTLS`, { kind: 'tls' });
			}
			await connection.command('STARTTLS', ['STARTTLS']);
			await connection.upgradeToTls(endpoint);
			connection.setCapabilities([]);
			await capability(connection);
		}
		connection.markAuthenticated(
			greeting.type === 'PREAUTH'
				? null
				: await authenticate(connection, endpoint.login, { renewToken }),
		);
	} finally {
		clearTimeout(timeout);
	}
}
