/**
 * The SQLite record of provisioned accounts (see ProvisionedAccounts): one row per migration, provider and account.
 * A claim is read and written inside one write transaction, so two processes claiming one account at once are
 * serialised by the file's write lock and one of them gets it; the claim rules are the mailbox lease rules.
 */
import {
	PROVISIONED_ACCOUNT_STATES,
	type ProvisionedAccount,
	type ProvisionedAccountInput,
	type ProvisionedAccountKey,
	type ProvisioningClaimAttempt,
	type ProvisioningClaimRequest,
} from '../provisionedAccounts';
import { lockRefusal } from '../mailboxLeases';
import { nowIso, type SqlRow } from '../sqlRows';
import { LedgerInputError, assertPositiveInteger, assertText } from '../validation';
import type { SqliteConnection } from './sqliteConnection';

const GET_ACCOUNT = `SELECT * FROM provisioned_accounts WHERE migration_id = ? AND provider = ? AND account = ?`;

// Recording an outcome ends any claim on the row.
const UPSERT_ACCOUNT = `INSERT INTO provisioned_accounts (migration_id, provider, account, state, outcome, changes,
	object_id, resumes_at, created_at, updated_at, owner, claim_expires_at_ms)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, 0)
	ON CONFLICT (migration_id, provider, account) DO UPDATE SET state = excluded.state, outcome = excluded.outcome,
	changes = excluded.changes, object_id = excluded.object_id, resumes_at = excluded.resumes_at,
	updated_at = excluded.updated_at, owner = NULL, claim_expires_at_ms = 0`;

const PUT_CLAIM = `INSERT INTO provisioned_accounts (migration_id, provider, account, state, outcome, changes,
	object_id, resumes_at, created_at, updated_at, owner, claim_expires_at_ms)
	VALUES (?, ?, ?, 'creating', 'created', '[]', ?, NULL, ?, ?, ?, ?)
	ON CONFLICT (migration_id, provider, account) DO UPDATE SET state = 'creating', outcome = 'created',
	changes = '[]', object_id = excluded.object_id, resumes_at = NULL, updated_at = excluded.updated_at,
	owner = excluded.owner, claim_expires_at_ms = excluded.claim_expires_at_ms`;

const RELEASE_CLAIM = `UPDATE provisioned_accounts SET owner = NULL, claim_expires_at_ms = 0, updated_at = ?
	WHERE migration_id = ? AND provider = ? AND account = ? AND owner = ? AND state = 'creating'`;

function assertKey(key: ProvisionedAccountKey): void {
	assertText('migrationId', key.migrationId);
	assertText('provider', key.provider);
	assertText('account', key.account);
}

const textOrNull = (value: unknown): string | null =>
	value === null || value === undefined ? null : String(value);

function toProvisionedAccount(row: SqlRow): ProvisionedAccount {
	const held = row.owner !== null && row.owner !== undefined;
	return {
		migrationId: String(row.migration_id),
		provider: String(row.provider),
		account: String(row.account),
		state: String(row.state) as ProvisionedAccount['state'],
		outcome: String(row.outcome) as ProvisionedAccount['outcome'],
		changes: JSON.parse(String(row.changes)) as ProvisionedAccount['changes'],
		objectId: textOrNull(row.object_id),
		resumesAt: textOrNull(row.resumes_at),
		owner: held ? String(row.owner) : null,
		claimExpiresAt: held ? new Date(Number(row.claim_expires_at_ms)).toISOString() : null,
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

	claimProvisionedAccount(request: ProvisioningClaimRequest): ProvisioningClaimAttempt {
		assertKey(request);
		assertText('owner', request.owner);
		assertPositiveInteger('ttlMs', request.ttlMs);
		return this.connection.writeTransaction((): ProvisioningClaimAttempt => {
			const nowMs = Date.now();
			const row = this.connection
				.statement(GET_ACCOUNT)
				.get(request.migrationId, request.provider, request.account);
			const earlier = row ? toProvisionedAccount(row) : null;
			if (earlier?.state === 'creating' && earlier.owner !== null) {
				const refusal = lockRefusal(
					earlier.owner,
					Number(row?.claim_expires_at_ms),
					nowMs,
					request.replacing ?? null,
				);
				if (refusal && !refusal.acquired) {
					return { claimed: false, heldBy: refusal.heldBy, expiresAt: refusal.expiresAt };
				}
			}
			if (request.creatingOnly && earlier && earlier.state !== 'creating') {
				return { claimed: false, current: earlier };
			}
			const expiresAtMs = nowMs + request.ttlMs;
			const now = new Date(nowMs).toISOString();
			this.connection
				.statement(PUT_CLAIM)
				.run(
					request.migrationId,
					request.provider,
					request.account,
					earlier?.objectId ?? null,
					now,
					now,
					request.owner,
					expiresAtMs,
				);
			return { claimed: true, earlier, expiresAt: new Date(expiresAtMs).toISOString() };
		});
	}

	releaseProvisionedAccount(key: ProvisionedAccountKey, owner: string): void {
		assertKey(key);
		this.connection
			.statement(RELEASE_CLAIM)
			.run(nowIso(), key.migrationId, key.provider, key.account, owner);
	}
}
