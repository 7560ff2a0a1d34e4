/**
 * What Exchange Online does around an XOAUTH2 session that Dovecot's oauth2 passdb does not, as a throttling-proxy
 * rule in front of the oauth2 Dovecot: it refuses a login to a mailbox the token's app holds no FullAccess grant on
 * (`NO AUTHENTICATE failed.`), and once the session's token has expired it answers the next command with
 * `* BYE Session invalidated - AccessTokenExpired` and closes (both texts as Exchange sends them, imapsync/imapsync#250).
 * Dovecot checks a token only at login, so without this a session outlives its token.
 *
 *   const exchange = exchangeOAuthSessions(emulator, { expireEvery: { command: 'APPEND', count: 8 } });
 *   const proxy = services.add(await startThrottlingProxy(target.port, [exchange.rule]));
 *
 * Only SASL-IR logins are read (the token on the command line), which is how clients log in to a server offering it.
 */
import type { Action, SessionRule } from './throttleRules';

/** The emulator's side of it (test/harness/microsoftEmulator). */
export interface TokenAuthority {
	expiryOf(accessToken: string): number | undefined;
	claimsOf(accessToken: string): Record<string, unknown> | undefined;
	isMailboxGranted(clientId: string, mailbox: string): boolean;
}

export interface ExchangeOAuthOptions {
	/**
	 * Makes token expiry happen at known points of a copy, however fast the machine: every `count`th `command` of a
	 * connection is held until the session's token has expired (then forwarded), so the next command meets the BYE.
	 */
	expireEvery?: { command: string; count: number };
}

export interface ExchangeOAuthCounts {
	/** XOAUTH2 logins let through to the server (it still checks the token). */
	logins: number;
	/** Logins refused because the app holds no grant on the mailbox. */
	ungranted: number;
	/** Sessions ended with the AccessTokenExpired BYE. */
	expiredSessions: number;
	/** Distinct tokens the logins carried. */
	tokens: Set<string>;
	/** The mailbox of each login let through, in order. */
	mailboxes: string[];
}

export interface ExchangeOAuthSessions {
	rule: SessionRule;
	counts: ExchangeOAuthCounts;
}

const XOAUTH2_IR = /^\S+ AUTHENTICATE XOAUTH2 (\S+)\r\n$/i;

/** user and token of an XOAUTH2 initial response: base64("user=" U ^A "auth=Bearer " T ^A ^A). */
function xoauth2Of(initialResponse: string): { user: string; token: string } | null {
	const match = /^user=([^\x01]*)\x01auth=Bearer ([^\x01]+)\x01\x01$/.exec(
		Buffer.from(initialResponse, 'base64').toString('utf8'),
	);
	return match ? { user: match[1], token: match[2] } : null;
}

export function exchangeOAuthSessions(
	authority: TokenAuthority,
	options: ExchangeOAuthOptions = {},
): ExchangeOAuthSessions {
	const counts: ExchangeOAuthCounts = {
		logins: 0,
		ungranted: 0,
		expiredSessions: 0,
		tokens: new Set(),
		mailboxes: [],
	};
	const sessions = new Map<number, { token: string; paced: number }>();
	const paced = options.expireEvery;
	const login = (connection: number, line: string): Action | null => {
		const initial = XOAUTH2_IR.exec(line);
		const sasl = initial ? xoauth2Of(initial[1]) : null;
		if (!sasl) return null;
		const clientId = authority.claimsOf(sasl.token)?.appid;
		if (typeof clientId !== 'string' || !authority.isMailboxGranted(clientId, sasl.user)) {
			counts.ungranted++;
			return { kind: 'refuse', response: 'AUTHENTICATE failed.' };
		}
		counts.logins++;
		counts.tokens.add(sasl.token);
		counts.mailboxes.push(sasl.user);
		sessions.set(connection, { token: sasl.token, paced: 0 });
		return null;
	};
	const rule: SessionRule = {
		kind: 'session',
		decide(connection, name, line) {
			if (name === 'AUTHENTICATE') return login(connection, line);
			const session = sessions.get(connection);
			if (!session || name === 'LOGOUT') return null;
			const expiry = authority.expiryOf(session.token) ?? 0;
			if (expiry <= Date.now()) {
				sessions.delete(connection);
				counts.expiredSessions++;
				return { kind: 'bye', response: 'Session invalidated - AccessTokenExpired', abrupt: false };
			}
			if (paced && name === paced.command.toUpperCase() && ++session.paced % paced.count === 0) {
				return { kind: 'hold', run: () => untilPast(expiry) };
			}
			return null;
		},
	};
	return { rule, counts };
}

/** Resolves once the clock is past `epochMs`: the wait is for a condition, whatever the machine's speed. */
async function untilPast(epochMs: number): Promise<void> {
	while (Date.now() <= epochMs) {
		await new Promise((resolve) => setTimeout(resolve, Math.max(1, epochMs - Date.now() + 1)));
	}
}
