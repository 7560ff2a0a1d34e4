import type { IExecuteFunctions } from 'n8n-workflow';

import { endpointFor, type ImapEndpoint } from '../../lib/imap/endpoint';
import {
	imapAccountFromCredential,
	SOURCE_CREDENTIAL,
	TARGET_CREDENTIAL,
} from '../../common/imapCredentials';

export interface MailboxPair {
	source: ImapEndpoint;
	target: ImapEndpoint;
}

/** Resolves the source and target endpoints of one item from the credentials and the item's mailbox fields. */
export async function mailboxPairFor(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<MailboxPair> {
	const sourceAccount = imapAccountFromCredential(
		await this.getCredentials(SOURCE_CREDENTIAL, itemIndex),
	);
	const targetAccount = imapAccountFromCredential(
		await this.getCredentials(TARGET_CREDENTIAL, itemIndex),
	);
	const raw = (name: string) => String(this.getNodeParameter(name, itemIndex, '') ?? '');
	// Names are trimmed (a stray space from a CSV); a password is sent as typed, since spaces may be part of it.
	const name = (field: string) => raw(field).trim();
	return {
		source: endpointFor(sourceAccount, name('sourceMailbox'), raw('sourcePassword')),
		target: endpointFor(
			targetAccount,
			name('targetMailbox') || name('sourceMailbox'),
			raw('targetPassword'),
		),
	};
}
