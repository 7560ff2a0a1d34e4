/**
 * Exchange Online as an IMAP target: the Microsoft 365 (App) credential plus one mailbox's address make the endpoint
 * the engine logs in to with XOAUTH2. The only place that knows how; the engine sees a plain ImapEndpoint.
 */
import type { ImapEndpoint } from '../../lib/imap/endpoint';
import { exchangeImapEndpoint, exchangeImapScope } from '../../lib/microsoft/clouds';
import type { MicrosoftApp } from '../../lib/microsoft/microsoftApp';
import { microsoftMailboxProblem } from './microsoftMailbox';

export function exchangeOnlineEndpoint(app: MicrosoftApp, mailbox: string): ImapEndpoint {
	const problem = microsoftMailboxProblem(mailbox, 'Exchange Online');
	if (problem) throw new Error(problem);
	// The cloud's Exchange host on 993, or the credential's own host and port.
	return {
		...exchangeImapEndpoint(app),
		security: 'tls',
		allowSelfSigned: false,
		trustedCaPem: app.trustedCaPem,
		// As for the login host: a private CA (a TLS-inspecting proxy) is trusted along with the public roots.
		trustedCaAddsToSystemRoots: true,
		connectTimeoutMs: 15_000,
		login: {
			mailbox,
			authUser: mailbox,
			password: '',
			oauth: { app, scope: exchangeImapScope(app) },
		},
	};
}
