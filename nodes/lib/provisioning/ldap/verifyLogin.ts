/**
 * Proof that a provisioned password works: an IMAP login to the target as the user, with the password this run set
 * (or was given). The server settings come from the target's IMAP account settings; its own login is never used, so
 * a master or admin login cannot stand in for the user's.
 */
import { describeConnectionFailure } from '../../imap/connectionFailure';
import { endpointFor, type ImapServer } from '../../imap/endpoint';
import { closeQuietly, createImapFlowClient } from '../../imap/imapflowClient';

/** Logs in as `login` with `password`; rejects with LoginVerificationError (never holding the password). */
export type LoginVerifier = (login: string, password: string) => Promise<void>;

export class LoginVerificationError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'LoginVerificationError';
	}
}

export function imapLoginVerifier(server: ImapServer): LoginVerifier {
	return async (login, password) => {
		const endpoint = endpointFor({ ...server, loginMode: 'user', user: login, password }, login);
		const client = await createImapFlowClient(endpoint);
		client.on('error', () => {
			// Reported through connect()'s rejection below.
		});
		try {
			await client.connect();
		} catch (error) {
			const failure = describeConnectionFailure(error, server);
			throw new LoginVerificationError(
				`logging in as ${login} at ${server.host}:${server.port} with the provisioned password failed: ${failure.message}`,
			);
		} finally {
			await closeQuietly(client);
		}
	};
}
