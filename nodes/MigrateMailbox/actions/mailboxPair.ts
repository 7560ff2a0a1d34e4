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
	const text = (name: string) => String(this.getNodeParameter(name, itemIndex, '') ?? '').trim();
	return {
		source: endpointFor(sourceAccount, text('sourceMailbox'), text('sourcePassword')),
		target: endpointFor(
			targetAccount,
			text('targetMailbox') || text('sourceMailbox'),
			text('targetPassword'),
		),
	};
}
