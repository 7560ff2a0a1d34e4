/**
 * Exchange Online as an IMAP target: the Microsoft 365 (App) credential plus one mailbox's address make the endpoint
 * the engine logs in to with XOAUTH2. The only place that knows how; the engine sees a plain ImapEndpoint.
 */
import type { ImapEndpoint } from '../../lib/imap/endpoint';
import { exchangeImapEndpoint, exchangeImapScope } from '../../lib/microsoft/clouds';
import type { MicrosoftApp } from '../../lib/microsoft/microsoftApp';

/**
 * An app-only XOAUTH2 login names the mailbox by its user principal name or primary SMTP address: Exchange knows it by
 * no other name. A control character would end the SASL field early (^A separates them); an address has no spaces.
 */
const MAILBOX_ADDRESS = /^[^\s@\p{Cc}]+@[^\s@\p{Cc}]+\.[^\s@\p{Cc}]+$/u;

/** Why `mailbox` cannot name an Exchange Online mailbox, or undefined when it can. */
export function exchangeMailboxProblem(mailbox: string): string | undefined {
	if (MAILBOX_ADDRESS.test(mailbox)) return undefined;
	return mailbox
		? `Exchange Online needs the target mailbox's address, not "${mailbox}"`
		: "Exchange Online needs the target mailbox's address, and Target Mailbox is empty";
}

export const EXCHANGE_MAILBOX_HINT =
	"Set Target Mailbox to the user's principal name or primary SMTP address (name@contoso.com), e.g. from a targetMailbox column of the roster. The source login is used only when it is such an address; no domain is ever guessed.";

export function exchangeOnlineEndpoint(app: MicrosoftApp, mailbox: string): ImapEndpoint {
	const problem = exchangeMailboxProblem(mailbox);
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
