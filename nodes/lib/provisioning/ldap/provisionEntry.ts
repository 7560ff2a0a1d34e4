/**
 * One user's entry in an LDAP directory: found (at its DN, or as the one match of the search), created from the spec
 * with its password, or checked and corrected in place (never moved, never duplicated), then optionally proved by an
 * IMAP login.
 *
 * The password of an existing entry is left alone unless `resetPassword`, with one exception: an entry this node
 * created in a run whose output never went out (the ledger still says `creating`) had a password that reached nobody,
 * so it gets a new one and is reported `created`. The password is written, never read back (userPassword is never
 * asked for), and appears in no change, record or error: a change to it is the field `password` with no values.
 */
import type { LdapDirectory, LdapEntry } from '../../ldap';
import { LdapEntryMatchError, LdapStepError, attributeValues } from '../../ldap';
import type { ProvisionedAccount, ProvisionedAccounts } from '../../ledger/provisionedAccounts';
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
}

export interface ProvisionedEntry {
	dn: string;
	entryUUID: string | null;
	/** This node made the entry (now, or in a run whose output never went out). */
	created: boolean;
	changes: FieldChange[];
	/** Generated and set in this run: for the output's one password field. */
	generatedPassword?: string;
	/** true: the IMAP login worked; null: not asked for, or no password known to this run. */
	loginVerified: boolean | null;
}

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
			await context.ledger.recordProvisionedAccount({
				...key,
				state: 'creating',
				outcome: 'created',
				changes: [],
				objectId: null,
				resumesAt: null,
			});
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
			const correction = correctionOf(entry, spec);
			await context.directory.modify(entry.dn, correction.ldapChanges);
			changes.push(...correction.changes);
			const ours = earlier?.state === 'creating';
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
	const known = password ?? (spec.password.kind === 'given' ? spec.password.password : undefined);
	let loginVerified: boolean | null = null;
	if (context.verifyLogin && known !== undefined) {
		await context.verifyLogin(spec.login, known);
		loginVerified = true;
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
	};
}
