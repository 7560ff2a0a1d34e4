/**
 * Schema version 8's data step: routing snapshot rows written by versions 4–7 under the user as typed get the
 * lower-cased name the store now keys them by. Two rows of one migration differing only in case are one user, and
 * the second was taken from the entry the first had switched: the earlier is kept (or the later, when it was taken
 * after the earlier was rolled back — `entrySnapshotOf`), the other deleted. It applies the store's own rules
 * (`routingUserOf`, `entrySnapshotOf`), so the rows end as the store keys them.
 */
import type { DatabaseSync } from 'node:sqlite';

import { entrySnapshotOf, routingUserOf, type RoutingSnapshot } from '../routingSnapshots';

interface SnapshotRow {
	migration_id: string;
	user_name: string;
	state: RoutingSnapshot['state'];
	created_at: string;
	rolled_back_at: string | null;
}

type StoredSpelling = Pick<
	RoutingSnapshot,
	'migrationId' | 'user' | 'state' | 'createdAt' | 'rolledBackAt'
>;

function spellingOf(row: SnapshotRow): StoredSpelling {
	return {
		migrationId: row.migration_id,
		user: row.user_name,
		state: row.state,
		createdAt: row.created_at,
		rolledBackAt: row.rolled_back_at,
	};
}

export function normaliseRoutingUsers(db: DatabaseSync): void {
	const rows = db
		.prepare(
			'SELECT migration_id, user_name, state, created_at, rolled_back_at FROM routing_snapshots',
		)
		.all() as unknown as SnapshotRow[];
	const byUser = new Map<string, StoredSpelling[]>();
	for (const row of rows) {
		const key = JSON.stringify([row.migration_id, routingUserOf(row.user_name)]);
		byUser.set(key, [...(byUser.get(key) ?? []), spellingOf(row)]);
	}
	const remove = db.prepare(
		'DELETE FROM routing_snapshots WHERE migration_id = ? AND user_name = ?',
	);
	const rename = db.prepare(
		'UPDATE routing_snapshots SET user_name = ? WHERE migration_id = ? AND user_name = ?',
	);
	for (const spellings of byUser.values()) {
		const kept = entrySnapshotOf(spellings);
		for (const other of spellings) {
			if (other !== kept) remove.run(other.migrationId, other.user);
		}
		const user = routingUserOf(kept.user);
		if (user !== kept.user) rename.run(user, kept.migrationId, kept.user);
	}
}
