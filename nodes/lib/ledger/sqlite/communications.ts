/**
 * The send ledger of user communications in SQLite (table `communications`, schema version 6): each claim is read
 * and written inside one write transaction, so two processes claiming the same stage at once are serialised by the
 * file's write lock and exactly one of them gets it. The claim rules are the mailbox lease rules (`../mailboxLeases`).
 */
import { randomUUID } from 'node:crypto';

import type {
	CommunicationClaim,
	CommunicationClaimAttempt,
	CommunicationClaimRequest,
	CommunicationKey,
	CommunicationRecord,
	CommunicationSent,
	CommunicationStatus,
} from '../communications';
import { lockRefusal } from '../mailboxLeases';
import { nowIso, type SqlRow } from '../sqlRows';
import { assertPositiveInteger, assertText } from '../validation';
import type { SqliteConnection } from './sqliteConnection';

const COLUMNS = `migration_id, recipient, stage, status, idempotency_key, owner, claim_token, claim_expires_at_ms,
	attempts, scheduled_for, provider_reference, last_error, sent_at, created_at, updated_at`;

const GET = `SELECT ${COLUMNS} FROM communications WHERE migration_id = ? AND recipient = ? AND stage = ?`;

const LIST = `SELECT ${COLUMNS} FROM communications WHERE migration_id = ? ORDER BY recipient, stage`;

const LIST_RECIPIENT = `SELECT ${COLUMNS} FROM communications WHERE migration_id = ? AND recipient = ?
	ORDER BY stage`;

const PUT_CLAIM = `INSERT INTO communications (${COLUMNS})
	VALUES (?, ?, ?, 'claimed', ?, ?, ?, ?, 1, ?, NULL, NULL, NULL, ?, ?)
	ON CONFLICT (migration_id, recipient, stage) DO UPDATE SET status = 'claimed', owner = excluded.owner,
		claim_token = excluded.claim_token, claim_expires_at_ms = excluded.claim_expires_at_ms,
		attempts = communications.attempts + 1, scheduled_for = excluded.scheduled_for, updated_at = excluded.updated_at`;

const PUT_SENT = `INSERT INTO communications (${COLUMNS})
	VALUES (?, ?, ?, 'sent', ?, ?, NULL, 0, 1, ?, ?, NULL, ?, ?, ?)
	ON CONFLICT (migration_id, recipient, stage) DO UPDATE SET status = 'sent', owner = excluded.owner,
		claim_token = NULL, provider_reference = excluded.provider_reference, last_error = NULL,
		scheduled_for = COALESCE(excluded.scheduled_for, communications.scheduled_for),
		sent_at = excluded.sent_at, updated_at = excluded.updated_at
	WHERE communications.status <> 'sent'`;

const RENEW_CLAIM = `UPDATE communications SET claim_expires_at_ms = ?, updated_at = ?
	WHERE migration_id = ? AND recipient = ? AND stage = ? AND claim_token = ? AND status = 'claimed'`;

const PUT_FAILED = `UPDATE communications SET status = 'failed', claim_token = NULL, claim_expires_at_ms = 0,
	last_error = ?, updated_at = ?
	WHERE migration_id = ? AND recipient = ? AND stage = ? AND claim_token = ? AND status = 'claimed'`;

function assertKey(key: CommunicationKey): void {
	assertText('migrationId', key.migrationId);
	assertText('recipient', key.recipient);
	assertText('stage', key.stage);
}

function toRecord(row: SqlRow): CommunicationRecord {
	const text = (value: unknown) => (value === null || value === undefined ? null : String(value));
	return {
		migrationId: String(row.migration_id),
		recipient: String(row.recipient),
		stage: String(row.stage),
		status: String(row.status) as CommunicationStatus,
		idempotencyKey: String(row.idempotency_key),
		owner: String(row.owner),
		claimExpiresAt: new Date(Number(row.claim_expires_at_ms)).toISOString(),
		attempts: Number(row.attempts),
		scheduledFor: text(row.scheduled_for),
		providerReference: text(row.provider_reference),
		lastError: text(row.last_error),
		sentAt: text(row.sent_at),
		createdAt: String(row.created_at),
		updatedAt: String(row.updated_at),
	};
}

