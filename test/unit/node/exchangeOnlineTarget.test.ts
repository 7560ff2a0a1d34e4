import { NodeOperationError } from 'n8n-workflow';

import { EXCHANGE_ONLINE_DEFAULTS } from '../../../nodes/lib/defaults';
import type { MicrosoftApp } from '../../../nodes/lib/microsoft/microsoftApp';
import type { TargetStoreOptions } from '../../../nodes/lib/migration/stores/storeSides';
import { exchangeOnlineEndpoint } from '../../../nodes/MigrateMailbox/actions/exchangeOnlineTarget';
import {
	oversizePolicyOf,
	readItemSettings,
} from '../../../nodes/MigrateMailbox/actions/executionParameters';
import { mailboxPairFor } from '../../../nodes/MigrateMailbox/actions/mailboxPair';
import { MigrateMailbox } from '../../../nodes/MigrateMailbox/MigrateMailbox.node';
import { microsoftTargetContext } from './microsoftTargetContext';

const SECRET = 'cl1ent-Secret-unit';

const imapEndpointOf = (target: TargetStoreOptions) => {
	if (target.kind !== 'imap') throw new Error(`an IMAP target, not ${target.kind}`);
	return target.endpoint;
};

const app: MicrosoftApp = {
	tenant: 'contoso.onmicrosoft.com',
	clientId: '11111111-2222-3333-4444-555555555555',
	clientSecret: SECRET,
	cloud: 'global',
};

/** The Microsoft 365 (App) credential as n8n hands it to the node (field names of the credential type). */
const appCredential = {
	tenant: app.tenant,
	clientId: app.clientId,
	authentication: 'clientSecret',
	clientSecret: SECRET,
	cloud: 'global',
};

const context = microsoftTargetContext({
	targetType: 'exchangeOnline',
	appCredential,
	sourcePassword: 'm4ster-Secret-unit',
});

describe('Exchange Online target endpoint', () => {
	it.each([
		['global', 'outlook.office365.com', 'https://outlook.office365.com/.default'],
		['usGov', 'outlook.office365.us', 'https://outlook.office365.us/.default'],
		['usGovDod', 'outlook-dod.office365.us', 'https://outlook-dod.office365.us/.default'],
		['china', 'partner.outlook.cn', 'https://partner.outlook.cn/.default'],
	] as const)(
		'in the %s cloud logs in to %s:993 over TLS, as the mailbox, with an app token',
		(cloud, host, scope) => {
			const endpoint = exchangeOnlineEndpoint({ ...app, cloud }, 'alice@contoso.com');
			expect(endpoint).toMatchObject({ host, port: 993, security: 'tls', allowSelfSigned: false });
			expect(endpoint.login).toMatchObject({
				mailbox: 'alice@contoso.com',
				authUser: 'alice@contoso.com',
				password: '',
			});
			expect(endpoint.login.oauth?.scope).toBe(scope);
			expect(endpoint.login.oauth?.app).toEqual({ ...app, cloud });
			expect(endpoint.trustedCaPem).toBeUndefined();
		},
	);

	it("takes the credential's IMAP host, port and trusted CA over the cloud's", () => {
		const endpoint = exchangeOnlineEndpoint(
			{ ...app, imapHost: '127.0.0.1', imapPort: 10993, trustedCaPem: 'PEM' },
			'bob@contoso.com',
		);
		expect(endpoint).toMatchObject({
			host: '127.0.0.1',
			port: 10993,
			trustedCaPem: 'PEM',
			trustedCaAddsToSystemRoots: true,
		});
		expect(endpoint.login.oauth?.scope).toBe('https://outlook.office365.com/.default');
	});

	it.each(['alice', 'alice@contoso', 'al ice@contoso.com', 'alice\u0001auth=x@contoso.com', ''])(
		'refuses %j as an Exchange mailbox',
		(mailbox) => {
			expect(() => exchangeOnlineEndpoint(app, mailbox)).toThrow(/Exchange Online needs/);
		},
	);
});

