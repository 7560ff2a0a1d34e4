/**
 * The bearer token of an OAuth login (`ImapLogin.oauth`, Exchange Online app-only): taken from the Microsoft token
 * cache for every connection, so a reconnect after the server ended a session for an expired token gets a fresh
 * one. Token failures become ImapErrors at the layer they belong to; their messages carry no secret.
 */
import { acquireAppToken } from '../microsoft/appTokens';
import { MicrosoftTokenError } from '../microsoft/tokenErrors';
import type { ImapLogin } from './endpoint';
import { ImapError, type ImapErrorKind } from './imapErrors';

/** Where a token step failure sits for the IMAP layer: network and service faults are worth another try. */
function kindOf(error: MicrosoftTokenError): ImapErrorKind {
	if (error.step === 'network') return 'tcp';
	if (error.step === 'service') return 'protocol';
	return 'auth';
}

/**
 * Tokens a server ended a session for (AccessTokenExpired), newest last. The server's clock is the one that counts:
 * a cache that still offers such a token (issued near its renewal margin) is skipped, rather than spend a login.
 */
const expiredTokens = new Set<string>();
const EXPIRED_TOKENS_KEPT = 16;

export function noteTokenExpired(accessToken: string): void {
	expiredTokens.add(accessToken);
	for (const oldest of expiredTokens) {
		if (expiredTokens.size <= EXPIRED_TOKENS_KEPT) break;
		expiredTokens.delete(oldest);
	}
}

/** `renew` skips the cache: asked after the server refused a cached token. */
export async function oauthAccessToken(login: ImapLogin, renew: boolean): Promise<string> {
	const oauth = login.oauth;
	if (!oauth) throw new Error(`no OAuth settings for ${login.mailbox}`);
	try {
		let token = await acquireAppToken(oauth.app, oauth.scope, renew ? { renew } : undefined);
		if (!renew && expiredTokens.has(token.accessToken)) {
			token = await acquireAppToken(oauth.app, oauth.scope, { renew: true });
		}
		return token.accessToken;
	} catch (error) {
		if (!(error instanceof MicrosoftTokenError)) throw error;
		throw new ImapError(`Authentication: no access token for ${login.mailbox}: ${error.message}`, {
			kind: kindOf(error),
			cause: error,
		});
	}
}
