import type { ImapEndpoint } from '../../nodes/lib/imap/endpoint';

/** Overrides of the endpoint's connection fields (port, security, timeouts…) and of its login. */
export type EndpointOverrides = Partial<Omit<ImapEndpoint, 'login'>> & {
	login?: Partial<ImapEndpoint['login']>;
};

/**
 * The endpoint of one user on a private test server: plain IMAP on loopback, logging in as the user itself. The one
 * shape every test, tool and benchmark connects with; a port override reaches the same server through a proxy.
 */
export function testEndpoint(
	server: { host: string; port: number },
	user: string,
	password: string,
	overrides: EndpointOverrides = {},
): ImapEndpoint {
	const { login, ...connection } = overrides;
	return {
		host: server.host,
		port: server.port,
		security: 'none',
		allowSelfSigned: false,
		connectTimeoutMs: 5000,
		...connection,
		login: { mailbox: user, authUser: user, password, ...login },
	};
}
