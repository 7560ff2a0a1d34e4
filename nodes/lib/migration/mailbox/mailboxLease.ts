/**
 * The mailbox lease, so only one job writes a mailbox at a time: taken before any session opens, renewed while the
 * mailbox runs, released at its end. Every write-ahead record is written only while the lease is still the mailbox's
 * lock (checked by the ledger in the same transaction), so a job whose lease was lost or taken sends no APPEND after;
 * it also aborts the job's signal, which stops the rest. Every other part of the engine leaves leases to this one.
 */
import { MailboxLeaseLostError } from '../../ledger/mailboxLeases';
import type { ItemIntent, LedgerStore, MailboxLease } from '../../ledger/types';
import { describeOwner, isDeadLocalOwner } from '../owner';
import type { EngineLogger } from '../types';

const LEASE_TTL_MS = 10 * 60_000;

export interface LeaseRequest {
	ledger: LedgerStore;
	migrationId: string;
	/** The ledger account of the mailbox (source and target, see LedgerStore.bindMailboxTarget). */
	account: string;
	/** This job's owner id. */
	owner: string;
	mailbox: string;
	logger?: EngineLogger;
}

/** Another run holds the mailbox: the `locked` reason says which, and until when. */
export interface LeaseRefusal {
	reason: string;
}

/** A lease this job holds, kept alive in the background until it is released. */
export class HeldMailboxLease {
	private readonly renewTimer: NodeJS.Timeout;
	private readonly lostController = new AbortController();

	private constructor(
		private lease: MailboxLease,
		private readonly request: LeaseRequest,
	) {
		this.renewTimer = setInterval(() => this.renew(), LEASE_TTL_MS / 3);
		this.renewTimer.unref();
	}

	/** Takes the lease, or says who holds it; a holder whose process is gone on this host is taken over. */
	static async take(request: LeaseRequest): Promise<HeldMailboxLease | LeaseRefusal> {
		const { ledger, migrationId, account, owner, logger } = request;
		let attempt = await ledger.acquireMailboxLock(migrationId, account, owner, LEASE_TTL_MS);
		if (!attempt.acquired && isDeadLocalOwner(attempt.heldBy)) {
			// The holder was killed on this host (kill -9, OOM): its lease would block reruns until it expired.
			logger?.warn(`Taking over the mailbox lock of ${attempt.heldBy}, whose process is gone`);
			attempt = await ledger.acquireMailboxLock(
				migrationId,
				account,
				owner,
				LEASE_TTL_MS,
				attempt.heldBy,
			);
		}
		if (!attempt.acquired) {
			return {
				reason: `locked: the mailbox is being migrated by ${describeOwner(attempt.heldBy)} (lease until ${attempt.expiresAt}); nothing was written`,
			};
		}
		return new HeldMailboxLease(attempt.lease, request);
	}

	/** Aborted once the lease is known lost: the job stops at once, and its report says `locked`. */
	get lostSignal(): AbortSignal {
		return this.lostController.signal;
	}

	/** The `locked` reason once the lease was lost, else null. */
	get lostReason(): string | null {
		const error = this.lostController.signal.reason as unknown;
		if (!(error instanceof MailboxLeaseLostError)) return null;
		const by = error.heldBy ? `taken over by ${describeOwner(error.heldBy)}` : 'lost';
		return `locked: the mailbox lease was ${by} during the run; stopped writing, the next run resumes`;
	}

	/** The ledger as the mailbox's folder passes see it: each write-ahead batch checked against this lease. */
	guard(ledger: LedgerStore): LedgerStore {
		const recordIntents = async (items: readonly ItemIntent[]): Promise<void> => {
			try {
				await ledger.recordIntents(items, this.lease);
			} catch (error) {
				if (error instanceof MailboxLeaseLostError) this.lose(error);
				throw error;
			}
		};
		return new Proxy(ledger, {
			get(store, name) {
				if (name === 'recordIntents') return recordIntents;
				const value: unknown = Reflect.get(store, name, store);
				return typeof value === 'function' ? value.bind(store) : value;
			},
		});
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

	private lose(error: MailboxLeaseLostError): void {
		if (this.lostController.signal.aborted) return;
		this.request.logger?.warn(`Mailbox lock lost: ${error.message}`, {
			mailbox: this.request.mailbox,
		});
		this.lostController.abort(error);
	}

	private renew(): void {
		const { ledger, logger } = this.request;
		ledger
			.renewMailboxLock(this.lease, LEASE_TTL_MS)
			.then((renewed) => {
				if (renewed) this.lease = renewed;
				else this.lose(new MailboxLeaseLostError(null));
			})
			.catch((error: unknown) => logger?.warn(`Mailbox lock renewal failed: ${String(error)}`));
	}
}
