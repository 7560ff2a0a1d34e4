import { DatabaseSync } from 'node:sqlite';

import { LedgerSchemaError, openLedger } from '../../../nodes/lib/ledger';
import {
	SQLITE_MIGRATIONS,
	SQLITE_SCHEMA_VERSION,
	applyMigrations,
	readSchemaVersion,
} from '../../../nodes/lib/ledger/sqlite/sqliteSchema';
import { ACCOUNT, FOLDER, MIGRATION, UIDVALIDITY, outcome, tempLedgerDir } from './ledgerFixtures';

/**
 * A ledger file as release 0.1.0 (schema version 1) writes it, frozen here on purpose: when the schema moves on,
 * this proves files already on disk at customers still open and upgrade.
 */
const V1_FILE_DDL = `
	CREATE TABLE schema_version (version INTEGER NOT NULL PRIMARY KEY, applied_at TEXT NOT NULL);
	INSERT INTO schema_version VALUES (1, '2025-01-01T00:00:00.000Z');
	CREATE TABLE items (
		migration_id TEXT NOT NULL, source_account TEXT NOT NULL, source_folder TEXT NOT NULL,
		uid_validity INTEGER NOT NULL, uid INTEGER NOT NULL, message_id TEXT, size INTEGER NOT NULL,
		internal_date TEXT NOT NULL, fingerprint TEXT, target_folder TEXT NOT NULL, target_uid_validity INTEGER,
		target_uid INTEGER,
		status TEXT NOT NULL CHECK (status IN ('pending', 'copied', 'present', 'skipped', 'failed')),
		reason TEXT, flags TEXT NOT NULL, modseq TEXT, attempts INTEGER NOT NULL, created_at TEXT NOT NULL,
		updated_at TEXT NOT NULL,
		PRIMARY KEY (migration_id, source_account, source_folder, uid_validity, uid)
	) WITHOUT ROWID;
	CREATE INDEX items_by_status ON items (migration_id, source_account, status);
	CREATE TABLE folders (
		migration_id TEXT NOT NULL, source_account TEXT NOT NULL, source_folder TEXT NOT NULL,
		uid_validity INTEGER NOT NULL, uid_next INTEGER, highest_modseq TEXT, last_pass_completed_at TEXT,
		target_folder TEXT NOT NULL, counts TEXT NOT NULL, updated_at TEXT NOT NULL,
		PRIMARY KEY (migration_id, source_account, source_folder)
	) WITHOUT ROWID;
	CREATE TABLE runs (
		run_id TEXT NOT NULL PRIMARY KEY, migration_id TEXT NOT NULL, source_account TEXT NOT NULL,
		mode TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT, status TEXT NOT NULL, summary TEXT
	);
	CREATE INDEX runs_by_mailbox ON runs (migration_id, source_account, started_at);
	CREATE TABLE mailbox_locks (
		migration_id TEXT NOT NULL, source_account TEXT NOT NULL, owner TEXT NOT NULL, token TEXT NOT NULL,
		acquired_at TEXT NOT NULL, expires_at_ms INTEGER NOT NULL,
		PRIMARY KEY (migration_id, source_account)
	) WITHOUT ROWID;
	INSERT INTO items VALUES ('acme-2025', 'alice@imap.example.com:993', 'INBOX', 1700000001, 10,
		'<old@example.com>', 2048, '2023-05-01T08:00:00.000Z', NULL, 'INBOX', 9, 3, 'copied', NULL,
		'\\Seen', '55', 1, '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z');
	INSERT INTO folders VALUES ('acme-2025', 'alice@imap.example.com:993', 'INBOX', 1700000001, 11, '55',
		'2025-01-01T00:00:00.000Z', 'INBOX', '{"copied":1}', '2025-01-01T00:00:00.000Z');
`;

function writeFile(path: string, sql: string): void {
	const db = new DatabaseSync(path);
	db.exec(sql);
	db.close();
}

function schemaVersionOf(path: string): number {
	const db = new DatabaseSync(path);
	try {
		return readSchemaVersion(db);
	} finally {
		db.close();
	}
}

