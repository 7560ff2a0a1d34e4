/**
 * Versioned schema of the SQLite ledger. A migration, once released, is never edited: later versions append a step,
 * and files written by any earlier version upgrade in place when opened.
 */
import type { DatabaseSync } from 'node:sqlite';

import { normaliseRoutingUsers } from './routingUsersV8';

export interface SchemaMigration {
	version: number;
	sql: string;
	/** A step SQL cannot say, run after `sql` in the same transaction. */
	upgrade?: (db: DatabaseSync) => void;
}

export const SQLITE_MIGRATIONS: readonly SchemaMigration[] = [
	{
		version: 1,
		// WITHOUT ROWID keeps each folder's records clustered by their key, so loading a folder is one range scan.
		sql: `
			CREATE TABLE items (
				migration_id TEXT NOT NULL,
				source_account TEXT NOT NULL,
				source_folder TEXT NOT NULL,
				uid_validity INTEGER NOT NULL,
				uid INTEGER NOT NULL,
				message_id TEXT,
				size INTEGER NOT NULL,
				internal_date TEXT NOT NULL,
				fingerprint TEXT,
				target_folder TEXT NOT NULL,
				target_uid_validity INTEGER,
				target_uid INTEGER,
				status TEXT NOT NULL CHECK (status IN ('pending', 'copied', 'present', 'skipped', 'failed')),
				reason TEXT,
				flags TEXT NOT NULL,
				modseq TEXT,
				attempts INTEGER NOT NULL,
				created_at TEXT NOT NULL,
				updated_at TEXT NOT NULL,
				PRIMARY KEY (migration_id, source_account, source_folder, uid_validity, uid)
			) WITHOUT ROWID;
			CREATE INDEX items_by_status ON items (migration_id, source_account, status);

			CREATE TABLE folders (
				migration_id TEXT NOT NULL,
				source_account TEXT NOT NULL,
				source_folder TEXT NOT NULL,
				uid_validity INTEGER NOT NULL,
				uid_next INTEGER,
				highest_modseq TEXT,
				last_pass_completed_at TEXT,
				target_folder TEXT NOT NULL,
				counts TEXT NOT NULL,
				updated_at TEXT NOT NULL,
				PRIMARY KEY (migration_id, source_account, source_folder)
			) WITHOUT ROWID;

			CREATE TABLE runs (
				run_id TEXT NOT NULL PRIMARY KEY,
				migration_id TEXT NOT NULL,
				source_account TEXT NOT NULL,
				mode TEXT NOT NULL,
				started_at TEXT NOT NULL,
				finished_at TEXT,
				status TEXT NOT NULL,
				summary TEXT
			);
			CREATE INDEX runs_by_mailbox ON runs (migration_id, source_account, started_at);

			CREATE TABLE mailbox_locks (
				migration_id TEXT NOT NULL,
				source_account TEXT NOT NULL,
				owner TEXT NOT NULL,
				token TEXT NOT NULL,
				acquired_at TEXT NOT NULL,
				expires_at_ms INTEGER NOT NULL,
				PRIMARY KEY (migration_id, source_account)
			) WITHOUT ROWID;
		`,
	},
	{
		version: 2,
		// How an oversize item was handled, as fields (see OversizeRecord). Files written before kept it only in the
		// reason text, which is read out here once and nowhere else: `oversize <size> bytes (target limit <n>|target
		// limit not announced)[: zipping attachments is off|: <why>]` for a skipped item, `zipped: ...` for a copy.
		sql: `
			ALTER TABLE items ADD COLUMN oversize_handling TEXT
				CHECK (oversize_handling IN ('skipped', 'zipped'));
			ALTER TABLE items ADD COLUMN oversize_limit INTEGER;
			ALTER TABLE items ADD COLUMN oversize_zipping INTEGER;
			UPDATE items SET oversize_handling = 'skipped',
				oversize_zipping = instr(reason, 'zipping attachments is off') = 0,
				oversize_limit = CASE
					WHEN instr(reason, 'target limit ') > 0
						AND substr(reason, instr(reason, 'target limit ') + 13, 1) BETWEEN '0' AND '9'
					THEN CAST(substr(reason, instr(reason, 'target limit ') + 13) AS INTEGER)
				END
			WHERE status = 'skipped' AND substr(reason, 1, 8) = 'oversize';
			UPDATE items SET oversize_handling = 'zipped'
			WHERE status IN ('copied', 'present') AND substr(reason, 1, 7) = 'zipped:';
		`,
	},
	{
		version: 3,
		// Which target each source mailbox was copied to, and under which ledger account its records, runs and lease
		// are (see LedgerStore.bindMailboxTarget). Files from before keep their records under the source's name; the
		// first target bound afterwards adopts them, as no earlier version recorded the target.
		sql: `
			CREATE TABLE mailbox_targets (
				migration_id TEXT NOT NULL,
				source_account TEXT NOT NULL,
				target_account TEXT NOT NULL,
				ledger_account TEXT NOT NULL,
				bound_at TEXT NOT NULL,
				PRIMARY KEY (migration_id, source_account, target_account)
			) WITHOUT ROWID;
		`,
	},
	{
		version: 4,
		// Set Routing's snapshots of each user's routing attributes before the first Switch (see routingSnapshots.ts);
		// attribute values as JSON objects of string lists.
		sql: `
			CREATE TABLE routing_snapshots (
				migration_id TEXT NOT NULL,
				user_name TEXT NOT NULL,
				wave TEXT,
				dn TEXT NOT NULL,
				previous TEXT NOT NULL,
				applied TEXT NOT NULL,
				state TEXT NOT NULL CHECK (state IN ('switching', 'switched', 'rolledBack')),
				created_at TEXT NOT NULL,
				switched_at TEXT,
				rolled_back_at TEXT,
				updated_at TEXT NOT NULL,
				PRIMARY KEY (migration_id, user_name)
			) WITHOUT ROWID;
			CREATE INDEX routing_snapshots_by_wave ON routing_snapshots (migration_id, wave, state);
		`,
	},
	{
		version: 5,
		// Accounts Provision Target created or corrected (see ProvisionedAccounts).
		sql: `
			CREATE TABLE provisioned_accounts (
				migration_id TEXT NOT NULL,
				provider TEXT NOT NULL,
				account TEXT NOT NULL,
				state TEXT NOT NULL CHECK (state IN ('creating', 'provisioning', 'done')),
				outcome TEXT NOT NULL CHECK (outcome IN ('created', 'updated', 'unchanged')),
				changes TEXT NOT NULL,
				object_id TEXT,
				resumes_at TEXT,
				created_at TEXT NOT NULL,
				updated_at TEXT NOT NULL,
				PRIMARY KEY (migration_id, provider, account)
			) WITHOUT ROWID;
		`,
	},
	{
		version: 6,
		// The send ledger of user communications (see CommunicationStore): one row per migration, recipient and stage,
		// claimed before the provider is called and marked sent after its answer. No message content is kept.
		sql: `
			CREATE TABLE communications (
				migration_id TEXT NOT NULL,
				recipient TEXT NOT NULL,
				stage TEXT NOT NULL,
				status TEXT NOT NULL CHECK (status IN ('claimed', 'sent', 'failed')),
				idempotency_key TEXT NOT NULL,
				owner TEXT NOT NULL,
				claim_token TEXT,
				claim_expires_at_ms INTEGER NOT NULL,
				attempts INTEGER NOT NULL,
				scheduled_for TEXT,
				provider_reference TEXT,
				last_error TEXT,
				sent_at TEXT,
				created_at TEXT NOT NULL,
				updated_at TEXT NOT NULL,
				PRIMARY KEY (migration_id, recipient, stage)
			) WITHOUT ROWID;
		`,
	},
	{
		// Reports (lib/reports).
		// report_marks: how far a report of a migration has read, e.g. the error digest's "since the last digest".
		// The partial index keeps a digest of recent failures a short range scan however large the ledger is.
		version: 7,
		sql: `
			CREATE TABLE report_marks (
				migration_id TEXT NOT NULL,
				report TEXT NOT NULL,
				until TEXT NOT NULL,
				seen TEXT NOT NULL,
				updated_at TEXT NOT NULL,
				PRIMARY KEY (migration_id, report)
			) WITHOUT ROWID;
			CREATE INDEX items_failed_by_time ON items (migration_id, updated_at) WHERE status = 'failed';
		`,
	},
	{
		// Routing snapshots keyed by the user lower-cased and found by entry (see routingSnapshots.ts): the index
		// serves the guard "one active snapshot per entry"; rows written under two spellings of one user are merged
		// by routingUsersV8.ts (in JS: SQLite's lower() folds ASCII only, the store folds as JavaScript does).
		version: 8,
		sql: `CREATE INDEX routing_snapshots_by_dn ON routing_snapshots (migration_id, dn COLLATE NOCASE);`,
		upgrade: normaliseRoutingUsers,
	},
	{
		// Who holds a provisioned account's `creating` row and until when (see ProvisionedAccounts.claimProvisionedAccount),
		// so a second item or run does not take a live run's write-ahead record for a dead one's. Rows from before have
		// no owner: a `creating` one among them counts, as it did, as left by a run that ended.
		version: 9,
		sql: `
			ALTER TABLE provisioned_accounts ADD COLUMN owner TEXT;
			ALTER TABLE provisioned_accounts ADD COLUMN claim_expires_at_ms INTEGER NOT NULL DEFAULT 0;
		`,
	},
];

