/**
 * Provision Target's LDAP provider for one batch of users, on one bound connection:
 *
 * 1. Every user's parameters are checked (templates filled, every value escaped) before anything is sent: a bad row
 *    fails alone, and with `stopAtFirstFailure` before anything was written.
 * 2. The directory is opened once; if that fails, every item fails with the step that failed.
 * 3. Each user in turn: found, created or corrected, password set, login verified (provisionEntry). A create, or a new
 *    password for an entry an earlier run left `creating`, first claims the account's ledger row (accountClaims), so
 *    a second item of the batch or a concurrent run leaves it alone.
 * 4. Once every outcome is known, the ledger records each as `done` (never a password), so a run that died or stopped
 *    on a later item before handing out its output leaves its new entries `creating`, and the next run gives them a
 *    new password. The batch's claims are released at the end, however it ends.
 */
import type { LdapDirectory } from '../../ldap';
import type { ProvisionedAccounts } from '../../ledger/provisionedAccounts';
import { AccountClaims } from '../accountClaims';
import { ProvisioningItemError, type ProvisioningOutcome } from '../types';
import { ldapEntrySpecOf, type LdapEntryInput, type LdapEntrySpec } from './entrySpec';
import { ledgerKeyOf, provisionEntry, type ProvisionedEntry } from './provisionEntry';
import type { LoginVerifier } from './verifyLogin';

export interface LdapProvisioningItem {
	input: LdapEntryInput;
	/** The item's ledger (items may name different files). */
	ledger: ProvisionedAccounts;
	migrationId: string;
	/** With Verify Login: logs in to the item's target. */
	verifyLogin: LoginVerifier | null;
}

export interface LdapProvisioningOptions {
	openDirectory: () => Promise<LdapDirectory>;
	/** Without Continue On Fail: the first failing item ends the batch (ProvisioningItemError). */
	stopAtFirstFailure: boolean;
	/** The batch's owner of its claims (a new one by default). */
	claims?: AccountClaims;
}

export function outcomeOf(spec: LdapEntrySpec, entry: ProvisionedEntry): ProvisioningOutcome {
	return {
		status: entry.created ? 'created' : entry.changes.length > 0 ? 'updated' : 'unchanged',
		account: spec.login,
		changes: entry.changes,
		...(entry.generatedPassword ? { password: entry.generatedPassword } : {}),
		details: {
			dn: entry.dn,
			entryUUID: entry.entryUUID,
			loginVerified: entry.loginVerified,
			...(entry.loginNotVerified ? { loginNotVerified: entry.loginNotVerified } : {}),
		},
	};
}

export async function provisionLdapEntries(
	items: readonly LdapProvisioningItem[],
	options: LdapProvisioningOptions,
): Promise<(ProvisioningOutcome | Error)[]> {
	const failure = (position: number, error: unknown): Error => {
		if (options.stopAtFirstFailure) throw new ProvisioningItemError(position, error as Error);
		return error as Error;
	};
	const slots: (LdapEntrySpec | Error)[] = items.map((item, position) => {
		try {
			return ldapEntrySpecOf(item.input);
		} catch (error) {
			return failure(position, error);
		}
	});
	if (slots.every((slot) => slot instanceof Error)) return slots as Error[];
	let directory: LdapDirectory;
	try {
		directory = await options.openDirectory();
	} catch (error) {
		return slots.map((slot, position) => (slot instanceof Error ? slot : failure(position, error)));
	}
	const claims = options.claims ?? new AccountClaims();
	try {
		const results: (ProvisioningOutcome | Error)[] = [];
		try {
			for (const [position, slot] of slots.entries()) {
				if (slot instanceof Error) {
					results.push(slot);
					continue;
				}
				const item = items[position];
				try {
					const entry = await provisionEntry(
						{
							directory,
							ledger: item.ledger,
							migrationId: item.migrationId,
							verifyLogin: item.verifyLogin,
							claims,
						},
						slot,
					);
					results.push(outcomeOf(slot, entry));
				} catch (error) {
					results.push(failure(position, error));
				}
			}
		} finally {
			await directory.close();
		}
		for (const [position, result] of results.entries()) {
			if (result instanceof Error) continue;
			try {
				await items[position].ledger.recordProvisionedAccount({
					...ledgerKeyOf(items[position].migrationId, result.account),
					state: 'done',
					outcome: result.status as 'created' | 'updated' | 'unchanged',
					changes: result.changes,
					objectId: result.details.entryUUID as string | null,
					resumesAt: null,
				});
			} catch (error) {
				// Its password (if any) is not handed out: the row stays `creating`, and the next run sets a new one.
				results[position] = failure(position, error);
			}
		}
		return results;
	} finally {
		await claims.releaseAll();
	}
}
