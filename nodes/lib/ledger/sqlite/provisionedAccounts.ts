/** The SQLite record of provisioned accounts (see ProvisionedAccounts): one row per migration, provider and account. */
import {
	PROVISIONED_ACCOUNT_STATES,
	type ProvisionedAccount,
	type ProvisionedAccountInput,
	type ProvisionedAccountKey,
} from '../provisionedAccounts';
import { nowIso, type SqlRow } from '../sqlRows';
import { LedgerInputError, assertText } from '../validation';
import type { SqliteConnection } from './sqliteConnection';

const GET_ACCOUNT = `SELECT * FROM provisioned_accounts WHERE migration_id = ? AND provider = ? AND account = ?`;

const UPSERT_ACCOUNT = `INSERT INTO provisioned_accounts (migration_id, provider, account, state, outcome, changes,
	object_id, resumes_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (migration_id, provider, account) DO UPDATE SET state = excluded.state, outcome = excluded.outcome,
	changes = excluded.changes, object_id = excluded.object_id, resumes_at = excluded.resumes_at,
	updated_at = excluded.updated_at`;

function assertKey(key: ProvisionedAccountKey): void {
	assertText('migrationId', key.migrationId);
	assertText('provider', key.provider);
	assertText('account', key.account);
}

const textOrNull = (value: unknown): string | null =>
	value === null || value === undefined ? null : String(value);

function toProvisionedAccount(row: SqlRow): ProvisionedAccount {
	return {
		migrationId: String(row.migration_id),
		provider: String(row.provider),
		account: String(row.account),
		state: String(row.state) as ProvisionedAccount['state'],
		outcome: String(row.outcome) as ProvisionedAccount['outcome'],
		changes: JSON.parse(String(row.changes)) as ProvisionedAccount['changes'],
		objectId: textOrNull(row.object_id),
		resumesAt: textOrNull(row.resumes_at),
		createdAt: String(row.created_at),
		updatedAt: String(row.updated_at),
	};
}

export class SqliteProvisionedAccounts {
	constructor(private readonly connection: SqliteConnection) {}

	getProvisionedAccount(key: ProvisionedAccountKey): ProvisionedAccount | null {
		assertKey(key);
		const row = this.connection
			.statement(GET_ACCOUNT)
			.get(key.migrationId, key.provider, key.account);
		return row ? toProvisionedAccount(row) : null;
	}

	recordProvisionedAccount(record: ProvisionedAccountInput): void {
		assertKey(record);
		if (!PROVISIONED_ACCOUNT_STATES.includes(record.state)) {
			throw new LedgerInputError(`unknown provisioned account state ${String(record.state)}`);
		}
		const now = nowIso();
		this.connection
			.statement(UPSERT_ACCOUNT)
			.run(
				record.migrationId,
				record.provider,
				record.account,
				record.state,
				record.outcome,
				JSON.stringify(record.changes),
				record.objectId,
				record.resumesAt,
				now,
				now,
			);
	}
}
