/**
 * Routing snapshots: what each user's directory entry held in its routing attributes before Set Routing first
 * switched it, so a Rollback can put it back. One snapshot per migration and user (the user lower-cased, as the
 * Report reads it), written before the entry is modified (write-ahead), kept across further Switches, and taken
 * afresh by the first Switch after a Rollback. An entry has at most one active snapshot per migration: a Switch of
 * an entry already active under another user (an alias, a second spelling) is refused, since its "previous" values
 * would be the switched ones. The rules are here, shared by every store; a store applies them inside one write
 * transaction.
 */
import { LedgerInputError, assertText } from './validation';

/**
 * `switching`: the snapshot is stored and the entry is being (or may have been) modified. `switched`: the entry was
 * found holding the applied values. `rolledBack`: the entry was given its previous values back.
 */
export type RoutingState = 'switching' | 'switched' | 'rolledBack';

export const ROUTING_STATES: readonly RoutingState[] = ['switching', 'switched', 'rolledBack'];

/** Attribute name → values; [] means absent. */
export type RoutingValues = Record<string, string[]>;

export interface RoutingKey {
	migrationId: string;
	/** The node's User field, typically the user's email address; stored and matched lower-cased (`routingUserOf`). */
	user: string;
}

export interface RoutingSnapshot extends RoutingKey {
	wave: string | null;
	/** The entry's DN when last switched. */
	dn: string;
	/** Each routing attribute's values before the first Switch. */
	previous: RoutingValues;
	/** The values the last Switch set. */
	applied: RoutingValues;
	state: RoutingState;
	/** ISO 8601: when `previous` was taken. */
	createdAt: string;
	switchedAt: string | null;
	rolledBackAt: string | null;
	updatedAt: string;
}

/** A Switch about to modify the entry: what it holds now and what it is to hold. */
export interface RoutingSwitchIntent extends RoutingKey {
	wave: string | null;
	dn: string;
	/** The entry's current values of every attribute in `applied`. */
	current: RoutingValues;
	applied: RoutingValues;
}

export interface RoutingSnapshotQuery {
	wave?: string;
	state?: RoutingState;
	/** The snapshots of one entry (DN compared ignoring ASCII case, as the directory compares attribute types). */
	dn?: string;
}

export interface RoutingSnapshotStore {
	/**
	 * Stores the snapshot in state `switching` before the entry is modified. An active snapshot (switching or
	 * switched) keeps its `previous` values, gaining only those of attributes it did not cover; none, or one rolled
	 * back, takes `previous` from `current`. Refused (RoutingEntryTakenError) when the DN has an active snapshot of
	 * another user of the migration. Returns the snapshot as stored.
	 */
	recordRoutingSwitch(intent: RoutingSwitchIntent): Promise<RoutingSnapshot>;
	/** `switched` once the entry holds the applied values; `rolledBack` once it holds the previous ones again. */
	markRoutingState(key: RoutingKey, state: 'switched' | 'rolledBack'): Promise<RoutingSnapshot>;
	getRoutingSnapshot(key: RoutingKey): Promise<RoutingSnapshot | null>;
	/** Of one migration, optionally one wave, state and/or entry, ordered by user. */
	listRoutingSnapshots(
		migrationId: string,
		query?: RoutingSnapshotQuery,
	): Promise<RoutingSnapshot[]>;
}

function assertValues(name: string, values: unknown): asserts values is RoutingValues {
	if (typeof values !== 'object' || values === null || Array.isArray(values)) {
		throw new LedgerInputError(`${name} must be an object of attribute values`);
	}
	for (const [attribute, list] of Object.entries(values)) {
		assertText(`${name} attribute`, attribute);
		if (!Array.isArray(list) || list.some((value) => typeof value !== 'string')) {
			throw new LedgerInputError(`${name}.${attribute} must be a list of strings`);
		}
	}
}

/** A Switch of an entry that is already switched (or being switched) for another user of the same migration. */
export class RoutingEntryTakenError extends LedgerInputError {
	constructor(
		readonly dn: string,
		readonly holder: RoutingSnapshot,
	) {
		super(
			`entry ${dn} is already ${holder.state === 'switching' ? 'being switched (an interrupted run)' : 'switched'} for user ${holder.user} in migration ${holder.migrationId}: switch or roll it back under that user, not a second name of the same entry`,
		);
		this.name = 'RoutingEntryTakenError';
	}
}

