/**
 * Switch, Verify and Rollback of one user's mail routing in the directory, with the snapshot in the ledger.
 *
 * Switch is write-ahead: the snapshot (state `switching`) is stored before the entry is modified, and marked
 * `switched` after. A crash between the snapshot and the modify leaves `switching` with the true previous values and
 * an unmodified entry: the rerun modifies it. A crash between the modify and the mark leaves `switching` and a
 * modified entry: the rerun finds nothing to change and marks it (`recovered`). Either way the first snapshot's
 * previous values are kept. Rollback restores the snapshot's previous values at its DN, then marks `rolledBack`; a
 * crash in between is finished the same way by the rerun.
 *
 * `RoutingHooks` are failpoints for the crash tests (test/tools/routingCli.ts kills the process in them).
 */
import type { EntryLocator, LdapDirectory } from '../ldap';
import { describeLocator } from '../ldap';
import type {
	RoutingKey,
	RoutingSnapshot,
	RoutingSnapshotStore,
	RoutingState,
	RoutingValues,
} from '../ledger/routingSnapshots';
import { differences, ldapChangesOf, valuesOf, type AttributeChange } from './routingChanges';

export type { AttributeChange } from './routingChanges';

export interface RoutingSubject extends RoutingKey {
	wave: string | null;
	locator: EntryLocator;
	/** The routing attributes and the values they are to hold ([] removes the attribute). */
	attributes: RoutingValues;
}

export interface RoutingHooks {
	/** After the snapshot is stored, before the entry is modified. */
	afterSnapshot?: () => void | Promise<void>;
	/** After the entry is modified, before the snapshot's state is. */
	afterModify?: () => void | Promise<void>;
}

export interface RoutingResult {
	user: string;
	status: 'switched' | 'unchanged' | 'verified' | 'mismatch' | 'rolledBack';
	dn: string;
	wave: string | null;
	/** What this run changed (or, when `recovered`, what the interrupted run had changed). */
	changes: AttributeChange[];
	/** Verify: each attribute whose values differ, as expected (`after`) against found (`before`). */
	differences?: AttributeChange[];
	/** An interrupted run had already modified the entry; this run completed its record. */
	recovered?: boolean;
	/** The snapshot's state once done (null: never switched). */
	snapshotState: RoutingState | null;
}

export class RoutingError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'RoutingError';
	}
}

function assertAttributes(attributes: RoutingValues): void {
	if (Object.keys(attributes).length === 0) {
		throw new RoutingError('no routing attribute is set: name at least one');
	}
}

export async function switchRouting(
	directory: LdapDirectory,
	store: RoutingSnapshotStore,
	subject: RoutingSubject,
	hooks: RoutingHooks = {},
): Promise<RoutingResult> {
	assertAttributes(subject.attributes);
	const names = Object.keys(subject.attributes);
	const entry = await directory.findOneEntry(subject.locator, names);
	const current = valuesOf(entry, names);
	const before = await store.getRoutingSnapshot(subject);
	const snapshot = await store.recordRoutingSwitch({
		migrationId: subject.migrationId,
		user: subject.user,
		wave: subject.wave,
		dn: entry.dn,
		current,
		applied: subject.attributes,
	});
	await hooks.afterSnapshot?.();
	const changes = differences(current, subject.attributes);
	await directory.modify(entry.dn, ldapChangesOf(changes));
	if (changes.length > 0) await hooks.afterModify?.();
	const marked = await store.markRoutingState(subject, 'switched');
	const base = { user: subject.user, dn: entry.dn, wave: marked.wave, snapshotState: marked.state };
	if (changes.length > 0) return { ...base, status: 'switched', changes };
	if (before?.state === 'switching') {
		const earlier = differences(snapshot.previous, subject.attributes);
		if (earlier.length > 0)
			return { ...base, status: 'switched', changes: earlier, recovered: true };
	}
	return { ...base, status: 'unchanged', changes: [] };
}

export async function verifyRouting(
	directory: LdapDirectory,
	store: RoutingSnapshotStore,
	subject: RoutingSubject,
): Promise<RoutingResult> {
	assertAttributes(subject.attributes);
	const names = Object.keys(subject.attributes);
	const entry = await directory.findOneEntry(subject.locator, names);
	const found = differences(valuesOf(entry, names), subject.attributes);
	const snapshot = await store.getRoutingSnapshot(subject);
	return {
		user: subject.user,
		status: found.length === 0 ? 'verified' : 'mismatch',
		dn: entry.dn,
		wave: snapshot?.wave ?? subject.wave,
		changes: [],
		...(found.length > 0 ? { differences: found } : {}),
		snapshotState: snapshot?.state ?? null,
	};
}

/** Restores one snapshot's previous values at its DN. */
async function restore(
	directory: LdapDirectory,
	store: RoutingSnapshotStore,
	snapshot: RoutingSnapshot,
	hooks: RoutingHooks,
): Promise<RoutingResult> {
	const names = Object.keys(snapshot.previous);
	const entry = await directory.findOneEntry({ dn: snapshot.dn }, names);
	const changes = differences(valuesOf(entry, names), snapshot.previous);
	await directory.modify(entry.dn, ldapChangesOf(changes));
	if (changes.length > 0) await hooks.afterModify?.();
	const marked = await store.markRoutingState(snapshot, 'rolledBack');
	const base = {
		user: snapshot.user,
		dn: entry.dn,
		wave: snapshot.wave,
		snapshotState: marked.state,
	};
	if (changes.length > 0) return { ...base, status: 'rolledBack', changes };
	if (snapshot.state !== 'rolledBack') {
		return {
			...base,
			status: 'rolledBack',
			changes: differences(snapshot.applied, snapshot.previous),
			recovered: true,
		};
	}
	return { ...base, status: 'unchanged', changes: [] };
}

/** Rolls one user back to the snapshot's previous values; never switched is an error for that user. */
export async function rollbackRouting(
	directory: LdapDirectory,
	store: RoutingSnapshotStore,
	key: RoutingKey,
	hooks: RoutingHooks = {},
): Promise<RoutingResult> {
	const snapshot = await store.getRoutingSnapshot(key);
	if (!snapshot) {
		throw new RoutingError(
			`no routing snapshot of ${key.user} in migration ${key.migrationId}: it was never switched, so there is nothing to roll back`,
		);
	}
	return await restore(directory, store, snapshot, hooks);
}

/** Every user of a wave rolled back, one after the other; one user's failure is its own result and the rest go on. */
export async function rollbackWave(
	directory: LdapDirectory,
	store: RoutingSnapshotStore,
	migrationId: string,
	wave: string,
	hooks: RoutingHooks = {},
): Promise<{ user: string; result: RoutingResult | Error }[]> {
	const snapshots = await store.listRoutingSnapshots(migrationId, { wave });
	if (snapshots.length === 0) {
		throw new RoutingError(`no user of wave ${wave} in migration ${migrationId} was switched`);
	}
	const results: { user: string; result: RoutingResult | Error }[] = [];
	for (const snapshot of snapshots) {
		const result = await restore(directory, store, snapshot, hooks).catch((error: unknown) =>
			error instanceof Error ? error : new Error(String(error)),
		);
		results.push({ user: snapshot.user, result });
	}
	return results;
}

/** For messages: where the entry of a subject is looked for. */
export function whereOf(subject: Pick<RoutingSubject, 'locator'>): string {
	return describeLocator(subject.locator);
}
