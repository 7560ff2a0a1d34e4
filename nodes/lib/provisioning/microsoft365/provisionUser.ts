/**
 * The directory half of provisioning one user: find them, create them (once, even when Graph's answer is lost) or
 * check and correct what differs, then assign the licence. Waiting for the mailbox comes after, for the whole batch.
 *
 * Finding: by UPN. A user the UPN does not find but whose `mail` or `proxyAddresses` already hold the address is not
 * touched and the item fails naming that user: creating another would fail on the address (Graph's proxy address
 * uniqueness) or take mail meant for the existing one, and renaming a user is a decision for a person.
 */
import type { ProvisionedAccount, ProvisionedAccounts } from '../../ledger/provisionedAccounts';
import type { AccountClaims } from '../accountClaims';
import { generatePassword } from '../password';
import { changeValue, type FieldChange } from '../types';
import type { DirectoryUser, Microsoft365Directory, UserProperties } from './directory';
import { explainRefusal, isObjectConflict } from './graphRefusals';
import type { LicencePool } from './licencePool';
import { GraphRequestError } from '../../graph/graphClient';
import { ProvisioningInputError, type Microsoft365UserSpec } from './userSpec';

export const MICROSOFT365_PROVIDER = 'microsoft365';

/** Creates after a lost answer are tried this many times in all, each after a look-up found no user. */
const CREATE_ATTEMPTS = 3;

export interface PreparedUser {
	user: DirectoryUser;
	/** The node made this user: in this run, or in one whose output never went out (see `earlier`). */
	created: boolean;
	/** Set in this run (create, or a new one for a user whose first password reached nobody). */
	password?: string;
	changes: FieldChange[];
	/** The ledger's record from an earlier run, if any. */
	earlier: ProvisionedAccount | null;
}

export interface UserContext {
	directory: Microsoft365Directory;
	/** Present when some user of the batch wants a licence. */
	licences: LicencePool | null;
	ledger: ProvisionedAccounts;
	migrationId: string;
	findByAddress: boolean;
	/** The batch's claims on `creating` rows. */
	claims: AccountClaims;
}

export const ledgerKeyOf = (migrationId: string, upn: string) => ({
	migrationId,
	provider: MICROSOFT365_PROVIDER,
	account: upn.toLowerCase(),
});

export async function prepareUser(
	context: UserContext,
	spec: Microsoft365UserSpec,
): Promise<PreparedUser> {
	const upn = spec.userPrincipalName;
	const key = ledgerKeyOf(context.migrationId, upn);
	let earlier = await context.ledger.getProvisionedAccount(key);
	const changes: FieldChange[] = [];
	let password: string | undefined;
	let created = false;
	let user = await context.directory.user(upn);
	if (!user) {
		if (context.findByAddress) await refuseAddressHeldElsewhere(context.directory, upn);
		// A user who could not get their licence is not created at all.
		if (spec.skuPartNumber && context.licences) {
			context.licences.requireFree(context.licences.resolve(spec.skuPartNumber));
		}
		// Write-ahead: should this run die or stop before its output goes out, the next one knows the user is ours.
		// The claim also keeps a second item or a concurrent run from creating (or resetting) the user meanwhile.
		await context.claims.claim(context.ledger, key);
		const creation = await createOnce(context.directory, spec);
		user = creation.user;
		created = creation.ours;
		password = creation.ours ? creation.password : undefined;
		if (!creation.ours) {
			// Another process created it meanwhile: not ours, so no later run may ever reset its password.
			await context.ledger.recordProvisionedAccount({
				...key,
				state: 'done',
				outcome: 'unchanged',
				changes: [],
				objectId: user.id,
				resumesAt: null,
			});
		}
	} else if (earlier?.state === 'creating') {
		// Created by a run whose output (and so the password) never went out: the account is ours, with a new password;
		// unless a live run holds the row (AccountBusyError, nothing changed) or finished its creation meanwhile.
		const claim = await context.claims.claim(context.ledger, key, true);
		if (claim.claimed) {
			created = true;
			if (spec.signIn.kind === 'password') {
				password = generatePassword(spec.signIn.length);
				await context.directory
					.updateUser(user.id, {
						passwordProfile: { password, forceChangePasswordNextSignIn: true },
					})
					.catch((error: unknown) => {
						throw explainRefusal(error, upn);
					});
				changes.push({ field: 'password', before: null, after: null });
			}
		} else {
			earlier = claim.current;
		}
	}
	if (!created || earlier?.state === 'creating')
		changes.push(...(await correct(context, user, spec)));
	changes.push(...(await license(context, user, spec)));
	return { user, created, password, changes, earlier };
}

