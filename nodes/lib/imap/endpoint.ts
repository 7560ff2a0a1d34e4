/**
 * Where and how to reach one IMAP mailbox. Plain data with no n8n types: built from a credential plus the
 * per-user login in the node, consumed by the pre-flight, the content engine and the benchmark alike.
 */
import type { MicrosoftApp } from '../microsoft/microsoftApp';

export type ImapSecurity = 'tls' | 'starttls' | 'none';

/** How the mailbox is entered: its own login, a Dovecot master user (`user*master`), or SASL PLAIN with an authorization identity (Cyrus, Zimbra admin). */
export type ImapLoginMode = 'user' | 'dovecotMaster' | 'saslAuthzid';

export interface ImapServer {
	host: string;
	port: number;
	security: ImapSecurity;
	/** Accept a certificate chain that cannot be verified (the host name is still checked). Off unless the operator asks. */
	allowSelfSigned: boolean;
	/** PEM certificates to verify the chain against instead of the system's roots (a private CA, or the server's own certificate). */
	trustedCaPem?: string;
	/** `trustedCaPem` is trusted besides the system's roots, not instead (the Microsoft 365 credential's meaning). */
	trustedCaAddsToSystemRoots?: boolean;
	/** SHA-256 fingerprint the server's own certificate must have (hex, colons optional): pins it, chain or not. */
	certificateFingerprint?: string;
	/** Do not check that the certificate names the host connected to. Off unless the operator asks. */
	skipHostnameCheck?: boolean;
	/** Milliseconds to wait for TCP + TLS + greeting. */
	connectTimeoutMs?: number;
}

export interface ImapLogin {
	/** The mailbox being migrated, as users know it (never includes the admin name). */
	mailbox: string;
	/** What goes on the wire as the authentication identity. */
	authUser: string;
	password: string;
	/** SASL PLAIN authorization identity: log in as `authUser`, act as `authzid`. */
	authzid?: string;
	/**
	 * Log in with AUTHENTICATE XOAUTH2 as `authUser` (Exchange Online: the mailbox's UPN), with an app-only token for
	 * `scope` taken anew on every connection; `password` is then unused.
	 */
	oauth?: { app: MicrosoftApp; scope: string };
}

export interface ImapEndpoint extends ImapServer {
	login: ImapLogin;
}

export interface ImapAccountSettings extends ImapServer {
	loginMode: ImapLoginMode;
	/** In `user` mode, the default login; in admin modes, the admin/master name. */
	user: string;
	password: string;
	/** Separator between mailbox and master name for Dovecot master logins (Dovecot's default is `*`). */
	masterSeparator?: string;
}

/**
 * Turns account settings and one mailbox name into the login actually sent. Per-mailbox passwords apply only in
 * `user` mode, where each mailbox authenticates as itself.
 */
export function resolveLogin(
	account: ImapAccountSettings,
	mailbox: string | undefined,
	mailboxPassword?: string,
): ImapLogin {
	const name = (mailbox ?? '').trim();
	switch (account.loginMode) {
		case 'dovecotMaster': {
			if (!name) throw new Error('a mailbox name is required with a Dovecot master login');
			return {
				mailbox: name,
				authUser: `${name}${account.masterSeparator ?? '*'}${account.user}`,
				password: account.password,
			};
		}
		case 'saslAuthzid': {
			if (!name) throw new Error('a mailbox name is required with a SASL authorization identity');
			return { mailbox: name, authUser: account.user, password: account.password, authzid: name };
		}
		default: {
			const login = name || account.user;
			if (!login) throw new Error('no login: set one in the credential or the node');
			return { mailbox: login, authUser: login, password: mailboxPassword || account.password };
		}
	}
}

export function endpointFor(
	account: ImapAccountSettings,
	mailbox: string | undefined,
	mailboxPassword?: string,
): ImapEndpoint {
	// Field by field: nothing of the account but its server and trust settings travels with the endpoint.
	return {
		host: account.host,
		port: account.port,
		security: account.security,
		allowSelfSigned: account.allowSelfSigned,
		trustedCaPem: account.trustedCaPem,
		certificateFingerprint: account.certificateFingerprint,
		skipHostnameCheck: account.skipHostnameCheck,
		connectTimeoutMs: account.connectTimeoutMs,
		login: resolveLogin(account, mailbox, mailboxPassword),
	};
}

/** A short label for logs and errors: never carries a password. */
export function describeEndpoint(endpoint: ImapEndpoint): string {
	return `${endpoint.login.mailbox} on ${endpoint.host}:${endpoint.port}`;
}