describe('SQLite ledger schema', () => {
	let dir: ReturnType<typeof tempLedgerDir>;
	beforeEach(() => {
		dir = tempLedgerDir();
	});
	afterEach(() => dir.remove());

	it('creates a new file at the current version, in WAL mode', async () => {
		const ledger = await openLedger({ kind: 'sqlite', path: dir.path() });
		await ledger.close();

		expect(schemaVersionOf(dir.path())).toBe(SQLITE_SCHEMA_VERSION);
		const db = new DatabaseSync(dir.path());
		expect(db.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
		db.close();
	});

	it('opens a version 1 file written by release 0.1.0 and keeps its data usable', async () => {
		writeFile(dir.path(), V1_FILE_DDL);

		const ledger = await openLedger({ kind: 'sqlite', path: dir.path() });
		const key = {
			migrationId: MIGRATION,
			sourceAccount: ACCOUNT,
			sourceFolder: FOLDER,
			uidValidity: UIDVALIDITY,
		};
		expect(await ledger.getItem({ ...key, uid: 10 })).toMatchObject({
			status: 'copied',
			messageId: '<old@example.com>',
			targetUid: 3,
			flags: '\\Seen',
		});
		expect(await ledger.getFolderState(MIGRATION, ACCOUNT, FOLDER)).toMatchObject({
			uidNext: 11,
			counts: { copied: 1 },
		});
		await ledger.recordOutcomes([outcome(11, 'copied')]);
		expect((await ledger.getFolderItems(MIGRATION, ACCOUNT, FOLDER, UIDVALIDITY)).size).toBe(2);
		await ledger.close();

		expect(schemaVersionOf(dir.path())).toBe(SQLITE_SCHEMA_VERSION);
	});

	it('upgrades oversize records of a version 1 file from their reason text to fields', async () => {
		const row = (uid: number, status: string, reason: string | null) =>
			`INSERT INTO items VALUES ('acme-2025', 'alice@imap.example.com:993', 'INBOX', 1700000001, ${uid},
				'<m${uid}@example.com>', 30000000, '2023-05-01T08:00:00.000Z', NULL, 'INBOX', NULL, NULL, '${status}',
				${reason === null ? 'NULL' : `'${reason}'`}, '', NULL, 1, '2025-01-01T00:00:00.000Z',
				'2025-01-01T00:00:00.000Z');`;
		// Reason texts exactly as release 0.1.0 wrote them.
		writeFile(
			dir.path(),
			[
				V1_FILE_DDL,
				row(
					20,
					'skipped',
					'oversize 30000000 bytes (target limit 25000000): zipping attachments is off',
				),
				row(
					21,
					'skipped',
					'oversize 30000000 bytes (target limit 25000000): still too big after zipping',
				),
				row(
					22,
					'skipped',
					'oversize 30000000 bytes (target limit not announced): signed or encrypted',
				),
				row(
					23,
					'skipped',
					'oversize 30000000 bytes (target limit not announced): zipping attachments is off',
				),
				row(
					24,
					'skipped',
					'oversize 30000000 bytes (target limit 25000000): refused even zipped to 24000000 bytes',
				),
				row(25, 'copied', 'zipped: 2 attachments packed into one zip, 30000000 -> 900000 bytes'),
				row(26, 'present', 'zipped: 1 attachment packed into one zip, 30000000 -> 900000 bytes'),
				row(27, 'skipped', 'excluded by a rule'),
				row(28, 'failed', '[OVERQUOTA] oversize 123456 bytes over quota (target limit 5)'),
				row(29, 'copied', null),
			].join('\n'),
		);

		const ledger = await openLedger({ kind: 'sqlite', path: dir.path() });
		const items = await ledger.getFolderItems(MIGRATION, ACCOUNT, FOLDER, UIDVALIDITY);
		await ledger.close();

		const oversizeOf = (uid: number) => items.get(uid)?.oversize;
		expect(oversizeOf(20)).toEqual({ handling: 'skipped', limitBytes: 25_000_000, zipping: false });
		expect(oversizeOf(21)).toEqual({ handling: 'skipped', limitBytes: 25_000_000, zipping: true });
		expect(oversizeOf(22)).toEqual({ handling: 'skipped', limitBytes: null, zipping: true });
		expect(oversizeOf(23)).toEqual({ handling: 'skipped', limitBytes: null, zipping: false });
		expect(oversizeOf(24)).toEqual({ handling: 'skipped', limitBytes: 25_000_000, zipping: true });
		expect(oversizeOf(25)).toEqual({ handling: 'zipped' });
		expect(oversizeOf(26)).toEqual({ handling: 'zipped' });
		for (const uid of [10, 27, 28, 29]) expect(oversizeOf(uid)).toBeNull();
		// The reason stays as it was written, for people reading the ledger.
		expect(items.get(20)?.reason).toBe(
			'oversize 30000000 bytes (target limit 25000000): zipping attachments is off',
		);
	});

	it('upgrades a version 2 file to target bindings: its records stay with the first target run after', async () => {
		writeFile(dir.path(), V1_FILE_DDL);
		const v2 = new DatabaseSync(dir.path());
		applyMigrations(
			v2,
			SQLITE_MIGRATIONS.filter((migration) => migration.version <= 2),
		);
		v2.close();
		expect(schemaVersionOf(dir.path())).toBe(2);

		const ledger = await openLedger({ kind: 'sqlite', path: dir.path() });
		const bob = await ledger.bindMailboxTarget(MIGRATION, ACCOUNT, 'bob@new:993');
		const carol = await ledger.bindMailboxTarget(MIGRATION, ACCOUNT, 'carol@new:993');
		const itemsOf = async (account: string) =>
			(await ledger.getFolderItems(MIGRATION, account, FOLDER, UIDVALIDITY)).size;
		expect(bob).toMatchObject({ ledgerAccount: ACCOUNT, bound: true });
		expect(await itemsOf(bob.ledgerAccount)).toBe(1);
		expect(carol).toMatchObject({ earlierTargets: ['bob@new:993'], bound: true });
		expect(await itemsOf(carol.ledgerAccount)).toBe(0);
		await ledger.close();
		expect(schemaVersionOf(dir.path())).toBe(SQLITE_SCHEMA_VERSION);
	});

	it('upgrades a version 3 file to routing snapshots, its records kept', async () => {
		writeFile(dir.path(), V1_FILE_DDL);
		const v3 = new DatabaseSync(dir.path());
		applyMigrations(
			v3,
			SQLITE_MIGRATIONS.filter((migration) => migration.version <= 3),
		);
		v3.close();
		const ledger = await openLedger({ kind: 'sqlite', path: dir.path() });
		expect((await ledger.getFolderItems(MIGRATION, ACCOUNT, FOLDER, UIDVALIDITY)).size).toBe(1);
		await ledger.recordRoutingSwitch({
			migrationId: MIGRATION,
			user: 'alice@example.test',
			wave: null,
			dn: 'uid=alice,dc=example,dc=test',
			current: { mailHost: [] },
			applied: { mailHost: ['new.mail.test'] },
		});
		expect(await ledger.listRoutingSnapshots(MIGRATION)).toHaveLength(1);
		await ledger.close();
		expect(schemaVersionOf(dir.path())).toBe(SQLITE_SCHEMA_VERSION);
	});

	/** A routing snapshot row as versions 4–7 wrote it: the user as typed. */
	const routingRow = (
		migration: string,
		user: string,
		previousHost: string,
		state: string,
		createdAt: string,
		rolledBackAt: string | null = null,
	) =>
		`INSERT INTO routing_snapshots VALUES ('${migration}', '${user}', 'wave-1', 'uid=alice,dc=example,dc=test',
			'{"mailHost":["${previousHost}"]}', '{"mailHost":["new.mail.test"]}', '${state}', '${createdAt}',
			'${createdAt}', ${rolledBackAt === null ? 'NULL' : `'${rolledBackAt}'`}, '${createdAt}');`;

	it.each([4, 5, 6, 7])(
		"upgrades a version %i file to users keyed lower-cased, keeping the snapshot with the entry's own values",
		async (version) => {
			writeFile(dir.path(), V1_FILE_DDL);
			const old = new DatabaseSync(dir.path());
			applyMigrations(
				old,
				SQLITE_MIGRATIONS.filter((migration) => migration.version <= version),
			);
			old.exec(
				[
					// The reviewer's state: the second spelling was taken from the entry the first had switched.
					routingRow(
						MIGRATION,
						'alice@example.test',
						'new.mail.test',
						'switched',
						'2025-02-02T00:00:00.000Z',
					),
					routingRow(
						MIGRATION,
						'Alice@Example.test',
						'old.mail.test',
						'switched',
						'2025-02-01T00:00:00.000Z',
					),
					// Rolled back before the second spelling was taken: the later one holds the entry's values.
					routingRow(
						MIGRATION,
						'BOB@example.test',
						'old.mail.test',
						'rolledBack',
						'2025-02-01T00:00:00.000Z',
						'2025-02-03T00:00:00.000Z',
					),
					routingRow(
						MIGRATION,
						'bob@example.test',
						'interim.mail.test',
						'switched',
						'2025-02-04T00:00:00.000Z',
					),
					// Lower-cased as JavaScript does, beyond ASCII (SQLite's lower() would keep 'Å').
					routingRow(
						MIGRATION,
						'Åsa@Example.test',
						'old.mail.test',
						'switching',
						'2025-02-01T00:00:00.000Z',
					),
					routingRow(
						'other',
						'Alice@Example.test',
						'other.mail.test',
						'switched',
						'2025-02-05T00:00:00.000Z',
					),
				].join('\n'),
			);
			old.close();
			expect(schemaVersionOf(dir.path())).toBe(version);

			const ledger = await openLedger({ kind: 'sqlite', path: dir.path() });
			const rows = async (migration: string) =>
				(await ledger.listRoutingSnapshots(migration)).map((snapshot) => [
					snapshot.user,
					snapshot.state,
					snapshot.previous.mailHost[0],
				]);
			expect(await rows(MIGRATION)).toEqual([
				['alice@example.test', 'switched', 'old.mail.test'],
				['bob@example.test', 'switched', 'interim.mail.test'],
				['åsa@example.test', 'switching', 'old.mail.test'],
			]);
			expect(await rows('other')).toEqual([['alice@example.test', 'switched', 'other.mail.test']]);
			expect(
				await ledger.getRoutingSnapshot({ migrationId: MIGRATION, user: 'ÅSA@example.test' }),
			).toMatchObject({ state: 'switching' });
			await ledger.close();
			expect(schemaVersionOf(dir.path())).toBe(SQLITE_SCHEMA_VERSION);
			const db = new DatabaseSync(dir.path());
			const index = db
				.prepare(`SELECT sql FROM sqlite_master WHERE name = 'routing_snapshots_by_dn'`)
				.get();
			db.close();
			expect(index?.sql).toMatch(/\(migration_id, dn COLLATE NOCASE\)/);
		},
	);
	it('upgrades a version 7 file to claimed provisioning rows: a creating row from before is free to take over', async () => {
		writeFile(dir.path(), V1_FILE_DDL);
		const v7 = new DatabaseSync(dir.path());
		applyMigrations(
			v7,
			SQLITE_MIGRATIONS.filter((migration) => migration.version <= 7),
		);
		v7.exec(`INSERT INTO provisioned_accounts VALUES ('${MIGRATION}', 'ldap', 'alice', 'creating', 'created',
			'[]', NULL, NULL, '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z')`);
		v7.close();
		const ledger = await openLedger({ kind: 'sqlite', path: dir.path() });
		const key = { migrationId: MIGRATION, provider: 'ldap', account: 'alice' };
		expect(await ledger.getProvisionedAccount(key)).toMatchObject({
			state: 'creating',
			owner: null,
			claimExpiresAt: null,
		});
		expect(
			await ledger.claimProvisionedAccount({
				...key,
				owner: 'run-a',
				ttlMs: 60_000,
				creatingOnly: true,
			}),
		).toMatchObject({ claimed: true, earlier: { createdAt: '2025-01-01T00:00:00.000Z' } });
		await ledger.close();
		expect(schemaVersionOf(dir.path())).toBe(SQLITE_SCHEMA_VERSION);
	});

	it('refuses a file from a newer release and leaves it untouched', async () => {
		writeFile(
			dir.path(),
			`${V1_FILE_DDL}; INSERT INTO schema_version VALUES (${SQLITE_SCHEMA_VERSION + 1}, '2030-01-01T00:00:00.000Z');`,
		);

		await expect(openLedger({ kind: 'sqlite', path: dir.path() })).rejects.toThrow(
			LedgerSchemaError,
		);
		expect(schemaVersionOf(dir.path())).toBe(SQLITE_SCHEMA_VERSION + 1);
	});

	it('applies later steps in place and records each version', () => {
		writeFile(dir.path(), V1_FILE_DDL);
		const db = new DatabaseSync(dir.path());
		const nextSteps = [
			...SQLITE_MIGRATIONS,
			{
				version: SQLITE_SCHEMA_VERSION + 1,
				sql: 'ALTER TABLE items ADD COLUMN target_message_id TEXT',
			},
			{
				version: SQLITE_SCHEMA_VERSION + 2,
				sql: 'CREATE INDEX items_by_message_id ON items (message_id)',
			},
		];

		expect(applyMigrations(db, nextSteps)).toBe(SQLITE_SCHEMA_VERSION + 2);
		expect(db.prepare('SELECT message_id, target_message_id FROM items').all()).toEqual([
			{ message_id: '<old@example.com>', target_message_id: null },
		]);
		expect(db.prepare('SELECT version FROM schema_version ORDER BY version').all()).toEqual(
			nextSteps.map(({ version }) => ({ version })),
		);
		expect(applyMigrations(db, nextSteps)).toBe(SQLITE_SCHEMA_VERSION + 2);
		db.close();
	});

	it('leaves the file at its old version when an upgrade step fails', () => {
		writeFile(dir.path(), V1_FILE_DDL);
		const db = new DatabaseSync(dir.path());
		const brokenSteps = [
			...SQLITE_MIGRATIONS,
			{ version: SQLITE_SCHEMA_VERSION + 1, sql: 'ALTER TABLE items ADD COLUMN note TEXT' },
			{ version: SQLITE_SCHEMA_VERSION + 2, sql: 'ALTER TABLE no_such_table ADD COLUMN x TEXT' },
		];

		expect(() => applyMigrations(db, brokenSteps)).toThrow(/no_such_table/);
		expect(readSchemaVersion(db)).toBe(1);
		expect(
			db.prepare(`SELECT COUNT(*) AS n FROM pragma_table_info('items') WHERE name = 'note'`).get(),
		).toEqual({ n: 0 });
		db.close();
	});
});