/** The ledger's name of a user: trimmed and lower-cased, so `Alice@` and `alice@` are one user (as in the Report). */
export function routingUserOf(user: string): string {
	return user.trim().toLowerCase();
}

export function assertRoutingKey(key: RoutingKey): void {
	assertText('migrationId', key.migrationId);
	assertText('user', key.user);
	assertText('user', routingUserOf(key.user));
}

export const isActive = (snapshot: Pick<RoutingSnapshot, 'state'>): boolean =>
	snapshot.state !== 'rolledBack';

export function assertRoutingIntent(intent: RoutingSwitchIntent): void {
	assertRoutingKey(intent);
	assertText('dn', intent.dn);
	if (intent.wave !== null) assertText('wave', intent.wave);
	assertValues('current', intent.current);
	assertValues('applied', intent.applied);
	if (Object.keys(intent.applied).length === 0)
		throw new LedgerInputError('applied names no attribute');
	for (const attribute of Object.keys(intent.applied)) {
		if (!Object.hasOwn(intent.current, attribute)) {
			throw new LedgerInputError(`current lacks the values of ${attribute}`);
		}
	}
}

export function assertRoutingQuery(query: RoutingSnapshotQuery): void {
	if (query.wave !== undefined) assertText('wave', query.wave);
	if (query.dn !== undefined) assertText('dn', query.dn);
	if (query.state !== undefined && !ROUTING_STATES.includes(query.state)) {
		throw new LedgerInputError(`state must be one of ${ROUTING_STATES.join(', ')}`);
	}
}

/**
 * The snapshot a Switch stores, from the one stored before (if any) and the other snapshots of the same entry: the
 * write-ahead rule, in one place.
 */
export function switchSnapshot(
	existing: RoutingSnapshot | null,
	intent: RoutingSwitchIntent,
	sameEntry: readonly RoutingSnapshot[],
	now: string,
): RoutingSnapshot {
	const user = routingUserOf(intent.user);
	const holder = sameEntry.find((other) => other.user !== user && isActive(other));
	if (holder) throw new RoutingEntryTakenError(intent.dn, holder);
	const active = existing !== null && isActive(existing);
	const previous: RoutingValues = active ? { ...existing.previous } : {};
	for (const [attribute, values] of Object.entries(intent.current)) {
		if (!Object.hasOwn(previous, attribute)) previous[attribute] = [...values];
	}
	return {
		migrationId: intent.migrationId,
		user,
		wave: intent.wave ?? existing?.wave ?? null,
		dn: intent.dn,
		previous,
		applied: { ...(active ? existing.applied : {}), ...intent.applied },
		state: 'switching',
		createdAt: active ? existing.createdAt : now,
		switchedAt: active ? existing.switchedAt : null,
		rolledBackAt: null,
		updatedAt: now,
	};
}

/** The snapshot after the entry was found switched or rolled back. */
export function markedSnapshot(
	existing: RoutingSnapshot,
	state: 'switched' | 'rolledBack',
	now: string,
): RoutingSnapshot {
	return {
		...existing,
		state,
		...(state === 'switched' ? { switchedAt: now } : { rolledBackAt: now }),
		updatedAt: now,
	};
}

/**
 * Of the snapshots of one entry (several only in ledgers written before the entry guard, under different users),
 * the one whose `previous` values are the entry's own: the earliest, unless it was rolled back before the next was
 * taken. A snapshot taken while an earlier one was active holds the already-switched values and is passed over.
 */
export function entrySnapshotOf<
	T extends Pick<RoutingSnapshot, 'user' | 'state' | 'createdAt' | 'rolledBackAt'>,
>(sameEntry: readonly T[]): T {
	const byAge = [...sameEntry].sort(
		(a, b) => a.createdAt.localeCompare(b.createdAt) || a.user.localeCompare(b.user),
	);
	let kept = byAge[0];
	for (const later of byAge.slice(1)) {
		if (!isActive(kept) && kept.rolledBackAt !== null && kept.rolledBackAt <= later.createdAt) {
			kept = later;
		}
	}
	return kept;
}
