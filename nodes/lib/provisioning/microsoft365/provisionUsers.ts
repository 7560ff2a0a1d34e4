/**
 * Provision Target's Microsoft 365 provider for one batch of users, app-only through Microsoft Graph:
 *
 * 1. The token's permissions, checked before anything (user-post-users, user-update and user-assignlicense take
 *    User.ReadWrite.All; subscribedsku-list Organization.Read.All or a LicenseAssignment permission; the readiness
 *    poll (mailfolder-get) Mail.Read): one missing fails every item with what to grant.
 * 2. Every user's roster values, and its licence against `GET /subscribedSkus` (read once), before any change: a bad
 *    row fails alone, and with `stopAtFirstFailure` before anything was written.
 * 3. Each user in turn: found or created, corrected, licensed (provisionUser). A create, or a new password for a user
 *    an earlier run left `creating`, first claims the account's ledger row (accountClaims), so a second item of the
 *    batch or a concurrent run leaves it alone.
 * 4. Their mailboxes awaited together within the run's budget (mailboxWait); one still not ready is `provisioning`
 *    with `resumesAt`, the others go on. The run that later finds it ready reports what the first one did (`created`
 *    or `updated`, its changes), without the password, which went out once, in the first run's outcome.
 * 5. Once every outcome is known, the ledger records each (never a password), so a run that died or stopped before
 *    handing out its output leaves its new users `creating`, and the next run gives them a new password. The batch's
 *    claims are released at the end, however it ends.
 */
import { acquireAppToken } from '../../microsoft/appTokens';
import { graphScope } from '../../microsoft/clouds';
import type { MicrosoftApp } from '../../microsoft/microsoftApp';
import { requireAnyRole } from '../../microsoft/permissions';
import type { ProvisionedAccounts } from '../../ledger/provisionedAccounts';
import { AccountClaims, CREATING_CLAIM_TTL_MS } from '../accountClaims';
import { ProvisioningItemError, type FieldChange, type ProvisioningOutcome } from '../types';
import { Microsoft365Directory } from './directory';
import { LicencePool } from './licencePool';
import { waitForMailboxes, type WaitResult } from './mailboxWait';
import {
	ledgerKeyOf,
	licenceNames,
	prepareUser,
	type PreparedUser,
	type UserContext,
} from './provisionUser';
import { checkedUserSpec, type Microsoft365UserSpec } from './userSpec';

// Least privileged first, as each API page lists them.
export const USER_WRITE_ROLES = ['User.ReadWrite.All', 'Directory.ReadWrite.All'];
export const SKU_READ_ROLES = [
	'Organization.Read.All',
	'LicenseAssignment.Read.All',
	'LicenseAssignment.ReadWrite.All',
	'Directory.Read.All',
	'Organization.ReadWrite.All',
	'Directory.ReadWrite.All',
];
export const MAILBOX_READ_ROLES = ['Mail.Read', 'Mail.ReadWrite'];

export interface Microsoft365Item {
	spec: Microsoft365UserSpec;
	/** The item's ledger (items may name different files). */
	ledger: ProvisionedAccounts;
	migrationId: string;
}

