/**
 * The mailbox lease rules every store applies. A lease keeps every other holder out until it expires; a holder found
 * dead is replaced only by naming it. An owner id is one mailbox job's, so an owner acquiring what it already holds is
 * refused like anyone else: that is a second job under the same id, not a restart. A store only has to read and
 * write the lock atomically, and check the lease in the same transaction as each write-ahead record.
 */
import { randomUUID } from 'node:crypto';

import type { LockAttempt, MailboxLease } from './types';

/**
 * The refusal when `heldBy`'s lease (expiring at `expiresAtMs`) keeps a new holder out at `nowMs`, else null.
 * `replacing`: the holder the caller found dead, whose unexpired lease it may take.
 */
export function lockRefusal(
	heldBy: string,
	expiresAtMs: number,
	nowMs: number,
	replacing: string | null = null,
): LockAttempt | null {
	if (expiresAtMs <= nowMs || heldBy === replacing) return null;
	return { acquired: false, heldBy, expiresAt: new Date(expiresAtMs).toISOString() };
}

/** A new lease with a fresh token; the store writes it as the mailbox's lock. */
export function grantLease(
	migrationId: string,
	sourceAccount: string,
	owner: string,
	expiresAtMs: number,
): MailboxLease {
	return {
		migrationId,
		sourceAccount,
		owner,
		token: randomUUID(),
		expiresAt: new Date(expiresAtMs).toISOString(),
	};
}

/** Renewing a late lease is safe while its token still matches: nobody else acquired the mailbox in between. */
export function renewedLease(lease: MailboxLease, expiresAtMs: number): MailboxLease {
	return { ...lease, expiresAt: new Date(expiresAtMs).toISOString() };
}

/** A write refused because the writer's lease is no longer the mailbox's lock; `heldBy` holds it now, if anyone. */
export class MailboxLeaseLostError extends Error {
	constructor(readonly heldBy: string | null) {
		super(
			heldBy
				? `the mailbox lease was taken over by ${heldBy}`
				: 'the mailbox lease ran out or was released',
		);
		this.name = 'MailboxLeaseLostError';
	}
}

/** Why a lease check fails, from the lock now held (owner, token, expiry) or null: null when `lease` is still it. */
export function leaseLoss(
	lease: MailboxLease,
	held: { owner: string; token: string; expiresAtMs: number } | null,
	nowMs: number,
): MailboxLeaseLostError | null {
	if (held && held.token === lease.token && held.expiresAtMs > nowMs) return null;
	return new MailboxLeaseLostError(held && held.token !== lease.token ? held.owner : null);
}
