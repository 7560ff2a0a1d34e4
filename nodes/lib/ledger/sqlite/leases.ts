/**
 * Mailbox locks in SQLite: one row per mailbox, read and written inside one write transaction so two processes
 * acquiring at once are serialised by the file's write lock. The rules are in `../mailboxLeases`.
 */
import { grantLease, leaseLoss, lockRefusal, renewedLease } from '../mailboxLeases';
import type { LockAttempt, MailboxLease } from '../types';
import { assertLease, assertMailbox, assertPositiveInteger, assertText } from '../validation';
import type { SqliteConnection } from './sqliteConnection';

const GET_LOCK = `SELECT owner, token, expires_at_ms FROM mailbox_locks
	WHERE migration_id = ? AND source_account = ?`;

const PUT_LOCK = `INSERT OR REPLACE INTO mailbox_locks
	(migration_id, source_account, owner, token, acquired_at, expires_at_ms) VALUES (?, ?, ?, ?, ?, ?)`;

/** Only the token is matched: see `renewedLease`. */
const RENEW_LOCK = `UPDATE mailbox_locks SET expires_at_ms = ?
	WHERE migration_id = ? AND source_account = ? AND token = ?`;

const RELEASE_LOCK = `DELETE FROM mailbox_locks WHERE migration_id = ? AND source_account = ? AND token = ?`;

export class SqliteMailboxLocks {
	constructor(private readonly connection: SqliteConnection) {}

	acquireMailboxLock(
		migrationId: string,
		sourceAccount: string,
		owner: string,
		ttlMs: number,
		replacing: string | null = null,
	): LockAttempt {
		assertMailbox(migrationId, sourceAccount);
		assertText('owner', owner);
		assertPositiveInteger('ttlMs', ttlMs);
		return this.connection.writeTransaction((): LockAttempt => {
			const nowMs = Date.now();
			const held = this.connection.statement(GET_LOCK).get(migrationId, sourceAccount);
			const refusal =
				held && lockRefusal(String(held.owner), Number(held.expires_at_ms), nowMs, replacing);
			if (refusal) return refusal;
			const expiresAtMs = nowMs + ttlMs;
			const lease = grantLease(migrationId, sourceAccount, owner, expiresAtMs);
			this.connection
				.statement(PUT_LOCK)
				.run(
					migrationId,
					sourceAccount,
					owner,
					lease.token,
					new Date(nowMs).toISOString(),
					expiresAtMs,
				);
			return { acquired: true, lease };
		});
	}

	renewMailboxLock(lease: MailboxLease, ttlMs: number): MailboxLease | null {
		assertLease(lease);
		assertPositiveInteger('ttlMs', ttlMs);
		const expiresAtMs = Date.now() + ttlMs;
		const { changes } = this.connection
			.statement(RENEW_LOCK)
			.run(expiresAtMs, lease.migrationId, lease.sourceAccount, lease.token);
		return Number(changes) === 1 ? renewedLease(lease, expiresAtMs) : null;
	}

	/**
	 * Throws MailboxLeaseLostError unless `lease` is still the mailbox's unexpired lock. Meant to run inside the write
	 * transaction it guards: one primary-key read, so the hot path pays almost nothing for it.
	 */
	assertHeld(lease: MailboxLease): void {
		const held = this.connection.statement(GET_LOCK).get(lease.migrationId, lease.sourceAccount);
		const loss = leaseLoss(
			lease,
			held
				? {
						owner: String(held.owner),
						token: String(held.token),
						expiresAtMs: Number(held.expires_at_ms),
					}
				: null,
			Date.now(),
		);
		if (loss) throw loss;
	}

	releaseMailboxLock(lease: MailboxLease): boolean {
		assertLease(lease);
		const { changes } = this.connection
			.statement(RELEASE_LOCK)
			.run(lease.migrationId, lease.sourceAccount, lease.token);
		return Number(changes) === 1;
	}
}
