import { NodeOperationError, type IExecuteFunctions, type INode } from 'n8n-workflow';

import { MigrateMailbox } from '../../../nodes/MigrateMailbox/MigrateMailbox.node';

const node: INode = {
	id: 'n1',
	name: 'Pre-flight',
	type: 'n8n-nodes-mailbox-migration.migrateMailbox',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
};

/** Nothing listens on port 1 of loopback: every login fails at the TCP layer, for real, in milliseconds. */
const closedServer = {
	host: '127.0.0.1',
	port: 1,
	security: 'none',
	allowSelfSigned: false,
	loginMode: 'dovecotMaster',
	user: 'master',
	password: 'Sup3r-secret',
};

function context(
	items: Array<Record<string, string>>,
	continueOnFail: boolean,
	parameters: Record<string, unknown> = {},
): IExecuteFunctions {
	return {
		getInputData: () => items.map((json) => ({ json })),
		getNodeParameter: (name: string, itemIndex: number, fallback?: unknown) => {
			const values: Record<string, unknown> = {
				operation: 'preflight',
				sourceMailbox: items[itemIndex]?.mailbox,
				targetMailbox: items[itemIndex]?.mailbox,
				sourcePassword: '',
				targetPassword: '',
				preflightOptions: {},
				...parameters,
			};
			return name in values ? values[name] : fallback;
		},
		getCredentials: async () => closedServer,
		getNode: () => node,
		getTimezone: () => 'Europe/Berlin',
		getExecutionId: () => 'unit',
		getMode: () => 'trigger',
		logger: { debug: () => undefined, info: () => undefined, warn: () => undefined },
		continueOnFail: () => continueOnFail,
	} as unknown as IExecuteFunctions;
}

describe('Migrate Mailbox router', () => {
	it('with Continue On Fail, gives each failing mailbox an error item naming it and the layer, paired to its input', async () => {
		const output = await new MigrateMailbox().execute.call(
			context([{ mailbox: 'alice' }, { mailbox: 'bob' }], true),
		);
		expect(output[0]).toHaveLength(2);
		expect(output[0].map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect(output[0][0].json.mailbox).toBe('alice');
		expect(output[0][0].json.error).toMatch(/alice.*TCP.*refused/);
		expect(output[0][1].json.error).toMatch(/bob/);
		expect(JSON.stringify(output)).not.toContain('Sup3r-secret');
	});

	it('without Continue On Fail, throws a NodeOperationError carrying the item index', async () => {
		const error = await new MigrateMailbox().execute
			.call(context([{ mailbox: 'carol' }], false))
			.catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(NodeOperationError);
		expect((error as NodeOperationError).message).toMatch(/carol/);
		expect((error as NodeOperationError).context.itemIndex).toBe(0);
	});

	it('rejects a missing mailbox name in an admin login mode with a clear message', async () => {
		const output = await new MigrateMailbox().execute.call(context([{ mailbox: '' }], true));
		expect(output[0][0].json.error).toMatch(/mailbox name is required/);
	});

	it('names the bad run window of a Migrate item and still pairs every item to its error', async () => {
		const output = await new MigrateMailbox().execute.call(
			context([{ mailbox: 'dora' }, { mailbox: 'emil' }], true, {
				operation: 'migrate',
				stopOptions: { runWindows: 'Mon-Fri 20:00-06:00; Sundays 25:00-26:00' },
			}),
		);
		expect(output[0].map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		for (const [index, mailbox] of ['dora', 'emil'].entries()) {
			expect(output[0][index].json).toMatchObject({ mailbox, status: 'failed' });
			expect(output[0][index].json.error).toMatch(
				/Run Windows: window 2 \("Sundays 25:00-26:00"\)/,
			);
		}
	});

	it('fails every Migrate item with an unknown time zone, or throws with the item index without Continue On Fail', async () => {
		const parameters = { operation: 'migrate', stopOptions: { timeZone: 'Mars/Olympus' } };
		const output = await new MigrateMailbox().execute.call(
			context([{ mailbox: 'fritz' }, { mailbox: 'gina' }], true, parameters),
		);
		expect(output[0]).toHaveLength(2);
		for (const item of output[0]) expect(item.json.error).toMatch(/Mars\/Olympus/);
		const error = await new MigrateMailbox().execute
			.call(context([{ mailbox: 'hans' }], false, parameters))
			.catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(NodeOperationError);
		expect((error as NodeOperationError).context.itemIndex).toBe(0);
		expect((error as NodeOperationError).description).toMatch(/Schedule and Stop Conditions/);
	});
});
