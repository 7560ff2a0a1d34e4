/**
 * The claims one provisioning batch holds on its accounts' `creating` rows (see ProvisionedAccounts): taken before a
 * create (the write-ahead record) or before a new password for an account an earlier run created, refused while
 * another live run (or an earlier item of this batch) holds the row, and released when the batch ends, so the next run
 * of the same process can take over what this one left `creating`.
 */
import type {
	ProvisionedAccount,
	ProvisionedAccountKey,
	ProvisionedAccounts,
} from '../ledger/provisionedAccounts';
import { describeOwner, isDeadLocalOwner, newOwnerId } from '../migration/owner';

/**
 * How long a claim holds without its owner releasing it: the backstop for an owner that died on another host (one on
 * this host is found dead at once). Longer than any batch is expected to take; a mailbox wait adds its own budget.
 */
export const CREATING_CLAIM_TTL_MS = 60 * 60_000;

/** Another run (or an earlier item of this batch) is provisioning the account: nothing was changed. */
export class AccountBusyError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'AccountBusyError';
	}
}

export type ClaimResult =
	/** Claimed: `earlier` is the row before. */
	| { claimed: true; earlier: ProvisionedAccount | null }
	/** A takeover found the row no longer `creating`: its creation finished; `current` is the row. */
	| { claimed: false; current: ProvisionedAccount };

export class AccountClaims {
	private readonly held: { ledger: ProvisionedAccounts; key: ProvisionedAccountKey }[] = [];

	constructor(
		readonly owner: string = newOwnerId('provision-target'),
		private readonly ttlMs: number = CREATING_CLAIM_TTL_MS,
	) {}

	/** Claims the row (creatingOnly: only while it is `creating`); throws AccountBusyError while a live run holds it. */
	async claim(
		ledger: ProvisionedAccounts,
		key: ProvisionedAccountKey,
		creatingOnly = false,
	): Promise<ClaimResult> {
		const request = { ...key, owner: this.owner, ttlMs: this.ttlMs, creatingOnly };
		let attempt = await ledger.claimProvisionedAccount(request);
		if (!attempt.claimed && 'heldBy' in attempt && isDeadLocalOwner(attempt.heldBy)) {
			attempt = await ledger.claimProvisionedAccount({ ...request, replacing: attempt.heldBy });
		}
		if (attempt.claimed) {
			this.held.push({ ledger, key });
			return { claimed: true, earlier: attempt.earlier };
		}
		if ('current' in attempt) return attempt;
		if (attempt.heldBy === this.owner) {
			throw new AccountBusyError(
				`the same account as an earlier item of this batch; nothing was changed for this item`,
			);
		}
		throw new AccountBusyError(
			`being provisioned by another run (${describeOwner(attempt.heldBy)}), whose claim lasts until ${attempt.expiresAt}; nothing was changed. Run it again once that run has finished`,
		);
	}

	/** Releases every claim still held (rows recorded meanwhile are no longer this owner's); never throws. */
	async releaseAll(): Promise<void> {
		for (const { ledger, key } of this.held.splice(0)) {
			await ledger.releaseProvisionedAccount(key, this.owner).catch(() => undefined);
		}
	}
}
