/**
 * What provisioning one account on a target platform came to, the same for every provider (Microsoft 365 now, an
 * LDAP directory next): the node shapes its output item from this, and the next step of the pipeline reads it.
 */

/**
 * `created`: this node made the account (in this run, or in an earlier one whose mailbox was not ready then: see
 * `provisioning`). `updated`: the account existed and this run corrected it (`changes`). `unchanged`: it existed as
 * wanted. `provisioning`: created or corrected, but the platform has not finished (a mailbox not ready yet): look
 * again at `resumesAt`; the run that finds it finished reports `created` or `updated`. `failed`: see the error.
 */
export type ProvisioningStatus = 'created' | 'updated' | 'unchanged' | 'provisioning' | 'failed';

/** One attribute this run set. Never a secret: a password change is recorded as the field with no values. */
export interface FieldChange {
	field: string;
	before: string | null;
	after: string | null;
	/** For a multi-valued attribute (LDAP), all values: `before`/`after` then join them with ", " for reading. */
	beforeValues?: string[];
	afterValues?: string[];
}

export interface ProvisioningOutcome {
	status: ProvisioningStatus;
	/** The account as the next step names it: a Microsoft 365 user principal name, an LDAP entry's login. */
	account: string;
	changes: FieldChange[];
	/** With `provisioning`: when looking again is worthwhile (ISO 8601). */
	resumesAt?: string;
	/**
	 * A password this run generated and set, for the next step (a welcome message): present in that run's outcome
	 * only, never recorded, logged or repeated.
	 */
	password?: string;
	/** What the next step needs besides (ids, mailbox readiness); never a secret. */
	details: Record<string, string | number | boolean | null>;
}

/** A value's text as a change records it (empty and absent alike are null). */
export function changeValue(value: unknown): string | null {
	if (value === undefined || value === null) return null;
	const text = String(value);
	return text === '' ? null : text;
}

/**
 * One item's failure that ends the batch (Continue On Fail off): `position` is the item's place in the batch, so the
 * node can name it. Items before it may have been provisioned.
 */
export class ProvisioningItemError extends Error {
	constructor(
		readonly position: number,
		readonly cause: Error,
	) {
		super(cause.message);
		this.name = 'ProvisioningItemError';
	}
}
