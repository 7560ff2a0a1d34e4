/**
 * The mailbox lease, so only one execution writes a mailbox at a time: taken before any session opens, renewed while
 * the mailbox runs, released at its end. Every other part of the engine leaves leases to this one.
 */
import type { MailboxLease } from '../../ledger/types';
import { isDeadLocalOwner } from '../owner';
import type { MigrationRequest } from '../types';
import { MailboxSetupError } from './setupError';

const LEASE_TTL_MS = 10 * 60_000;

type LeaseRequest = Pick<
	MigrationRequest,
	'ledger' | 'migrationId' | 'sourceAccount' | 'owner' | 'mailbox' | 'logger'
>;

/** A lease this run holds, kept alive in the background until it is released. */
export class HeldMailboxLease {
	private readonly renewTimer: NodeJS.Timeout;

	private constructor(
		private lease: MailboxLease,
		private readonly request: LeaseRequest,
	) {
		this.renewTimer = setInterval(() => this.renew(), LEASE_TTL_MS / 3);
		this.renewTimer.unref();
	}

	/** Takes the lease; MailboxSetupError ('ledger') when another execution holds it. */
	static async take(request: LeaseRequest): Promise<HeldMailboxLease> {
		const { ledger, migrationId, sourceAccount, owner, logger } = request;
		let attempt = await ledger.acquireMailboxLock(migrationId, sourceAccount, owner, LEASE_TTL_MS);
		if (!attempt.acquired && isDeadLocalOwner(attempt.heldBy)) {
			// The holder was killed on this host (kill -9, OOM): its lease would block reruns until it expired.
			logger?.warn(`Taking over the mailbox lock of ${attempt.heldBy}, whose process is gone`);
			const stale = await ledger.acquireMailboxLock(
				migrationId,
				sourceAccount,
				attempt.heldBy,
				LEASE_TTL_MS,
			);
			if (stale.acquired) await ledger.releaseMailboxLock(stale.lease);
			attempt = await ledger.acquireMailboxLock(migrationId, sourceAccount, owner, LEASE_TTL_MS);
		}
		if (!attempt.acquired) {
			throw new MailboxSetupError(
				`the mailbox is being migrated by another execution (${attempt.heldBy}, lease until ${attempt.expiresAt})`,
				'ledger',
			);
		}
		return new HeldMailboxLease(attempt.lease, request);
	}

	/** Stops the renewals once the mailbox is done writing, before its sessions and run are closed. */
	stopRenewing(): void {
		clearInterval(this.renewTimer);
	}

	/** Gives the lease back; a lease already lost is no error here. */
	async release(): Promise<void> {
		this.stopRenewing();
		await this.request.ledger.releaseMailboxLock(this.lease).catch(() => false);
	}

	private renew(): void {
		const { ledger, logger, mailbox } = this.request;
		ledger
			.renewMailboxLock(this.lease, LEASE_TTL_MS)
			.then((renewed) => {
				if (renewed) this.lease = renewed;
				else logger?.warn('Mailbox lock lost', { mailbox });
			})
			.catch((error: unknown) => logger?.warn(`Mailbox lock renewal failed: ${String(error)}`));
	}
}