export interface Microsoft365Options {
	/** Wait for each mailbox to be ready, up to `waitBudgetMs` for the whole batch. */
	waitForMailbox: boolean;
	waitBudgetMs: number;
	/** Look for a user holding the UPN as mail or proxy address before creating one (see provisionUser). */
	findByAddress: boolean;
	/** Without Continue On Fail: the first failing item ends the batch (ProvisioningItemError). */
	stopAtFirstFailure: boolean;
	/** The batch's owner of its claims (a new one by default). */
	claims?: AccountClaims;
	signal?: AbortSignal;
	/** The mailbox wait's timing, for tests. */
	pause?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

type Slot =
	| { spec: Microsoft365UserSpec }
	| { prepared: PreparedUser; spec: Microsoft365UserSpec }
	| { error: Error };

export async function provisionMicrosoft365Users(
	app: MicrosoftApp,
	items: readonly Microsoft365Item[],
	options: Microsoft365Options,
): Promise<(ProvisioningOutcome | Error)[]> {
	const failure = (position: number, error: unknown): Error => {
		if (options.stopAtFirstFailure) throw new ProvisioningItemError(position, error as Error);
		return error as Error;
	};
	const slots: Slot[] = items.map((item, position) => {
		try {
			return { spec: checkedUserSpec(item.spec) };
		} catch (error) {
			return { error: failure(position, error) };
		}
	});
	const wantLicences = slots.some((slot) => 'spec' in slot && slot.spec.skuPartNumber);
	try {
		const token = await acquireAppToken(app, graphScope(app));
		requireAnyRole(token, USER_WRITE_ROLES, 'Microsoft Graph');
		if (wantLicences) requireAnyRole(token, SKU_READ_ROLES, 'Microsoft Graph');
		if (options.waitForMailbox) requireAnyRole(token, MAILBOX_READ_ROLES, 'Microsoft Graph');
	} catch (error) {
		// Nothing can be done for anyone: every item fails with what to grant.
		return slots.map((slot, position) => ('error' in slot ? slot.error : failure(position, error)));
	}
	const directory = new Microsoft365Directory(app);
	const claims =
		options.claims ?? new AccountClaims(undefined, CREATING_CLAIM_TTL_MS + options.waitBudgetMs);
	try {
		const licences = wantLicences ? await readLicences(directory, slots, failure) : null;
		for (const [position, slot] of slots.entries()) {
			if (!('spec' in slot) || !slot.spec.skuPartNumber || !licences) continue;
			try {
				licences.resolve(slot.spec.skuPartNumber);
			} catch (error) {
				slots[position] = { error: failure(position, error) };
			}
		}
		for (const [position, slot] of slots.entries()) {
			if (!('spec' in slot)) continue;
			const item = items[position];
			const context: UserContext = {
				directory,
				licences,
				ledger: item.ledger,
				migrationId: item.migrationId,
				findByAddress: options.findByAddress,
				claims,
			};
			try {
				slots[position] = { spec: slot.spec, prepared: await prepareUser(context, slot.spec) };
			} catch (error) {
				slots[position] = { error: failure(position, error) };
			}
		}
		const waits = await waitForReadiness(directory, slots, options);
		// Every outcome first (a failure without Continue On Fail throws here, before anything is recorded), then the
		// records: a record saying `done` for an output that never went out would lose its password for good.
		const outcomes: (ProvisioningOutcome | Error)[] = slots.map((slot, position) => {
			if ('error' in slot) return slot.error;
			if (!('prepared' in slot)) throw new Error(`item ${position} was not provisioned`);
			const wait = waits.get(position);
			if (wait && 'error' in wait) return failure(position, wait.error);
			return outcomeOf(slot.prepared, licences, wait);
		});
		for (const [position, outcome] of outcomes.entries()) {
			const slot = slots[position];
			if (outcome instanceof Error || !('prepared' in slot)) continue;
			try {
				await items[position].ledger.recordProvisionedAccount({
					...ledgerKeyOf(items[position].migrationId, slot.spec.userPrincipalName),
					state: outcome.status === 'provisioning' ? 'provisioning' : 'done',
					outcome: recordedOutcome(slot.prepared, outcome),
					changes: outcome.changes,
					objectId: slot.prepared.user.id,
					resumesAt: outcome.resumesAt ?? null,
				});
			} catch (error) {
				// Its password (if any) is not handed out: the row stays `creating`, and the next run sets a new one.
				outcomes[position] = failure(position, error);
			}
		}
		return outcomes;
	} finally {
		await claims.releaseAll();
	}
}

/**
 * The tenant's licences (read once). If they cannot be read, every item that wants one fails with why; the others go
 * on without.
 */
async function readLicences(
	directory: Microsoft365Directory,
	slots: Slot[],
	failure: (position: number, error: unknown) => Error,
): Promise<LicencePool | null> {
	try {
		return new LicencePool(await directory.subscribedSkus());
	} catch (error) {
		for (const [position, slot] of slots.entries()) {
			if ('spec' in slot && slot.spec.skuPartNumber)
				slots[position] = { error: failure(position, error) };
		}
		return null;
	}
}

/** Mailboxes to wait for: users with a licence (a user without one never gets a mailbox). */
async function waitForReadiness(
	directory: Microsoft365Directory,
	slots: readonly Slot[],
	options: Microsoft365Options,
): Promise<Map<number, WaitResult>> {
	if (!options.waitForMailbox) return new Map();
	const probes = new Map<string, () => Promise<boolean>>();
	for (const [position, slot] of slots.entries()) {
		if (!('prepared' in slot) || slot.prepared.user.assignedLicenses.length === 0) continue;
		const upn = slot.prepared.user.userPrincipalName;
		probes.set(String(position), () => directory.mailboxReady(upn));
	}
	const results = await waitForMailboxes(probes, {
		budgetMs: options.waitBudgetMs,
		signal: options.signal,
		pause: options.pause,
	});
	return new Map([...results].map(([key, result]) => [Number(key), result]));
}

function outcomeOf(
	prepared: PreparedUser,
	licences: LicencePool | null,
	wait: WaitResult | undefined,
): ProvisioningOutcome {
	const { user, earlier } = prepared;
	// A run that finds ready what an earlier run left `provisioning` reports that run's work as its own.
	const completing = earlier?.state === 'provisioning' && !prepared.created;
	const changes: FieldChange[] = [...(completing ? earlier.changes : []), ...prepared.changes];
	const ready = wait === undefined ? null : 'ready' in wait && wait.ready;
	let status: ProvisioningOutcome['status'];
	if (ready === false) status = 'provisioning';
	else if (prepared.created || (completing && earlier.outcome === 'created')) status = 'created';
	else status = changes.length > 0 ? 'updated' : 'unchanged';
	return {
		status,
		account: user.userPrincipalName,
		changes,
		...(wait && 'resumesAt' in wait ? { resumesAt: wait.resumesAt } : {}),
		...(prepared.password ? { password: prepared.password } : {}),
		details: {
			userId: user.id,
			mail: user.mail ?? user.userPrincipalName,
			licences: licenceNames(licences, user),
			mailboxReady: ready,
			...(completing ? { provisioningStartedAt: earlier.createdAt } : {}),
		},
	};
}

/** What the ledger keeps as the account's outcome: for `provisioning`, the status its completion will report. */
function recordedOutcome(
	prepared: PreparedUser,
	outcome: ProvisioningOutcome,
): 'created' | 'updated' | 'unchanged' {
	if (outcome.status !== 'provisioning' && outcome.status !== 'failed') return outcome.status;
	const earlier = prepared.earlier?.state === 'provisioning' ? prepared.earlier.outcome : null;
	if (prepared.created || earlier === 'created') return 'created';
	return outcome.changes.length > 0 ? 'updated' : 'unchanged';
}
