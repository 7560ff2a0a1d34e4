/**
 * The node's Ledger File, per item, through the real Migrate operation against real Dovecot: each item's own file
 * (not only the first item's), `~/` meaning the home folder, and files only their owner can read.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';

import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { MigrateMailbox } from '../../../nodes/MigrateMailbox/MigrateMailbox.node';
import { PASSWORD, seedPair } from '../engine/engineFixtures';
import type { DovecotServer } from '../../harness/dovecot';
import { makeMessage, snapshotMailbox } from '../../harness/imap-fixtures';
import { migrateNode } from '../../harness/n8nNodeFixtures';
import { TestServices } from '../../harness/services';

interface Row {
	sourceMailbox: string;
	targetMailbox: string;
	ledgerPath: string;
}

/** A Migrate run of the node over `rows`, each row one item with its own Ledger File. */
function migrateContext(
	rows: Row[],
	source: DovecotServer,
	target: DovecotServer,
): IExecuteFunctions {
	const credential = (server: DovecotServer) => ({
		host: '127.0.0.1',
		port: server.port,
		security: 'none',
		allowSelfSigned: false,
		loginMode: 'user',
		user: '',
		password: PASSWORD,
	});
	return {
		getInputData: () => rows.map((row) => ({ json: row as unknown as IDataObject })),
		getNodeParameter: (name: string, itemIndex: number, fallback?: unknown) => {
			const row = rows[itemIndex];
			const values: Record<string, unknown> = {
				operation: 'migrate',
				mode: 'full',
				sourceMailbox: row.sourceMailbox,
				targetMailbox: row.targetMailbox,
				sourcePassword: '',
				targetPassword: '',
				ledgerOptions: { path: row.ledgerPath },
			};
			return name in values ? values[name] : fallback;
		},
		getCredentials: async (type: string) => credential(type === 'mailSourceImap' ? source : target),
		getNode: () => migrateNode,
		getTimezone: () => 'UTC',
		getExecutionId: () => 'ledger-files',
		getMode: () => 'trigger',
		logger: { debug: () => undefined, info: () => undefined, warn: () => undefined },
		continueOnFail: () => true,
	} as unknown as IExecuteFunctions;
}

function ledgerAccounts(file: string): string[] {
	const db = new DatabaseSync(file);
	try {
		const rows = db.prepare('SELECT DISTINCT source_account FROM items ORDER BY 1').all();
		return rows.map((row) => String(row.source_account));
	} finally {
		db.close();
	}
}

const modeOf = (file: string) => fs.statSync(file).mode & 0o777;

describe('the Ledger File of each Migrate item, against real Dovecot', () => {
	const services = new TestServices();
	let source: DovecotServer;
	let target: DovecotServer;
	/** A fresh folder, and the same folder written from the home folder with `~/` (a path with `..` if need be). */
	let home: string;
	let fromHome: string;

	beforeAll(async () => {
		[source, target] = await Promise.all([
			services.dovecot({ name: 'source' }),
			services.dovecot({ name: 'target' }),
		]);
	}, 120_000);

	beforeEach(() => {
		home = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-home-'));
		fromHome = `~/${path.relative(os.homedir(), home)}`;
	});

	afterEach(() => {
		fs.rmSync(home, { recursive: true, force: true });
	});

	afterAll(async () => {
		await services.stopAll();
	});

	const corpus = (subject: string) => ({
		INBOX: [1, 2, 3].map((n) => ({ raw: makeMessage({ subject: `${subject} ${n}` }) })),
	});

	it("keeps each item's records in its own ledger file, '~/' being the home folder, readable by its owner only", async () => {
		const [alice, bob] = await Promise.all([
			seedPair(source, target, corpus('alice'), 'lf'),
			seedPair(source, target, corpus('bob'), 'lf'),
		]);
		const elsewhere = path.join(home, 'elsewhere', 'bob.sqlite');
		const rows: Row[] = [
			{
				sourceMailbox: alice.sourceUser,
				targetMailbox: alice.targetUser,
				ledgerPath: `${fromHome}/ledgers/alice.sqlite`,
			},
			{ sourceMailbox: bob.sourceUser, targetMailbox: bob.targetUser, ledgerPath: elsewhere },
		];
		const previousUmask = process.umask(0o022);
		let output;
		try {
			output = await new MigrateMailbox().execute.call(migrateContext(rows, source, target));
		} finally {
			process.umask(previousUmask);
		}
		expect(output[0].map((item) => item.json.status)).toEqual(['completed', 'completed']);
		for (const pair of [alice, bob]) {
			const snapshot = await snapshotMailbox(target, pair.targetUser, PASSWORD);
			expect(snapshot.INBOX).toHaveLength(3);
		}

		const aliceLedger = path.join(home, 'ledgers', 'alice.sqlite');
		expect(fs.existsSync(path.join(process.cwd(), '~'))).toBe(false);
		// Before the ledgers are read here, which would make -wal and -shm of this test's own.
		for (const file of [aliceLedger, elsewhere]) {
			const companions = ['', '-wal', '-shm'].map((end) => file + end).filter(fs.existsSync);
			expect(companions.map((companion) => [companion, modeOf(companion)])).toEqual(
				companions.map((companion) => [companion, 0o600]),
			);
			expect(companions).toContain(file);
		}
		expect(ledgerAccounts(aliceLedger)).toEqual([expect.stringContaining(alice.sourceUser)]);
		expect(ledgerAccounts(elsewhere)).toEqual([expect.stringContaining(bob.sourceUser)]);
	}, 120_000);

	it('makes a ledger file that others could read private when it opens it again', async () => {
		const carol = await seedPair(source, target, corpus('carol'), 'lf');
		const file = path.join(home, 'carol.sqlite');
		fs.writeFileSync(file, '');
		fs.chmodSync(file, 0o644);
		const output = await new MigrateMailbox().execute.call(
			migrateContext(
				[{ sourceMailbox: carol.sourceUser, targetMailbox: carol.targetUser, ledgerPath: file }],
				source,
				target,
			),
		);
		expect(output[0][0].json.status).toBe('completed');
		expect(modeOf(file)).toBe(0o600);
	}, 120_000);
});
