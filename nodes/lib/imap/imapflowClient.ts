import net from 'node:net';

import { ImapFlow, type ImapFlowOptions, type ImapTransport } from 'imapflow';

import type { ImapEndpoint, ImapLogin } from './endpoint';
import { oauthAccessToken } from './oauthToken';
import { connectTls } from './serverCertificate';

/** imapflow's sockets, opened and certificate-checked by us, so its logins get the session's checks. */
function checkedTransport(endpoint: ImapEndpoint): ImapTransport {
	return {
		connect: (options, onConnect) =>
			options.secure
				? connectTls(endpoint, { port: endpoint.port }, onConnect)
				: net.connect({ host: endpoint.host, port: endpoint.port }, onConnect),
		upgrade: (socket, _options, onSecure) => connectTls(endpoint, { socket }, onSecure),
	};
}

/** How imapflow logs in: a bearer token (XOAUTH2, or OAUTHBEARER when offered) for OAuth logins, else the password. */
async function authOf(login: ImapLogin): Promise<ImapFlowOptions['auth']> {
	if (login.oauth)
		return { user: login.authUser, accessToken: await oauthAccessToken(login, false) };
	return {
		user: login.authUser,
		pass: login.password,
		...(login.authzid ? { authzid: login.authzid, loginMethod: 'AUTH=PLAIN' } : {}),
	};
}

/**
 * The one place that builds an imapflow client from an endpoint (pre-flight and credential tests use imapflow).
 * Rejects with an ImapError of kind 'auth' (or 'tcp' for the network) when an OAuth login gets no token.
 */
export async function createImapFlowClient(endpoint: ImapEndpoint): Promise<ImapFlow> {
	const timeout = endpoint.connectTimeoutMs ?? 15_000;
	return new ImapFlow({
		host: endpoint.host,
		port: endpoint.port,
		secure: endpoint.security === 'tls',
		doSTARTTLS:
			endpoint.security === 'starttls' ? true : endpoint.security === 'none' ? false : undefined,
		transport: checkedTransport(endpoint),
		auth: await authOf(endpoint.login),
		logger: false,
		connectionTimeout: timeout,
		greetingTimeout: timeout,
		socketTimeout: 5 * 60_000,
		disableAutoIdle: true,
		verifyOnly: false,
	});
}

/** Logs out politely, and closes the socket if the server does not answer. */
export async function closeQuietly(client: ImapFlow): Promise<void> {
	try {
		if (client.usable) await client.logout();
	} catch {
		// The session is over either way; a failed LOGOUT changes nothing for the caller.
	} finally {
		client.close();
	}
}
