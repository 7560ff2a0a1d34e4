import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

import { defaultLedgerPath, openLedger } from '../../../nodes/lib/ledger';
import { intent, tempLedgerDir } from './ledgerFixtures';

describe('defaultLedgerPath', () => {
	const saved = process.env.N8N_USER_FOLDER;
	afterEach(() => {
		if (saved === undefined) delete process.env.N8N_USER_FOLDER;
		else process.env.N8N_USER_FOLDER = saved;
	});

	it('puts the ledger in the .n8n folder n8n uses, like n8n resolves N8N_USER_FOLDER', () => {
		expect(defaultLedgerPath('/srv/n8n')).toBe('/srv/n8n/.n8n/mailbox-migration/ledger.sqlite');
		process.env.N8N_USER_FOLDER = '/data';
		expect(defaultLedgerPath()).toBe('/data/.n8n/mailbox-migration/ledger.sqlite');
		delete process.env.N8N_USER_FOLDER;
		expect(defaultLedgerPath()).toBe(join(homedir(), '.n8n', 'mailbox-migration', 'ledger.sqlite'));
	});
});

describe('openLedger', () => {
	let dir: ReturnType<typeof tempLedgerDir>;
	beforeEach(() => {
		dir = tempLedgerDir();
	});
	afterEach(() => dir.remove());

	it('creates missing folders, private to the user', async () => {
		const path = defaultLedgerPath(dir.path('n8n-home'));

		const ledger = await openLedger({ kind: 'sqlite', path });
		await ledger.recordIntents([intent(1)]);
		await ledger.close();

		expect(existsSync(path)).toBe(true);
		expect(statSync(dirname(path)).mode & 0o777).toBe(0o700);
	});

	it('opens an in-memory ledger', async () => {
		const ledger = await openLedger({ kind: 'sqlite', path: ':memory:' });
		await ledger.recordIntents([intent(1)]);
		expect((await ledger.getPending(intent(1).migrationId, intent(1).sourceAccount)).length).toBe(
			1,
		);
		await ledger.close();
	});

	it.each([
		['processCrash', 1],
		['powerLoss', 2],
	] as const)('maps durability %s to synchronous=%i', async (durability, synchronous) => {
		const ledger = await openLedger({ kind: 'sqlite', path: dir.path(), durability });
		// synchronous is per connection, so look through the store's own connection.
		const { db } = (ledger as unknown as { connection: { db: DatabaseSync } }).connection;
		expect(db.prepare('PRAGMA synchronous').get()).toEqual({ synchronous });
		await ledger.close();
	});

	it('says PostgreSQL is not available yet without echoing the connection string', async () => {
		const connectionString = 'postgres://ledger:s3cret-pw@db.example.com/ledger';
		const failure = openLedger({ kind: 'postgres', connectionString });

		await expect(failure).rejects.toThrow(/PostgreSQL ledger is not available yet/);
		await expect(failure).rejects.not.toThrow(/s3cret-pw/);
	});

	it('rejects an unknown kind and a missing path', async () => {
		await expect(openLedger({ kind: 'redis' } as never)).rejects.toThrow(/unknown kind "redis"/);
		await expect(openLedger({ kind: 'sqlite', path: '' })).rejects.toThrow(/path/);
	});
});
