/**
 * Logging in: AUTHENTICATE XOAUTH2 with a bearer token when the login has `oauth` (Exchange Online app-only),
 * else AUTHENTICATE PLAIN (RFC 4616; SASL-IR, RFC 4959, when offered; the authorization identity when asked) or
 * LOGIN. Failures are kind 'auth' and name the mailbox, never the password, the token or the admin identity.
 */
import { stringArg } from '../commandEncoding';
import type { CommandPart } from '../commandEncoding';
import type { CommandResult } from '../commandWriter';
import type { ImapLogin } from '../endpoint';
import type { ImapConnection } from '../ImapConnection';
import { ImapError } from '../imapErrors';
import { oauthAccessToken } from '../oauthToken';
import { capability } from './session';

export interface AuthenticateOptions {
	/** OAuth logins: take a new token rather than the cached one (the server refused the cached one). */
	renewToken?: boolean;
}

/** Logs in; resolves with the bearer token of an OAuth login (the session ends when the server says it expired). */
export async function authenticate(
	connection: ImapConnection,
	login: ImapLogin,
	options: AuthenticateOptions = {},
): Promise<string | null> {
	const where = connection.where;
	checkMechanism(connection, login);
	// Token failures already name the mailbox and the step that failed.
	const token = login.oauth ? await oauthAccessToken(login, options.renewToken ?? false) : null;
	let result: CommandResult;
	try {
		result =
			token !== null
				? await xoauth2(connection, login.authUser, token)
				: connection.has('AUTH=PLAIN')
					? await plain(connection, login)
					: await connection.command(
							'LOGIN',
							['LOGIN ', stringArg(login.authUser, false), ' ', stringArg(login.password, false)],
							{ errorKindOnNo: 'auth' },
						);
	} catch (error) {
		if (error instanceof ImapError && (error.kind === 'auth' || error.kind === 'bad')) {
			// Name the mailbox, not the admin or master identity used to open it.
			throw new ImapError(
				`Authentication: ${where} rejected the login for ${login.mailbox}${error.serverText ? `: ${error.serverText}` : ''}`,
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
	return token;
}

/** Refuses before anything is sent when the server cannot take this kind of login. */
function checkMechanism(connection: ImapConnection, login: ImapLogin): void {
	const where = connection.where;
	if (login.oauth) {
		if (!connection.has('AUTH=XOAUTH2')) {
			throw new ImapError(
				`Authentication: ${where} does not offer SASL XOAUTH2, needed to log in to ${login.mailbox} with OAuth`,
				{ kind: 'auth' },
			);
		}
		return;
	}
	if (connection.has('AUTH=PLAIN')) return;
	if (login.authzid) {
		throw new ImapError(
			`Authentication: ${where} does not offer SASL PLAIN, needed to log in with an authorization identity`,
			{ kind: 'auth' },
		);
	}
	if (connection.has('LOGINDISABLED')) {
		throw new ImapError(
			`Authentication: ${where} refuses plaintext LOGIN on this connection (LOGINDISABLED): use TLS or STARTTLS`,
			{ kind: 'auth', code: 'LOGINDISABLED' },
		);
	}
}

/** One SASL exchange: the initial response inline with SASL-IR, else after the server's first `+`. */
function sasl(
	connection: ImapConnection,
	mechanism: string,
	initialResponse: string,
	after: CommandPart[] = [],
): Promise<CommandResult> {
	const parts: CommandPart[] = connection.has('SASL-IR')
		? [`AUTHENTICATE ${mechanism} ${initialResponse}`]
		: [`AUTHENTICATE ${mechanism}`, { afterContinuation: initialResponse }];
	return connection.command('AUTHENTICATE', [...parts, ...after], { errorKindOnNo: 'auth' });
}

function plain(connection: ImapConnection, login: ImapLogin): Promise<CommandResult> {
	const payload = Buffer.from(
		`${login.authzid ?? ''}\0${login.authUser}\0${login.password}`,
		'utf8',
	).toString('base64');
	return sasl(connection, 'PLAIN', payload);
}

/**
 * XOAUTH2: base64("user=" mailbox ^A "auth=Bearer " token ^A ^A) (Microsoft's "Authenticate an IMAP connection using
 * OAuth"). A refused token gets a `+` with a base64 JSON error from Dovecot and Gmail, which the client must answer
 * with an empty line before the tagged NO (RFC 7628 3.2.3); Exchange sends `NO AUTHENTICATE failed.` at once
 * (imapsync/imapsync#250), and then the empty line is never sent.
 */
function xoauth2(connection: ImapConnection, user: string, token: string): Promise<CommandResult> {
	const payload = Buffer.from(`user=${user}\x01auth=Bearer ${token}\x01\x01`, 'utf8').toString(
		'base64',
	);
	return sasl(connection, 'XOAUTH2', payload, [{ afterContinuation: '' }]);
}
