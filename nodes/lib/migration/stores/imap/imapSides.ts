/** The two sides of a mailbox migration on IMAP servers: what storeSides.ts makes of an `imap` store description. */
import { describeEndpoint, type ImapEndpoint } from '../../../imap/endpoint';
import type { MailboxSide, SourceSide, TargetSide } from '../storeSides';
import { ImapMailSource } from './imapMailSource';
import { ImapMailTarget } from './imapMailTarget';

/** The ledger's name for a mailbox: login and server, so the same login on two servers never mixes. */
export function sourceAccountOf(endpoint: ImapEndpoint): string {
	return `${endpoint.login.mailbox}@${endpoint.host}:${endpoint.port}`;
}

function describedSide(endpoint: ImapEndpoint): Omit<MailboxSide<never>, 'open'> {
	return {
		host: endpoint.host,
		mailbox: endpoint.login.mailbox,
		label: describeEndpoint(endpoint),
		account: sourceAccountOf(endpoint),
	};
}

export function imapSourceSide(endpoint: ImapEndpoint): SourceSide {
	return { ...describedSide(endpoint), open: async () => await ImapMailSource.open(endpoint) };
}

export function imapTargetSide(endpoint: ImapEndpoint): TargetSide {
	return { ...describedSide(endpoint), open: async () => await ImapMailTarget.open(endpoint) };
}
