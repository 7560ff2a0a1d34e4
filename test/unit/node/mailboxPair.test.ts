import type { IExecuteFunctions } from 'n8n-workflow';

import type { TargetStoreOptions } from '../../../nodes/lib/migration/stores/storeSides';
import { mailboxPairFor } from '../../../nodes/MigrateMailbox/actions/mailboxPair';

const imapEndpointOf = (target: TargetStoreOptions) => {
	if (target.kind !== 'imap') throw new Error(`an IMAP target, not ${target.kind}`);
	return target.endpoint;
};

const account = {
	host: ' imap.example.org ',
	port: 993,
	security: 'tls',
	allowSelfSigned: false,
	loginMode: 'user',
	user: ' fallback ',
	password: ' credential secret ',
};

function itemWith(parameters: Record<string, string>): IExecuteFunctions {
	return {
		getNodeParameter: (name: string, _itemIndex: number, fallback?: unknown) =>
			name in parameters ? parameters[name] : fallback,
		getCredentials: async () => account,
	} as unknown as IExecuteFunctions;
}

describe('mailboxPairFor', () => {
	it('trims mailbox names but sends passwords exactly as typed, spaces included', async () => {
		const pair = await mailboxPairFor.call(
			itemWith({
				sourceMailbox: ' alice@old.example ',
				targetMailbox: '\talice@new.example\n',
				sourcePassword: ' p4ss with spaces ',
				targetPassword: 'trailing ',
			}),
			0,
		);
		expect(pair.source.login).toMatchObject({
			mailbox: 'alice@old.example',
			authUser: 'alice@old.example',
			password: ' p4ss with spaces ',
		});
		expect(imapEndpointOf(pair.target).login).toMatchObject({
			mailbox: 'alice@new.example',
			password: 'trailing ',
		});
		expect(pair.source.host).toBe('imap.example.org');
	});

	it("falls back to the credential's password, untrimmed, when the item gives none", async () => {
		const pair = await mailboxPairFor.call(itemWith({ sourceMailbox: 'bob' }), 0);
		expect(pair.source.login.password).toBe(' credential secret ');
		expect(imapEndpointOf(pair.target).login).toMatchObject({
			mailbox: 'bob',
			password: ' credential secret ',
		});
	});
});
