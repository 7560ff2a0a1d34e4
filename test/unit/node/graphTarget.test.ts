import { NodeOperationError } from 'n8n-workflow';

import { DEFAULT_TUNING, GRAPH_DEFAULTS } from '../../../nodes/lib/defaults';
import {
	oversizePolicyOf,
	readItemSettings,
} from '../../../nodes/MigrateMailbox/actions/executionParameters';
import { graphTargetStore } from '../../../nodes/MigrateMailbox/actions/graphTarget';
import { mailboxPairFor, targetTypeOf } from '../../../nodes/MigrateMailbox/actions/mailboxPair';
import { MigrateMailbox } from '../../../nodes/MigrateMailbox/MigrateMailbox.node';
import { microsoftTargetContext } from './microsoftTargetContext';

const SECRET = 'cl1ent-Secret-graph-unit';

const appCredential = {
	tenant: 'contoso.onmicrosoft.com',
	clientId: '11111111-2222-3333-4444-555555555555',
	authentication: 'clientSecret',
	clientSecret: SECRET,
	cloud: 'usGov',
	customEndpoints: true,
	graphUrl: 'https://127.0.0.1:4443/',
};

const context = microsoftTargetContext({
	targetType: 'graph',
	appCredential,
	sourcePassword: 'm4ster-Secret-graph-unit',
});

describe('mailboxPairFor with Target Type Microsoft 365 (Graph)', () => {
	it("maps the Microsoft 365 (App) credential and the item's UPN to a graph store description", async () => {
		const items = context([{ sourceMailbox: 'alice', targetMailbox: ' alice@contoso.com ' }]);
		const { source, target } = await mailboxPairFor.call(items, 0);
		expect(source.login.authUser).toBe('alice*master');
		expect(target).toEqual({
			kind: 'graph',
			mailbox: 'alice@contoso.com',
			app: expect.objectContaining({
				tenant: 'contoso.onmicrosoft.com',
				clientId: appCredential.clientId,
				clientSecret: SECRET,
				cloud: 'usGov',
				graphUrl: 'https://127.0.0.1:4443/',
			}),
		});
		// The description is plain data: it crosses into the execution's worker thread as it is.
		expect(structuredClone(target)).toEqual(target);
		// No IMAP target credential is asked for.
		expect(items.asked).toEqual(['mailSourceImap', 'microsoft365App']);
	});

	it('reads Target Type; a saved workflow without one has an IMAP target', () => {
		expect(targetTypeOf(context([{}]), 0)).toBe('graph');
		expect(targetTypeOf(context([{}], { targetType: undefined }), 0)).toBe('imap');
		expect(targetTypeOf(context([{}], { targetType: 'exchangeOnline' }), 0)).toBe('exchangeOnline');
	});

	it('falls back to the source login only when it is an address', async () => {
		const { target } = await mailboxPairFor.call(
			context([{ sourceMailbox: 'carol@contoso.com' }]),
			0,
		);
		expect(target).toMatchObject({ kind: 'graph', mailbox: 'carol@contoso.com' });
	});

	it.each(['alice', 'alice@contoso', 'al ice@contoso.com', 'a\u0001b@contoso.com', ''])(
		'refuses %j as a Graph mailbox, in the store mapping too',
		async (mailbox) => {
			const error = await mailboxPairFor
				.call(context([{ sourceMailbox: 'emil', targetMailbox: mailbox }]), 0)
				.catch((caught: unknown) => caught);
			expect(error).toBeInstanceOf(NodeOperationError);
			expect((error as NodeOperationError).message).toMatch(
				/^Mailbox emil: Microsoft Graph needs the target mailbox's address/,
			);
			expect((error as NodeOperationError).description).toMatch(/principal name/);
			expect(() =>
				graphTargetStore({ tenant: 't', clientId: 'c', cloud: 'global' }, mailbox),
			).toThrow(/Microsoft Graph needs/);
		},
	);

	it('through the router: Continue On Fail gives the bad row its error item and nothing secret', async () => {
		const items = [{ sourceMailbox: 'emil' }, { sourceMailbox: 'fritz' }];
		const output = await new MigrateMailbox().execute.call(context(items, {}, true));
		expect(output[0].map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect(output[0][0].json.error).toMatch(/Mailbox emil: Microsoft Graph needs/);
		expect(JSON.stringify(output)).not.toContain(SECRET);
	});
});

describe('Microsoft 365 (Graph) defaults', () => {
	it('one folder at a time per mailbox (the client keeps its 4 requests in flight) and 35 MB messages', () => {
		const settings = readItemSettings.call(
			context([{ sourceMailbox: 'a' }]),
			0,
			{ mode: 'full', oversize: oversizePolicyOf({}, 'graph') },
			'graph',
		);
		expect(settings.job.tuning?.connections).toBe(GRAPH_DEFAULTS.connections);
		expect(settings.job.tuning?.batchMessages).toBe(DEFAULT_TUNING.batchMessages);
		expect(oversizePolicyOf({}, 'graph').maxMessageBytes).toBe(35_000_000);
	});

	it('the user’s own settings win: connections, and any Max Message Size (0 is the target’s own limit)', () => {
		const settings = readItemSettings.call(
			context([{ sourceMailbox: 'a' }], { performance: { connections: 3 } }),
			0,
			{ mode: 'full', oversize: oversizePolicyOf({}, 'graph') },
			'graph',
		);
		expect(settings.job.tuning?.connections).toBe(3);
		expect(oversizePolicyOf({ maxMessageMegabytes: 150 }, 'graph').maxMessageBytes).toBe(
			150_000_000,
		);
		expect(oversizePolicyOf({ maxMessageMegabytes: 0 }, 'graph').maxMessageBytes).toBeNull();
	});
});
