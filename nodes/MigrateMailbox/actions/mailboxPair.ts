import { NodeOperationError, type IExecuteFunctions } from 'n8n-workflow';

import { endpointFor, type ImapEndpoint } from '../../lib/imap/endpoint';
import type { TargetStoreOptions } from '../../lib/migration/stores/storeSides';
import {
	imapAccountFromCredential,
	SOURCE_CREDENTIAL,
	TARGET_CREDENTIAL,
} from '../../common/imapCredentials';
import {
	MICROSOFT_APP_CREDENTIAL,
	microsoftAppFromCredential,
} from '../../common/microsoftCredentials';
import { exchangeOnlineEndpoint } from './exchangeOnlineTarget';
import { graphTargetStore } from './graphTarget';
import {
	MICROSOFT_MAILBOX_HINT,
	microsoftMailboxProblem,
	type MicrosoftService,
} from './microsoftMailbox';

/**
 * What the target is: any IMAP server, Exchange Online over IMAP with app-only OAuth, or Microsoft 365 through
 * Microsoft Graph (the same Microsoft 365 (App) credential for both Microsoft paths).
 */
export type TargetType = 'imap' | 'exchangeOnline' | 'graph';

const TARGET_TYPES: readonly TargetType[] = ['imap', 'exchangeOnline', 'graph'];

const SERVICE: Record<Exclude<TargetType, 'imap'>, MicrosoftService> = {
	exchangeOnline: 'Exchange Online',
	graph: 'Microsoft Graph',
};

export interface MailboxPair {
	source: ImapEndpoint;
	/** The target's store description, as the engine (and pre-flight) open it. */
	target: TargetStoreOptions;
}

/** The item's Target Type; workflows saved before it existed have an IMAP target. */
export function targetTypeOf(context: IExecuteFunctions, itemIndex: number): TargetType {
	const value = context.getNodeParameter('targetType', itemIndex, 'imap') as TargetType;
	return TARGET_TYPES.includes(value) ? value : 'imap';
}

/**
 * Resolves the source endpoint and the target's store description of one item from the credentials and the item's
 * mailbox fields: the one place a credential and a roster row become what the engine opens.
 */
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
	const targetType = targetTypeOf(this, itemIndex);
	if (targetType === 'imap') {
		const targetAccount = imapAccountFromCredential(
			await this.getCredentials(TARGET_CREDENTIAL, itemIndex),
		);
		const endpoint = endpointFor(targetAccount, targetMailbox, raw('targetPassword'));
		return { source, target: { kind: 'imap', endpoint } };
	}
	const problem = microsoftMailboxProblem(targetMailbox, SERVICE[targetType]);
	if (problem) {
		const subject = name('sourceMailbox') || `item ${itemIndex}`;
		throw new NodeOperationError(this.getNode(), `Mailbox ${subject}: ${problem}`, {
			itemIndex,
			description: MICROSOFT_MAILBOX_HINT,
		});
	}
	const app = microsoftAppFromCredential(
		await this.getCredentials(MICROSOFT_APP_CREDENTIAL, itemIndex),
	);
	return {
		source,
		target:
			targetType === 'graph'
				? graphTargetStore(app, targetMailbox)
				: { kind: 'imap', endpoint: exchangeOnlineEndpoint(app, targetMailbox) },
	};
}
