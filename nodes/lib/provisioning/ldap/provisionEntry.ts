/**
 * One user's entry in an LDAP directory: found (at its DN, or as the one match of the search), created from the spec
 * with its password, or checked and corrected in place (never moved, never duplicated), then optionally proved by an
 * IMAP login.
 *
 * The password of an existing entry is left alone unless `resetPassword`, with one exception: an entry this node
 * created in a run whose output never went out (the ledger still says `creating`, and no live run holds that row: see
 * accountClaims) had a password that reached nobody, so it gets a new one and is reported `created`. Verify Login
 * logs in only with a password this run set. The password is written, never read back (userPassword is never
 * asked for), and appears in no change, record or error: a change to it is the field `password` with no values.
 */
import type { LdapDirectory, LdapEntry } from '../../ldap';
import { LdapEntryMatchError, LdapStepError, attributeValues } from '../../ldap';
import type { ProvisionedAccount, ProvisionedAccounts } from '../../ledger/provisionedAccounts';
import type { AccountClaims } from '../accountClaims';
import { generatePassword } from '../password';
import type { FieldChange } from '../types';
import { attributesToRead, correctionOf, newEntryAttributes } from './entryChanges';
import type { LdapEntrySpec } from './entrySpec';
import { hashPassword } from './passwordHash';
import { explainSchemaRefusal } from './schemaRefusals';
import type { LoginVerifier } from './verifyLogin';

export const LDAP_PROVIDER = 'ldap';

/** slapd's entryAlreadyExists: another writer made the entry between the look-up and the add. */
const ENTRY_ALREADY_EXISTS = 68;

export interface EntryContext {
	directory: LdapDirectory;
	ledger: ProvisionedAccounts;
	migrationId: string;
	/** Present with Verify Login. */
	verifyLogin: LoginVerifier | null;
	/** The batch's claims on `creating` rows. */
	claims: AccountClaims;
}

export interface ProvisionedEntry {
	dn: string;
	entryUUID: string | null;
	/** This node made the entry (now, or in a run whose output never went out). */
	created: boolean;
	changes: FieldChange[];
	/** Generated and set in this run: for the output's one password field. */
	generatedPassword?: string;
	/** true: the IMAP login worked; null: not asked for, or this run set no password (see loginNotVerified). */
	loginVerified: boolean | null;
	/** With Verify Login asked for but not done: why. */
	loginNotVerified?: string;
}

export const NOT_VERIFIED_REASON =
	'this run set no password for the entry (it existed, and Reset Password is off), so it had none of its own to log in with';

export const ledgerKeyOf = (migrationId: string, login: string) => ({
	migrationId,
	provider: LDAP_PROVIDER,
	account: login.toLowerCase(),
});

/** The existing entry: the search's one match when there is a search, else (or when it finds none) the DN's entry. */
async function findEntry(directory: LdapDirectory, spec: LdapEntrySpec): Promise<LdapEntry | null> {
	const names = attributesToRead(spec);
	if (spec.search) {
		const found = await directory.findEntries(
			spec.search.base,
			spec.search.filter,
			names,
			'sub',
			2,
		);
		if (found.length > 1) {
			throw new LdapEntryMatchError(
				'several',
				`${spec.search.filter.toString()} under ${spec.search.base}`,
				found.map((entry) => entry.dn),
			);
		}
		if (found.length === 1) return found[0];
	}
	return await directory.readEntry(spec.dn, names);
}

/** The password this run sets, if any: generated, or the given one. */
function passwordToSet(spec: LdapEntrySpec): string | undefined {
	if (spec.password.kind === 'generate') return generatePassword(spec.password.length);
	if (spec.password.kind === 'given') return spec.password.password;
	return undefined;
}

