/**
 * How to reach and bind to one LDAP directory: plain data with no n8n types, built from a credential by the node
 * (nodes/common/ldapCredentials.ts) and used by every LDAP step of the package (Provision Target, Set Routing).
 */

export type LdapSecurity = 'none' | 'startTls' | 'ldaps';

export interface LdapSettings {
	/** `ldap://host:port` or `ldaps://host:port` (a bare `host:port` takes its scheme from `security`). */
	url: string;
	bindDn: string;
	password: string;
	/** `ldaps` (or an `ldaps://` URL): TLS from the first byte; `startTls`: plain, upgraded before the bind. */
	security: LdapSecurity;
	/** PEM certificates to verify the server against instead of the system's roots. */
	caPem?: string;
	/** Accept a certificate that cannot be verified. Off unless the operator asks. */
	allowUnauthorizedCerts?: boolean;
	/** TCP connect plus TLS handshake; default 10 s. */
	connectTimeoutMs?: number;
	/** Each LDAP operation; default 30 s. */
	timeoutMs?: number;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
export const DEFAULT_OPERATION_TIMEOUT_MS = 30_000;

export interface LdapAddress {
	host: string;
	port: number;
	/** TLS before the first LDAP message (LDAPS). */
	tlsFromStart: boolean;
}

export class LdapSettingsError extends Error {
	constructor(message: string) {
		super(`LDAP settings: ${message}`);
		this.name = 'LdapSettingsError';
	}
}

/** Where to connect, from the URL and the security setting; a URL that contradicts the setting is refused. */
export function ldapAddressOf(settings: Pick<LdapSettings, 'url' | 'security'>): LdapAddress {
	const text = settings.url.trim();
	const match = /^(?:(ldaps?):\/\/)?(\[[^\]]+\]|[^:/\s]+)(?::(\d+))?\/?$/i.exec(text);
	if (!match) {
		throw new LdapSettingsError(
			`${JSON.stringify(text)} is not an LDAP URL (ldap://host:port or ldaps://host:port)`,
		);
	}
	const [, scheme, rawHost, rawPort] = match;
	const schemeTls = scheme?.toLowerCase() === 'ldaps';
	if (schemeTls && settings.security === 'startTls') {
		throw new LdapSettingsError(
			'an ldaps:// URL is TLS already: choose LDAPS, or an ldap:// URL for StartTLS',
		);
	}
	if (scheme?.toLowerCase() === 'ldap' && settings.security === 'ldaps') {
		throw new LdapSettingsError('LDAPS needs an ldaps:// URL (or a bare host:port)');
	}
	const tlsFromStart = schemeTls || settings.security === 'ldaps';
	const port = rawPort === undefined ? (tlsFromStart ? 636 : 389) : Number(rawPort);
	if (!Number.isInteger(port) || port < 1 || port > 65535) {
		throw new LdapSettingsError(`port ${rawPort} is out of range`);
	}
	return { host: rawHost.replace(/^\[|\]$/g, ''), port, tlsFromStart };
}