describe('mailboxPairFor with Target Type Exchange Online', () => {
	it("uses the item's target address, trimmed, and the Microsoft 365 (App) credential", async () => {
		const { source, target: store } = await mailboxPairFor.call(
			context([{ sourceMailbox: 'alice', targetMailbox: ' alice@contoso.com ' }]),
			0,
		);
		const target = imapEndpointOf(store);
		expect(source.login.authUser).toBe('alice*master');
		expect(target.login.authUser).toBe('alice@contoso.com');
		expect(target.login.oauth?.app).toMatchObject({ tenant: app.tenant, clientId: app.clientId });
		expect(target.host).toBe('outlook.office365.com');
	});

	it('falls back to the source login only when it is an address', async () => {
		const { target } = await mailboxPairFor.call(
			context([{ sourceMailbox: 'carol@contoso.com' }]),
			0,
		);
		expect(imapEndpointOf(target).login.mailbox).toBe('carol@contoso.com');
	});

	it('fails a row without an address with a NodeOperationError carrying its item index', async () => {
		const items: Array<Record<string, string>> = [
			{ sourceMailbox: 'dora@old.example', targetMailbox: 'dora@contoso.com' },
			{ sourceMailbox: 'emil' },
		];
		const error = await mailboxPairFor.call(context(items), 1).catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(NodeOperationError);
		expect((error as NodeOperationError).message).toBe(
			'Mailbox emil: Exchange Online needs the target mailbox\'s address, not "emil"',
		);
		expect((error as NodeOperationError).context.itemIndex).toBe(1);
		expect((error as NodeOperationError).description).toMatch(/principal name or primary SMTP/);
	});

	it('through the router: Continue On Fail gives the bad row its error item, paired, and nothing secret', async () => {
		const items = [{ sourceMailbox: 'emil' }, { sourceMailbox: 'fritz' }];
		const output = await new MigrateMailbox().execute.call(context(items, {}, true));
		expect(output[0].map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect(output[0][0].json).toMatchObject({ mailbox: 'emil' });
		expect(output[0][0].json.error).toMatch(/Mailbox emil: Exchange Online needs/);
		expect(output[0][1].json.error).toMatch(/Mailbox fritz: Exchange Online needs/);
		expect(JSON.stringify(output)).not.toContain(SECRET);
		const thrown = await new MigrateMailbox().execute
			.call(context(items, {}, false))
			.catch((caught: unknown) => caught);
		expect(thrown).toBeInstanceOf(NodeOperationError);
		expect((thrown as NodeOperationError).context.itemIndex).toBe(0);
	});
});

describe('Exchange Online defaults', () => {
	it('limits messages to 35 MB unless the user set a size; an explicit 0 is the target limit', () => {
		expect(oversizePolicyOf({}, 'exchangeOnline').maxMessageBytes).toBe(
			EXCHANGE_ONLINE_DEFAULTS.maxMessageBytes,
		);
		expect(oversizePolicyOf({ maxMessageMegabytes: 0 }, 'exchangeOnline').maxMessageBytes).toBe(
			null,
		);
		expect(oversizePolicyOf({ maxMessageMegabytes: 100 }, 'exchangeOnline').maxMessageBytes).toBe(
			100e6,
		);
		expect(oversizePolicyOf({}, 'imap').maxMessageBytes).toBeNull();
	});

	it('opens one connection per mailbox unless the user set more', () => {
		const settingsWith = (
			performance: Record<string, unknown>,
			targetType: 'imap' | 'exchangeOnline',
		) =>
			readItemSettings.call(
				context([{ sourceMailbox: 'a@contoso.com' }], { performance }),
				0,
				{ mode: 'full', oversize: oversizePolicyOf({}, targetType) },
				targetType,
			).job.tuning?.connections;
		expect(settingsWith({}, 'exchangeOnline')).toBe(EXCHANGE_ONLINE_DEFAULTS.connections);
		expect(settingsWith({ connections: 3 }, 'exchangeOnline')).toBe(3);
		expect(settingsWith({}, 'imap')).toBe(2);
	});
});
