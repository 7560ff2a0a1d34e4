/**
 * Accounts Provision Target made or corrected, per migration: what a later run needs to finish the job. A mailbox that
 * was not ready yet is `provisioning` until a run finds it ready and reports what the first run did; a user whose
 * creation was recorded as `creating` but never completed (the run died, or stopped on a later item's error before
 * handing out its output) had a password that reached nobody, so the next run sets a new one. Never a password.
 *
 * A `creating` row is claimed: it names its owner (one run) and lasts until an expiry, so another item or run that
 * finds it while that run is alive leaves the account alone instead of taking it for a dead run's and setting a new
 * password. The owner releases its claims when its batch ends; a run that died leaves its own, taken over once the
 * owner is found dead (migration/owner) or the claim has expired.
 */

/** `creating`: about to create (or created, its password not yet handed out); see the file's comment. */
export type ProvisionedAccountState = 'creating' | 'provisioning' | 'done';

export const PROVISIONED_ACCOUNT_STATES: readonly ProvisionedAccountState[] = [
	'creating',
	'provisioning',
	'done',
];

/** What the provisioning run reported (or will, once the platform is done). */
export type ProvisionedAccountOutcome = 'created' | 'updated' | 'unchanged';

export interface ProvisionedAccountKey {
	migrationId: string;
	/** The provider, e.g. `microsoft365`. */
	provider: string;
	/** The account as the provider names it (a UPN, lower case). */
	account: string;
}

export interface ProvisionedAccountInput extends ProvisionedAccountKey {
	state: ProvisionedAccountState;
	outcome: ProvisionedAccountOutcome;
	/** The attributes the provisioning run set (never a secret's value). */
	changes: { field: string; before: string | null; after: string | null }[];
	/** The platform's id of the account, once known. */
	objectId: string | null;
	/** ISO 8601: when the platform should be done (`provisioning`). */
	resumesAt: string | null;
}

export interface ProvisionedAccount extends ProvisionedAccountInput {
	/** The run holding the `creating` row, while its claim holds (else null). */
	owner: string | null;
	claimExpiresAt: string | null;
	createdAt: string;
	updatedAt: string;
}

export interface ProvisioningClaimRequest extends ProvisionedAccountKey {
	/** The claiming run (migration/owner's newOwnerId). */
	owner: string;
	ttlMs: number;
	/** An owner found dead: its claim is taken over although it has not expired. */
	replacing?: string | null;
	/**
	 * Take over a `creating` row only: a row in another state (its creation finished meanwhile) is left as it is and
	 * returned as `current`. Without it, a row in any state but a held `creating` one becomes this owner's `creating`.
	 */
	creatingOnly?: boolean;
}

export type ProvisioningClaimAttempt =
	/** The row is now `creating`, held by the owner; `earlier` is the row as it was before (null: none). */
	| { claimed: true; earlier: ProvisionedAccount | null; expiresAt: string }
	/** Another live claim holds it (this owner's own too: a second item of one batch). */
	| { claimed: false; heldBy: string; expiresAt: string }
	/** With creatingOnly: the row is no longer `creating`. */
	| { claimed: false; current: ProvisionedAccount };

export interface ProvisionedAccounts {
	getProvisionedAccount(key: ProvisionedAccountKey): Promise<ProvisionedAccount | null>;
	/** Inserts or replaces the account's record (its createdAt kept), releasing any claim on it. */
	recordProvisionedAccount(record: ProvisionedAccountInput): Promise<void>;
	/** Claims the account's `creating` row for a write-ahead create or a password reset, atomically (see the top). */
	claimProvisionedAccount(request: ProvisioningClaimRequest): Promise<ProvisioningClaimAttempt>;
	/** Releases the owner's claim if the row is still its `creating` one; the row stays, for the next run to take. */
	releaseProvisionedAccount(key: ProvisionedAccountKey, owner: string): Promise<void>;
}