async function refuseAddressHeldElsewhere(directory: Microsoft365Directory, upn: string) {
	const holders = await directory.usersHoldingAddress(upn);
	if (holders.length === 0) return;
	throw new ProvisioningInputError(
		`the address ${upn} already belongs to ${holders.map((holder) => holder.userPrincipalName).join(', ')} (as its mail or proxy address); nothing was created. Use that user's UPN, or free the address there first`,
	);
}

function creationBody(spec: Microsoft365UserSpec, password: string): UserProperties {
	return {
		accountEnabled: true,
		displayName: spec.displayName,
		mailNickname: spec.mailNickname,
		userPrincipalName: spec.userPrincipalName,
		usageLocation: spec.usageLocation,
		...(spec.givenName ? { givenName: spec.givenName } : {}),
		...(spec.surname ? { surname: spec.surname } : {}),
		// passwordProfile is required on create (user-post-users) even when a federated domain's identity provider
		// signs the user in; onPremisesImmutableId is required for a UPN in a federated domain.
		passwordProfile: { password, forceChangePasswordNextSignIn: spec.signIn.kind === 'password' },
		...(spec.signIn.kind === 'immutableId'
			? { onPremisesImmutableId: spec.signIn.immutableId }
			: {}),
	};
}

/**
 * POST /users at most once per missing user: after an answer that never came (reset, timeout) or a 5xx the create
 * may have happened, so the UPN is looked up before trying again. `ours`: the user found is the one this run made
 * (false when another process created it meanwhile: its password is not ours to hand out).
 */
async function createOnce(
	directory: Microsoft365Directory,
	spec: Microsoft365UserSpec,
): Promise<{ user: DirectoryUser; ours: boolean; password: string }> {
	const length = spec.signIn.kind === 'password' ? spec.signIn.length : undefined;
	const password = generatePassword(length);
	let answerLost = false;
	for (let attempt = 1; ; attempt++) {
		try {
			return {
				user: await directory.createUser(creationBody(spec, password)),
				ours: true,
				password,
			};
		} catch (error) {
			const lost = error instanceof GraphRequestError && error.transient;
			if (!lost && !isObjectConflict(error)) throw explainRefusal(error, spec.userPrincipalName);
			const found = await directory.user(spec.userPrincipalName);
			if (found) return { user: found, ours: answerLost || lost, password };
			if (!lost || attempt >= CREATE_ATTEMPTS) throw explainRefusal(error, spec.userPrincipalName);
			answerLost = true;
		}
	}
}

/** The attributes an existing user must have: display name and usage location, given and surname when the roster has them. */
async function correct(
	context: UserContext,
	user: DirectoryUser,
	spec: Microsoft365UserSpec,
): Promise<FieldChange[]> {
	const wanted: [keyof DirectoryUser & keyof UserProperties, string | null][] = [
		['displayName', spec.displayName],
		['usageLocation', spec.usageLocation],
		['givenName', spec.givenName],
		['surname', spec.surname],
	];
	const changes: FieldChange[] = [];
	const patch: UserProperties = {};
	for (const [field, value] of wanted) {
		if (value === null || user[field] === value) continue;
		changes.push({ field, before: changeValue(user[field]), after: value });
		patch[field] = value;
	}
	if (changes.length === 0) return changes;
	await context.directory.updateUser(user.id, patch).catch((error: unknown) => {
		throw explainRefusal(error, user.userPrincipalName);
	});
	Object.assign(user, patch);
	return changes;
}

/** Assigns the roster's licence unless the user has it; usageLocation was set before (user-assignlicense requires it). */
async function license(
	context: UserContext,
	user: DirectoryUser,
	spec: Microsoft365UserSpec,
): Promise<FieldChange[]> {
	if (!spec.skuPartNumber || !context.licences) return [];
	const pool = context.licences;
	const sku = pool.resolve(spec.skuPartNumber);
	if (user.assignedLicenses.some((licence) => licence.skuId === sku.skuId)) return [];
	const before = licenceNames(pool, user);
	pool.take(sku);
	try {
		await context.directory.assignLicence(user.id, sku.skuId);
	} catch (error) {
		// A lost answer may still have assigned it: look before reporting a failure (assigning twice changes nothing).
		const reread =
			error instanceof GraphRequestError && error.transient
				? await context.directory.user(user.id)
				: null;
		if (!reread?.assignedLicenses.some((licence) => licence.skuId === sku.skuId)) {
			pool.release(sku);
			throw explainRefusal(error, user.userPrincipalName);
		}
	}
	user.assignedLicenses.push({ skuId: sku.skuId });
	return [{ field: 'licence', before, after: licenceNames(pool, user) }];
}

export function licenceNames(pool: LicencePool | null, user: DirectoryUser): string | null {
	const names = user.assignedLicenses.map(
		(licence) => pool?.partNumberOf(licence.skuId) ?? licence.skuId,
	);
	return names.length > 0 ? names.join(', ') : null;
}