export class SqliteCommunications {
	constructor(private readonly connection: SqliteConnection) {}

	claimCommunication(request: CommunicationClaimRequest): CommunicationClaimAttempt {
		assertKey(request);
		assertText('idempotencyKey', request.idempotencyKey);
		assertText('owner', request.owner);
		assertPositiveInteger('ttlMs', request.ttlMs);
		const { migrationId, recipient, stage } = request;
		return this.connection.writeTransaction((): CommunicationClaimAttempt => {
			const nowMs = Date.now();
			const row = this.connection.statement(GET).get(migrationId, recipient, stage);
			const held = row ? toRecord(row) : null;
			if (held?.status === 'sent') return { claimed: false, sent: held };
			if (held?.status === 'claimed') {
				const refusal = lockRefusal(
					held.owner,
					Number(row?.claim_expires_at_ms),
					nowMs,
					request.replacing ?? null,
				);
				if (refusal && !refusal.acquired) {
					return { claimed: false, heldBy: refusal.heldBy, expiresAt: refusal.expiresAt };
				}
			}
			const token = randomUUID();
			const expiresAtMs = nowMs + request.ttlMs;
			const now = new Date(nowMs).toISOString();
			this.connection
				.statement(PUT_CLAIM)
				.run(
					migrationId,
					recipient,
					stage,
					request.idempotencyKey,
					request.owner,
					token,
					expiresAtMs,
					request.scheduledFor,
					now,
					now,
				);
			return {
				claimed: true,
				claim: {
					migrationId,
					recipient,
					stage,
					owner: request.owner,
					token,
					idempotencyKey: request.idempotencyKey,
					expiresAt: new Date(expiresAtMs).toISOString(),
					attempt: (held?.attempts ?? 0) + 1,
				},
			};
		});
	}

	recordCommunicationSent(sent: CommunicationSent): CommunicationRecord {
		assertKey(sent);
		assertText('idempotencyKey', sent.idempotencyKey);
		assertText('owner', sent.owner);
		return this.connection.writeTransaction(() => {
			const now = nowIso();
			this.connection
				.statement(PUT_SENT)
				.run(
					sent.migrationId,
					sent.recipient,
					sent.stage,
					sent.idempotencyKey,
					sent.owner,
					sent.scheduledFor ?? null,
					sent.providerReference,
					now,
					now,
					now,
				);
			return this.getCommunication(sent) as CommunicationRecord;
		});
	}

	renewCommunicationClaim(claim: CommunicationClaim, ttlMs: number): CommunicationClaim | null {
		assertKey(claim);
		assertText('token', claim.token);
		assertPositiveInteger('ttlMs', ttlMs);
		const expiresAtMs = Date.now() + ttlMs;
		const { changes } = this.connection
			.statement(RENEW_CLAIM)
			.run(expiresAtMs, nowIso(), claim.migrationId, claim.recipient, claim.stage, claim.token);
		return Number(changes) === 1
			? { ...claim, expiresAt: new Date(expiresAtMs).toISOString() }
			: null;
	}

	recordCommunicationFailed(claim: CommunicationClaim, error: string): boolean {
		assertKey(claim);
		assertText('token', claim.token);
		const { changes } = this.connection
			.statement(PUT_FAILED)
			.run(error, nowIso(), claim.migrationId, claim.recipient, claim.stage, claim.token);
		return Number(changes) === 1;
	}

	getCommunication(key: CommunicationKey): CommunicationRecord | null {
		assertKey(key);
		const row = this.connection.statement(GET).get(key.migrationId, key.recipient, key.stage);
		return row ? toRecord(row) : null;
	}

	listCommunications(migrationId: string, recipient?: string): CommunicationRecord[] {
		assertText('migrationId', migrationId);
		const rows =
			recipient === undefined
				? this.connection.statement(LIST).all(migrationId)
				: this.connection.statement(LIST_RECIPIENT).all(migrationId, recipient);
		return rows.map(toRecord);
	}
}
