/**
 * Provision Target's LDAP provider for one batch of users, on one bound connection:
 *
 * 1. Every user's parameters are checked (templates filled, every value escaped) before anything is sent: a bad row
 *    fails alone, and with `stopAtFirstFailure` before anything was written.
 * 2. The directory is opened once; if that fails, every item fails with the step that failed.
 * 3. Each user in turn: found, created or corrected, password set, login verified (provisionEntry).
 * 4. The ledger records each outcome as `done` (never a password) once the batch is through, so a run that died or
 *    stopped on a later item before handing out its output leaves its new entries `creating`, and the next run gives
 *    them a new password.
 */
import type { LdapDirectory } from '../../ldap';
import type { ProvisionedAccounts } from '../../ledger/provisionedAccounts';
import { ProvisioningItemError, type ProvisioningOutcome } from '../types';
import { ldapEntrySpecOf, type LdapEntryInput, type LdapEntrySpec } from './entrySpec';
import { ledgerKeyOf, provisionEntry, type ProvisionedEntry } from './provisionEntry';
import type { LoginVerifier } from './verifyLogin';

export interface LdapProvisioningItem {
	input: LdapEntryInput;
	/** The item's ledger (items may name different files). */
	ledger: ProvisionedAccounts;
	migrationId: string;
	/** Verify Login for this item. */
	verifyLogin: boolean;
}

export interface LdapProvisioningOptions {
	openDirectory: () => Promise<LdapDirectory>;
	/** Present when some item asks for Verify Login. */
	loginVerifier: LoginVerifier | null;
	/** Without Continue On Fail: the first failing item ends the batch (ProvisioningItemError). */
	stopAtFirstFailure: boolean;
}

export function outcomeOf(spec: LdapEntrySpec, entry: ProvisionedEntry): ProvisioningOutcome {
	return {
		status: entry.created ? 'created' : entry.changes.length > 0 ? 'updated' : 'unchanged',
		account: spec.login,
		changes: entry.changes,
		...(entry.generatedPassword ? { password: entry.generatedPassword } : {}),
		details: { dn: entry.dn, entryUUID: entry.entryUUID, loginVerified: entry.loginVerified },
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
						verifyLogin: item.verifyLogin ? options.loginVerifier : null,
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
		await items[position].ledger.recordProvisionedAccount({
			...ledgerKeyOf(items[position].migrationId, result.account),
			state: 'done',
			outcome: result.status as 'created' | 'updated' | 'unchanged',
			changes: result.changes,
			objectId: result.details.entryUUID as string | null,
			resumesAt: null,
		});
	}
	return results;
}
