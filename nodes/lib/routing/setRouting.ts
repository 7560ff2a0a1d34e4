/**
 * Switch, Verify and Rollback of one user's mail routing in the directory, with the snapshot in the ledger.
 *
 * Switch is write-ahead: the snapshot (state `switching`) is stored before the entry is modified, and marked
 * `switched` after. A crash between the snapshot and the modify leaves `switching` with the true previous values and
 * an unmodified entry: the rerun modifies it. A crash between the modify and the mark leaves `switching` and a
 * modified entry: the rerun finds nothing to change and marks it (`recovered`). Either way the first snapshot's
 * previous values are kept. Rollback restores the snapshot's previous values at its DN, then marks `rolledBack`; a
 * crash in between is finished the same way by the rerun. A snapshot still `switching` whose entry already holds
 * the previous values (the modify never happened) has nothing to restore: `unchanged`, and the record is closed.
 *
 * Users are the ledger's (lower-cased) names, and an entry has one active snapshot per migration (the store refuses a
 * second user of the same entry). Ledgers from before that rule may hold several snapshots of one entry: Rollback
 * acts on the entry, restoring it from the snapshot holding its own values (`entrySnapshotOf`, the earliest) and
 * closing every active snapshot of it, so a wave restores each entry once.
 *
 * `RoutingHooks` are failpoints for the crash tests (test/tools/routingCli.ts kills the process in them).
 */
import type { EntryLocator, LdapDirectory } from '../ldap';
import {
	entrySnapshotOf,
	isActive,
	routingUserOf,
	type RoutingKey,
	type RoutingSnapshot,
	type RoutingSnapshotStore,
	type RoutingState,
	type RoutingValues,
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
	/** The ledger's name of the user (lower-cased). */
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
	/** Why a Rollback changed nothing, or which user's snapshot it restored the entry from. */
	note?: string;
	/** The snapshot's state once done (null: never switched). */
	snapshotState: RoutingState | null;
}

export class RoutingError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'RoutingError';
	}
}

const NOTHING_TO_RESTORE =
	'nothing to restore: the entry already holds its values from before the Switch';

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
	const base = { user: marked.user, dn: entry.dn, wave: marked.wave, snapshotState: marked.state };
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
		user: snapshot?.user ?? routingUserOf(subject.user),
		status: found.length === 0 ? 'verified' : 'mismatch',
		dn: entry.dn,
		wave: snapshot?.wave ?? subject.wave,
		changes: [],
		...(found.length > 0 ? { differences: found } : {}),
		snapshotState: snapshot?.state ?? null,
	};
}

/**
 * Restores the entry of one snapshot to its values from before the first Switch, then closes every active snapshot
 * of that entry, the one restored from last: a run killed in between still finds it active and restores from it.
 */
async function restore(
	directory: LdapDirectory,
	store: RoutingSnapshotStore,
	snapshot: RoutingSnapshot,
	hooks: RoutingHooks,
): Promise<RoutingResult> {
	const sameEntry = await store.listRoutingSnapshots(snapshot.migrationId, { dn: snapshot.dn });
	const own = sameEntry.find((other) => other.user === snapshot.user) ?? snapshot;
	const source = entrySnapshotOf(sameEntry.length > 0 ? sameEntry : [own]);
	const previous = { ...own.previous, ...source.previous };
	const names = Object.keys(previous);
	const entry = await directory.findOneEntry({ dn: own.dn }, names);
	const changes = differences(valuesOf(entry, names), previous);
	await directory.modify(entry.dn, ldapChangesOf(changes));
	if (changes.length > 0) await hooks.afterModify?.();
	const open = sameEntry.filter((other) => isActive(other) && other !== source);
	if (isActive(source)) open.push(source);
	for (const record of open) await store.markRoutingState(record, 'rolledBack');
	const base = {
		user: own.user,
		dn: entry.dn,
		wave: own.wave,
		snapshotState: 'rolledBack' as const,
	};
	const from =
		source.user === own.user
			? {}
			: { note: `restored from the snapshot of ${source.user}, which holds this entry's values` };
	if (changes.length > 0) return { ...base, status: 'rolledBack', changes, ...from };
	// Confirmed switched and now holding the previous values: an interrupted Rollback restored it.
	if (open.some((record) => record.state === 'switched')) {
		const undone = differences({ ...own.applied, ...source.applied }, previous);
		return { ...base, status: 'rolledBack', changes: undone, recovered: true, ...from };
	}
	// Still switching (its modify never happened) or rolled back already: nothing to restore.
	const nothing = open.length > 0 ? { note: NOTHING_TO_RESTORE } : from;
	return { ...base, status: 'unchanged', changes: [], ...nothing };
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
