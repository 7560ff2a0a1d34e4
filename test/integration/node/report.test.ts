/**
 * The Report node through n8n's execute context, on a ledger the engine wrote against real Dovecot: one summary item
 * with the files attached, one item per row paired with its input item, the input's users only, and errors.
 */
import {
	NodeOperationError,
	type IBinaryData,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
} from 'n8n-workflow';

import { openLedger } from '../../../nodes/lib/ledger';
import { Report } from '../../../nodes/Report/Report.node';
import { migrate, seedPair, tempLedgerPath, type SeededPair } from '../engine/engineFixtures';
import type { DovecotServer } from '../../harness/dovecot';
import { makeMessage } from '../../harness/imap-fixtures';
import { TestServices } from '../../harness/services';
import { outcome } from '../../unit/ledger/ledgerFixtures';
import { csvRows, htmlMetric } from '../reports/reportReading';

const reportNode = {
	id: 'r1',
	name: 'Migration Report',
	type: 'n8n-nodes-mailbox-migration.report',
	typeVersion: 1,
	position: [0, 0] as [number, number],
	parameters: {},
};

function reportContext(
	inputs: IDataObject[],
	parameters: Record<string, unknown>,
	continueOnFail = false,
): IExecuteFunctions {
	return {
		getInputData: () => inputs.map((json) => ({ json })),
		getNodeParameter: (name: string, itemIndex: number, fallback?: unknown) => {
			// The User field as its default expression resolves it: the item's sourceMailbox.
			if (name === 'user') return inputs[itemIndex].sourceMailbox ?? '';
			return name in parameters ? parameters[name] : fallback;
		},
		getNode: () => reportNode,
		continueOnFail: () => continueOnFail,
		helpers: {
			prepareBinaryData: async (
				data: Buffer,
				fileName: string,
				mimeType: string,
			): Promise<IBinaryData> => ({
				data: data.toString('base64'),
				fileName,
				mimeType,
			}),
		},
	} as unknown as IExecuteFunctions;
}

const text = (item: INodeExecutionData, key: string) =>
	Buffer.from(item.binary?.[key]?.data ?? '', 'base64').toString('utf8');

