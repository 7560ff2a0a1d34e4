/**
 * Logging in: AUTHENTICATE PLAIN (RFC 4616; SASL-IR, RFC 4959, when offered; the authorization identity when
 * asked) or LOGIN. Failures are kind 'auth' and name the mailbox, never the password or the admin identity.
 */
import { stringArg } from '../commandEncoding';
import type { CommandResult } from '../commandWriter';
import type { ImapLogin } from '../endpoint';
import type { ImapConnection } from '../ImapConnection';
import { ImapError } from '../imapErrors';
import { capability } from './session';

export async function authenticate(connection: ImapConnection, login: ImapLogin): Promise<void> {
	const where = connection.where;
	// Name the mailbox, not the admin or master identity used to open it.
	const who = `${where} rejected the login for ${login.mailbox}`;
	let result: CommandResult;
	try {
		if (connection.has('AUTH=PLAIN')) {
			const payload = Buffer.from(
				`${login.authzid ?? ''}\0${login.authUser}\0${login.password}`,
				'utf8',
			).toString('base64');
			result = connection.has('SASL-IR')
				? await connection.command('AUTHENTICATE', [`AUTHENTICATE PLAIN ${payload}`], {
						errorKindOnNo: 'auth',
					})
				: await connection.command(
						'AUTHENTICATE',
						['AUTHENTICATE PLAIN', { afterContinuation: payload }],
						{ errorKindOnNo: 'auth' },
					);
		} else if (login.authzid) {
			throw new ImapError(
				`Authentication: ${where} does not offer SASL PLAIN, needed to log in with an authorization identity`,
				{ kind: 'auth' },
			);
		} else if (connection.has('LOGINDISABLED')) {
			throw new ImapError(
				`Authentication: ${where} refuses plaintext LOGIN on this connection (LOGINDISABLED): use TLS or STARTTLS`,
				{ kind: 'auth', code: 'LOGINDISABLED' },
			);
		} else {
			result = await connection.command(
				'LOGIN',
				['LOGIN ', stringArg(login.authUser, false), ' ', stringArg(login.password, false)],
				{ errorKindOnNo: 'auth' },
			);
		}
	} catch (error) {
		if (error instanceof ImapError && (error.kind === 'auth' || error.kind === 'bad')) {
			if (error.code === 'LOGINDISABLED' || /does not offer SASL/.test(error.message)) throw error;
			throw new ImapError(
				`Authentication: ${who}${error.serverText ? `: ${error.serverText}` : ''}`,
				{
					kind: 'auth',
					code: error.code,
					serverText: error.serverText,
					command: error.command,
				},
			);
		}
		throw error;
	}
	// The tagged OK's CAPABILITY code (already taken by the receiver) spares asking again.
	if (result.code !== 'CAPABILITY' || !result.codeArgs) {
		connection.setCapabilities([]);
		await capability(connection);
	}
}