/** Sets the password of an existing entry: a hash replacing userPassword, or the Password Modify operation. */
async function setPassword(
	directory: LdapDirectory,
	dn: string,
	spec: LdapEntrySpec,
	password: string,
): Promise<void> {
	if (spec.passwordStorage === 'passwordModify') {
		await directory.passwordModify(dn, password);
		return;
	}
	await directory.modify(dn, [
		{
			operation: 'replace',
			attribute: 'userPassword',
			values: [hashPassword(spec.passwordStorage, password)],
		},
	]);
}

const PASSWORD_CHANGE: FieldChange = { field: 'password', before: null, after: null };

async function create(
	context: EntryContext,
	spec: LdapEntrySpec,
	password: string | undefined,
): Promise<void> {
	const attributes: Record<string, string[]> = newEntryAttributes(spec);
	if (password !== undefined && spec.passwordStorage !== 'passwordModify') {
		attributes.userPassword = [hashPassword(spec.passwordStorage, password)];
	}
	await context.directory.add(spec.dn, attributes);
	if (password !== undefined && spec.passwordStorage === 'passwordModify') {
		await context.directory.passwordModify(spec.dn, password);
	}
}

export async function provisionEntry(
	context: EntryContext,
	spec: LdapEntrySpec,
): Promise<ProvisionedEntry> {
	const key = ledgerKeyOf(context.migrationId, spec.login);
	const earlier: ProvisionedAccount | null = await context.ledger.getProvisionedAccount(key);
	const changes: FieldChange[] = [];
	let password: string | undefined;
	let created = false;
	let entry = await findEntry(context.directory, spec);
	try {
		if (!entry) {
			// Write-ahead: should this run die or stop before its output goes out, the next one knows the entry is ours.
			// The claim also keeps a second item or a concurrent run from creating it (or resetting it) meanwhile.
			await context.claims.claim(context.ledger, key);
			password = passwordToSet(spec);
			try {
				await create(context, spec, password);
				created = true;
			} catch (error) {
				if (!(error instanceof LdapStepError && error.resultCode === ENTRY_ALREADY_EXISTS))
					throw error;
				// Another writer made it meanwhile: not ours, so its password is not ours to set or hand out.
				password = undefined;
				await context.ledger.recordProvisionedAccount({
					...key,
					state: 'done',
					outcome: 'unchanged',
					changes: [],
					objectId: null,
					resumesAt: null,
				});
			}
			entry = await findEntry(context.directory, spec);
			if (!entry) throw new LdapEntryMatchError('none', `the DN ${spec.dn}`);
		}
		if (!created) {
			// Ours from a run whose output never went out, unless a live run holds it (AccountBusyError, nothing
			// changed) or its creation finished meanwhile.
			let ours = false;
			if (earlier?.state === 'creating') {
				ours = (await context.claims.claim(context.ledger, key, true)).claimed;
			}
			const correction = correctionOf(entry, spec);
			await context.directory.modify(entry.dn, correction.ldapChanges);
			changes.push(...correction.changes);
			if (ours || spec.resetPassword) {
				password = passwordToSet(spec);
				if (password !== undefined) {
					await setPassword(context.directory, entry.dn, spec, password);
					changes.push(PASSWORD_CHANGE);
				}
			}
			created = ours;
		}
	} catch (error) {
		throw explainSchemaRefusal(error);
	}
	// Only a password this run set proves anything: one given for an entry whose password was left alone was never
	// written, so a failed login would say nothing about what was provisioned.
	let loginVerified: boolean | null = null;
	let loginNotVerified: string | undefined;
	if (context.verifyLogin && password !== undefined) {
		await context.verifyLogin(spec.login, password);
		loginVerified = true;
	} else if (context.verifyLogin) {
		loginNotVerified = NOT_VERIFIED_REASON;
	}
	return {
		dn: entry.dn,
		entryUUID: attributeValues(entry, 'entryUUID')[0] ?? null,
		created,
		changes,
		...(password !== undefined && spec.password.kind === 'generate'
			? { generatedPassword: password }
			: {}),
		loginVerified,
		...(loginNotVerified ? { loginNotVerified } : {}),
	};
}