describe('the Report node, on a ledger the engine wrote', () => {
	const services = new TestServices();
	let source: DovecotServer;
	let target: DovecotServer;
	const ledgerPath = tempLedgerPath();
	let alice: SeededPair;
	let bob: SeededPair;

	beforeAll(async () => {
		[source, target] = await Promise.all([
			services.dovecot({ name: 'source' }),
			services.dovecot({ name: 'target' }),
		]);
		const mail = (n: number) =>
			Array.from({ length: n }, (_, i) => ({
				raw: makeMessage({ subject: `m${i}`, messageId: `<m${i}.${n}@x>` }),
			}));
		alice = await seedPair(source, target, { INBOX: mail(3) }, 'al');
		bob = await seedPair(source, target, { INBOX: mail(2) }, 'bo');
		await migrate(alice.sourceEndpoint, alice.targetEndpoint, ledgerPath);
		await migrate(bob.sourceEndpoint, bob.targetEndpoint, ledgerPath);
	}, 120_000);

	afterAll(async () => services.stopAll());

	const base = { migrationId: 'test', reportOptions: { path: ledgerPath } };

	it('gives one summary item with headline, totals, HTML and report.html/csv/json for the input users', async () => {
		const inputs = [{ sourceMailbox: alice.sourceUser }, { sourceMailbox: 'carol@example.com' }];
		const [[item], ...rest] = await new Report().execute.call(
			reportContext(inputs, { ...base, operation: 'waveSummary', scope: 'inputUsers' }),
		);
		expect(rest).toEqual([]);
		expect(item.pairedItem).toEqual([{ item: 0 }, { item: 1 }]);
		expect(item.json).toMatchObject({
			report: 'waveSummary',
			migrationId: 'test',
			headline: 'Migration test: 2 mailboxes, 1 completed, 1 not started',
			totals: { users: 2, migrated: 3, itemsTotal: 3 },
			users: [alice.sourceUser, 'carol@example.com'],
		});
		expect(Object.keys(item.binary ?? {}).sort()).toEqual(['csv', 'html', 'json']);
		expect(item.binary?.html).toMatchObject({ fileName: 'report.html', mimeType: 'text/html' });
		expect(text(item, 'html')).toBe(item.json.html);
		expect(htmlMetric(String(item.json.html), 'migrated')).toBe(3);
		expect(csvRows(text(item, 'csv')).map((row) => [row.user, row.status, row.copied])).toEqual([
			['carol@example.com', 'notStarted', '0'],
			[alice.sourceUser, 'completed', '3'],
		]);
		expect(JSON.parse(text(item, 'json')).totals.migrated).toBe(3);
	});

	it('gives one item per mailbox, each paired with the input item naming it', async () => {
		const inputs = [{ sourceMailbox: bob.sourceUser }, { sourceMailbox: alice.sourceUser }];
		const [items] = await new Report().execute.call(
			reportContext(inputs, {
				...base,
				operation: 'waveSummary',
				scope: 'inputUsers',
				reportOptions: { ...base.reportOptions, output: 'rows' },
			}),
		);
		expect(items.map((one) => [one.json.user, one.json.migrated, one.pairedItem])).toEqual([
			[alice.sourceUser, 3, [{ item: 1 }]],
			[bob.sourceUser, 2, [{ item: 0 }]],
		]);
		expect(items[0].binary).toBeUndefined();
	});

	it('reports the whole migration whatever the input', async () => {
		const [[item]] = await new Report().execute.call(
			reportContext([{}], { ...base, operation: 'waveSummary', scope: 'migration' }),
		);
		expect(item.json.totals).toMatchObject({ users: 2, migrated: 5 });
	});

	it('names the item without a user, and the bad Since Time; Continue On Fail gives an error item', async () => {
		const noUser = new Report().execute.call(
			reportContext([{ sourceMailbox: alice.sourceUser }, {}], {
				...base,
				operation: 'waveSummary',
				scope: 'inputUsers',
			}),
		);
		await expect(noUser).rejects.toThrow(NodeOperationError);
		await expect(noUser).rejects.toThrow('Item 1 names no user');
		const badTime = { ...base, operation: 'errorDigest', since: 'time', sinceTime: 'last tuesday' };
		await expect(new Report().execute.call(reportContext([{}], badTime))).rejects.toThrow(
			'Since Time "last tuesday" is not a time',
		);
		const [[failed]] = await new Report().execute.call(reportContext([{}], badTime, true));
		expect(failed.json.error).toMatch(/Since Time/);
	});

	it('Error Digest with Move Mark After Delivery: read again until Advance Digest Mark acknowledges it', async () => {
		const migrationId = 'digest-after-delivery';
		const store = await openLedger({ kind: 'sqlite', path: ledgerPath });
		await store.recordOutcomes([
			outcome(1, 'failed', { migrationId, sourceAccount: alice.sourceUser }),
		]);
		await store.close();
		const digestParameters = {
			...base,
			migrationId,
			operation: 'errorDigest',
			markMode: 'pending',
			reportOptions: { path: ledgerPath, files: [] },
		};
		const digest = async () =>
			(await new Report().execute.call(reportContext([{}], digestParameters)))[0][0].json;

		const undelivered = await digest();
		expect(undelivered.total).toEqual({ failedRuns: 0, items: 1 });
		expect(undelivered.digestMark).toEqual(expect.any(String));
		// Its email failed, so nothing acknowledged it: the next digest has the failure again.
		const delivered = await digest();
		expect(delivered.total).toEqual({ failedRuns: 0, items: 1 });

		const [acknowledged] = await new Report().execute.call(
			reportContext([{ digestMark: delivered.digestMark }, { digestMark: delivered.digestMark }], {
				...base,
				migrationId,
				operation: 'advanceDigestMark',
				digestMark: delivered.digestMark,
			}),
		);
		expect(acknowledged.map((item) => item.json)).toEqual([
			{ migrationId, markName: 'errorDigest', markedUntil: delivered.until },
			{ migrationId, markName: 'errorDigest', markedUntil: delivered.until },
		]);
		expect(acknowledged.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		const next = await digest();
		expect(next).toMatchObject({ since: delivered.until, total: { failedRuns: 0, items: 0 } });

		// A token used already is that item's error.
		const again = new Report().execute.call(
			reportContext([{}], {
				...base,
				migrationId,
				operation: 'advanceDigestMark',
				digestMark: delivered.digestMark,
			}),
		);
		await expect(again).rejects.toThrow(/Digest mark of item 0: .*used already/);
	});
});
