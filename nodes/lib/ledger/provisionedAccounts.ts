/**
 * Accounts Provision Target made or corrected, per migration: what a later run needs to finish the job. A mailbox that
 * was not ready yet is `provisioning` until a run finds it ready and reports what the first run did; a user whose
 * creation was recorded as `creating` but never completed (the run died, or stopped on a later item's error before
 * handing out its output) had a password that reached nobody, so the next run sets a new one. Never a password.
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
	createdAt: string;
	updatedAt: string;
}

export interface ProvisionedAccounts {
	getProvisionedAccount(key: ProvisionedAccountKey): Promise<ProvisionedAccount | null>;
	/** Inserts or replaces the account's record (its createdAt kept). */
	recordProvisionedAccount(record: ProvisionedAccountInput): Promise<void>;
}
