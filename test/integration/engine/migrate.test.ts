import { ImapFlow } from 'imapflow';

import type { DovecotServer } from '../../harness/dovecot';
import { appendMessages, makeMessage, snapshotMailbox } from '../../harness/imap-fixtures';
import { TestServices } from '../../harness/services';
import {
	comparable,
	migrate,
	PASSWORD,
	rebuildFolder,
	seedPair,
	tempLedgerPath,
	variedCorpus,
} from './engineFixtures';

async function withClient<T>(
	server: DovecotServer,
	user: string,
	work: (client: ImapFlow) => Promise<T>,
): Promise<T> {
	const client = new ImapFlow({
		host: server.host,
		port: server.port,
		secure: false,
		doSTARTTLS: false,
		auth: { user, pass: PASSWORD },
		logger: false,
	});
	await client.connect();
	try {
		return await work(client);
	} finally {
		await client.logout();
	}
}

describe('Migrate Mailbox engine against real Dovecot', () => {
	const services = new TestServices();
	let source: DovecotServer;
	let target: DovecotServer;
	let dottedSource: DovecotServer;

	beforeAll(async () => {
		[source, target, dottedSource] = await Promise.all([
			services.dovecot({ name: 'source' }),
			services.dovecot({ name: 'target' }),
			services.dovecot({ name: 'dotted', separator: '.' }),
		]);
	}, 120_000);

	afterAll(async () => {
		await services.stopAll();
	});

	const seededPair = (corpus = variedCorpus(), from = source) => seedPair(from, target, corpus);

	it('copies every folder exactly: bytes, flags, keywords and internal dates, duplicates included', async () => {
		const pair = await seededPair();
		const report = await migrate(pair.sourceEndpoint, pair.targetEndpoint, tempLedgerPath());
		expect(report.status).toBe('completed');
		expect(report.counts.failed).toBe(0);
		expect(report.counts.copied).toBe(11);
		const sourceSnapshot = comparable(await snapshotMailbox(source, pair.sourceUser, PASSWORD));
		const targetSnapshot = comparable(await snapshotMailbox(target, pair.targetUser, PASSWORD));
		for (const folder of ['INBOX', '日本語', 'a.b', 'Projects/Alpha/Specs', 'Empty']) {
			expect(targetSnapshot[folder]).toEqual(sourceSnapshot[folder]);
		}
		// The source does not flag special folders, so the German drafts folder is recognised by name.
		expect(targetSnapshot.Drafts).toEqual(sourceSnapshot['Entwürfe']);
		expect(targetSnapshot['Entwürfe']).toBeUndefined();
		expect(targetSnapshot.INBOX).toHaveLength(7);
	});

	it('reruns as a no-op and a new migration name still duplicates nothing', async () => {
		const pair = await seededPair();
		const ledger = tempLedgerPath();
		await migrate(pair.sourceEndpoint, pair.targetEndpoint, ledger);
		const rerun = await migrate(pair.sourceEndpoint, pair.targetEndpoint, ledger);
		expect(rerun.counts.copied).toBe(0);
		expect(rerun.folders.every((folder) => folder.action === 'unchanged')).toBe(true);
		// A fresh ledger (lost, or another migration name) must find everything in the target instead of copying again.
		const fresh = await migrate(pair.sourceEndpoint, pair.targetEndpoint, tempLedgerPath());
		expect(fresh.counts.copied).toBe(0);
		expect(fresh.counts.alreadyPresent).toBe(11);
		const targetSnapshot = comparable(await snapshotMailbox(target, pair.targetUser, PASSWORD));
		expect(targetSnapshot.INBOX).toHaveLength(7);
	});

	it('Delta copies only new mail and carries flag changes', async () => {
		const pair = await seededPair();
		const ledger = tempLedgerPath();
		await migrate(pair.sourceEndpoint, pair.targetEndpoint, ledger);
		await appendMessages(source, pair.sourceUser, PASSWORD, 'INBOX', [
			{ raw: makeMessage({ subject: 'arrived later' }), flags: [] },
		]);
		await withClient(source, pair.sourceUser, async (client) => {
			const lock = await client.getMailboxLock('INBOX');
			try {
				await client.messageFlagsAdd({ subject: 'hello' }, ['\\Flagged', 'Followup']);
				await client.messageFlagsRemove({ subject: 'hello' }, ['\\Seen']);
			} finally {
				lock.release();
			}
		});
		const delta = await migrate(pair.sourceEndpoint, pair.targetEndpoint, ledger, 'delta');
		expect(delta.counts.copied).toBe(1);
		expect(delta.counts.flagsUpdated).toBe(1);
		const sourceSnapshot = comparable(await snapshotMailbox(source, pair.sourceUser, PASSWORD));
		const targetSnapshot = comparable(await snapshotMailbox(target, pair.targetUser, PASSWORD));
		expect(targetSnapshot.INBOX).toEqual(sourceSnapshot.INBOX);
	});

	it('Verify reports exactly the items deleted from the target behind its back, and Full restores them', async () => {
		const pair = await seededPair();
		const ledger = tempLedgerPath();
		await migrate(pair.sourceEndpoint, pair.targetEndpoint, ledger);
		const clean = await migrate(pair.sourceEndpoint, pair.targetEndpoint, ledger, 'verify');
		expect(clean.differences).toEqual([]);
		expect(clean.status).toBe('completed');
		await withClient(target, pair.targetUser, async (client) => {
			const lock = await client.getMailboxLock('INBOX');
			try {
				await client.messageDelete({ subject: 'flagged' });
			} finally {
				lock.release();
			}
			await appendMessages(target, pair.targetUser, PASSWORD, '日本語', [
				{ raw: makeMessage({ subject: 'only on the target' }) },
			]);
		});
		const verify = await migrate(pair.sourceEndpoint, pair.targetEndpoint, ledger, 'verify');
		expect(verify.status).toBe('partial');
		const differences = (verify.differences ?? []).map((difference) => [
			difference.folder,
			difference.kind,
		]);
		expect(differences.sort()).toEqual([
			['INBOX', 'missing'],
			['日本語', 'extra'],
		]);
		const repaired = await migrate(pair.sourceEndpoint, pair.targetEndpoint, ledger);
		expect(repaired.counts.copied).toBe(1);
		const again = await migrate(pair.sourceEndpoint, pair.targetEndpoint, ledger, 'verify');
		expect(again.differences?.filter((difference) => difference.kind === 'missing')).toEqual([]);
	});

	it('re-matches after the source UIDVALIDITY changed, instead of copying again', async () => {
		const corpus = {
			Projects: [
				{
					raw: makeMessage({ subject: 'with id' }),
					internalDate: new Date('2020-02-03T04:05:06Z'),
				},
				{
					raw: makeMessage({ subject: 'without id', messageId: null }),
					internalDate: new Date('2020-02-03T04:05:06Z'),
				},
				{
					raw: makeMessage({ subject: 'without id', messageId: null, body: 'other body' }),
					internalDate: new Date('2020-02-03T04:05:06Z'),
				},
			],
		};
		const pair = await seededPair(corpus);
		const ledger = tempLedgerPath();
		await migrate(pair.sourceEndpoint, pair.targetEndpoint, ledger);
		// A folder deleted and restored with the same messages comes back with a new UIDVALIDITY.
		await rebuildFolder(source, pair.sourceUser, 'Projects', corpus.Projects);
		const rerun = await migrate(pair.sourceEndpoint, pair.targetEndpoint, ledger);
		expect(rerun.counts.copied).toBe(0);
		expect(rerun.counts.alreadyPresent).toBe(3);
		expect((await snapshotMailbox(target, pair.targetUser, PASSWORD)).Projects).toHaveLength(3);
		const verify = await migrate(pair.sourceEndpoint, pair.targetEndpoint, ledger, 'verify');
		expect(verify.differences).toEqual([]);
	});

	it('Dry run plans and counts without writing anything', async () => {
		const pair = await seededPair();
		const report = await migrate(
			pair.sourceEndpoint,
			pair.targetEndpoint,
			tempLedgerPath(),
			'dryRun',
		);
		expect(report.counts.sourceItems).toBe(11);
		expect(report.counts.copied).toBe(0);
		const targetSnapshot = await snapshotMailbox(target, pair.targetUser, PASSWORD);
		expect(Object.values(targetSnapshot).flat()).toHaveLength(0);
	});

	it('translates a dot-separated source: a/b stays one folder, hierarchy follows', async () => {
		const corpus = {
			'a/b': [{ raw: makeMessage({ subject: 'slash in a name' }) }],
			'Kunden.Müller GmbH': [{ raw: makeMessage({ subject: 'nested' }) }],
		};
		const pair = await seededPair(corpus, dottedSource);
		const report = await migrate(pair.sourceEndpoint, pair.targetEndpoint, tempLedgerPath());
		expect(report.status).toBe('completed');
		const targetSnapshot = await snapshotMailbox(target, pair.targetUser, PASSWORD);
		expect(targetSnapshot['a_b']).toHaveLength(1);
		expect(targetSnapshot['Kunden/Müller GmbH']).toHaveLength(1);
	});

	it('copies a 25 MB message byte for byte', async () => {
		const big = makeMessage({
			subject: 'big',
			attachments: [{ name: 'big.bin', bytes: Buffer.alloc(19 * 1024 * 1024, 0x5a) }],
		});
		expect(big.length).toBeGreaterThan(25 * 1000 * 1000);
		const pair = await seededPair({ INBOX: [{ raw: big }] });
		const report = await migrate(pair.sourceEndpoint, pair.targetEndpoint, tempLedgerPath());
		expect(report.counts.copied).toBe(1);
		const [sourceMessage] = (await snapshotMailbox(source, pair.sourceUser, PASSWORD)).INBOX;
		const [targetMessage] = (await snapshotMailbox(target, pair.targetUser, PASSWORD)).INBOX;
		expect(targetMessage.sha256).toBe(sourceMessage.sha256);
	}, 120_000);

	it('fails one mailbox of a batch with a clear reason and leaves no secret in it', async () => {
		const pair = await seededPair({ INBOX: [{ raw: makeMessage({ subject: 'x' }) }] });
		const wrong = {
			...pair.sourceEndpoint,
			login: { ...pair.sourceEndpoint.login, password: 'wrong-Secret-9' },
		};
		await expect(migrate(wrong, pair.targetEndpoint, tempLedgerPath())).rejects.toThrow(/source/i);
		await migrate(wrong, pair.targetEndpoint, tempLedgerPath()).catch((error: Error) => {
			expect(error.message).not.toContain('wrong-Secret-9');
		});
	});
});