export const SQLITE_SCHEMA_VERSION = SQLITE_MIGRATIONS[SQLITE_MIGRATIONS.length - 1].version;

export class LedgerSchemaError extends Error {
	constructor(message: string) {
		super(`Ledger: ${message}`);
		this.name = 'LedgerSchemaError';
	}
}

export function readSchemaVersion(db: DatabaseSync): number {
	const table = db
		.prepare(
			`SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'`,
		)
		.get();
	if (!table) return 0;
	const row = db.prepare('SELECT MAX(version) AS version FROM schema_version').get();
	return Number(row?.version ?? 0);
}

/**
 * Brings the file up to the newest version in one write transaction, so a second process opening the same file
 * waits and then finds nothing left to do. Refuses files written by a newer release rather than guess at them.
 */
export function applyMigrations(
	db: DatabaseSync,
	migrations: readonly SchemaMigration[] = SQLITE_MIGRATIONS,
): number {
	const latest = migrations[migrations.length - 1].version;
	db.exec('BEGIN IMMEDIATE');
	try {
		db.exec(
			'CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL PRIMARY KEY, applied_at TEXT NOT NULL)',
		);
		const current = readSchemaVersion(db);
		if (current > latest) {
			throw new LedgerSchemaError(
				`the ledger file has schema version ${current}, newer than this release understands (${latest}); upgrade the package`,
			);
		}
		const record = db.prepare('INSERT INTO schema_version (version, applied_at) VALUES (?, ?)');
		for (const migration of migrations) {
			if (migration.version <= current) continue;
			db.exec(migration.sql);
			migration.upgrade?.(db);
			record.run(migration.version, new Date().toISOString());
		}
		db.exec('COMMIT');
		return latest;
	} catch (error) {
		if (db.isTransaction ?? true) db.exec('ROLLBACK');
		throw error;
	}
}
