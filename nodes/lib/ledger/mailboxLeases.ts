/**
 * The mailbox lease rules every store applies. A lease keeps other owners out until it expires; its own owner
 * acquiring again takes over with a new token. A store only has to read and write the lock atomically.
 */
import { randomUUID } from 'node:crypto';

import type { LockAttempt, MailboxLease } from './types';

/** The refusal when `heldBy`'s lease (expiring at `expiresAtMs`) keeps `owner` out at `nowMs`, else null. */
export function lockRefusal(
	heldBy: string,
	expiresAtMs: number,
	owner: string,
	nowMs: number,
): LockAttempt | null {
	if (expiresAtMs <= nowMs || heldBy === owner) return null;
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
