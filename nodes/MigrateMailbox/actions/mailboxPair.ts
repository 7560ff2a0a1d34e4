import { NodeOperationError, type IExecuteFunctions } from 'n8n-workflow';

import { endpointFor, type ImapEndpoint } from '../../lib/imap/endpoint';
import {
	imapAccountFromCredential,
	SOURCE_CREDENTIAL,
	TARGET_CREDENTIAL,
} from '../../common/imapCredentials';
import {
	MICROSOFT_APP_CREDENTIAL,
	microsoftAppFromCredential,
} from '../../common/microsoftCredentials';
import {
	EXCHANGE_MAILBOX_HINT,
	exchangeMailboxProblem,
	exchangeOnlineEndpoint,
} from './exchangeOnlineTarget';

/** What the target is: any IMAP server, or Exchange Online over IMAP with app-only OAuth. */
export type TargetType = 'imap' | 'exchangeOnline';

export interface MailboxPair {
	source: ImapEndpoint;
	target: ImapEndpoint;
}

/** The item's Target Type; workflows saved before it existed have an IMAP target. */
export function targetTypeOf(context: IExecuteFunctions, itemIndex: number): TargetType {
	return context.getNodeParameter('targetType', itemIndex, 'imap') === 'exchangeOnline'
		? 'exchangeOnline'
		: 'imap';
}

/** Resolves the source and target endpoints of one item from the credentials and the item's mailbox fields. */
export async function mailboxPairFor(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<MailboxPair> {
	const sourceAccount = imapAccountFromCredential(
		await this.getCredentials(SOURCE_CREDENTIAL, itemIndex),
	);
	const raw = (name: string) => String(this.getNodeParameter(name, itemIndex, '') ?? '');
	// Names are trimmed (a stray space from a CSV); a password is sent as typed, since spaces may be part of it.
	const name = (field: string) => raw(field).trim();
	const source = endpointFor(sourceAccount, name('sourceMailbox'), raw('sourcePassword'));
	const targetMailbox = name('targetMailbox') || name('sourceMailbox');
	if (targetTypeOf(this, itemIndex) === 'imap') {
		const targetAccount = imapAccountFromCredential(
			await this.getCredentials(TARGET_CREDENTIAL, itemIndex),
		);
		return { source, target: endpointFor(targetAccount, targetMailbox, raw('targetPassword')) };
	}
	const problem = exchangeMailboxProblem(targetMailbox);
	if (problem) {
		const subject = name('sourceMailbox') || `item ${itemIndex}`;
		throw new NodeOperationError(this.getNode(), `Mailbox ${subject}: ${problem}`, {
			itemIndex,
			description: EXCHANGE_MAILBOX_HINT,
		});
	}
	const app = microsoftAppFromCredential(
		await this.getCredentials(MICROSOFT_APP_CREDENTIAL, itemIndex),
	);
	return { source, target: exchangeOnlineEndpoint(app, targetMailbox) };
}
