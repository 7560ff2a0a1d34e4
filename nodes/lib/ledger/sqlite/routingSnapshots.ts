/**
 * Routing snapshots in SQLite: one row per migration and user (lower-cased), found by entry through the index on
 * (migration_id, dn COLLATE NOCASE) of schema version 8; each change is read and written in one transaction.
 */
import {
	assertRoutingIntent,
	assertRoutingKey,
	assertRoutingQuery,
	markedSnapshot,
	routingUserOf,
	switchSnapshot,
	type RoutingKey,
	type RoutingSnapshot,
	type RoutingSnapshotQuery,
	type RoutingState,
	type RoutingSwitchIntent,
	type RoutingValues,
} from '../routingSnapshots';
import { nowIso, type SqlRow } from '../sqlRows';
import { LedgerInputError } from '../validation';
import type { SqliteConnection } from './sqliteConnection';

const GET_SNAPSHOT = `SELECT * FROM routing_snapshots WHERE migration_id = ? AND user_name = ?`;

const PUT_SNAPSHOT = `INSERT OR REPLACE INTO routing_snapshots (migration_id, user_name, wave, dn, previous, applied,
	state, created_at, switched_at, rolled_back_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

const LIST_SNAPSHOTS = `SELECT * FROM routing_snapshots WHERE migration_id = ?
	AND (?2 IS NULL OR wave = ?2) AND (?3 IS NULL OR state = ?3) ORDER BY user_name`;

// INDEXED BY: without ANALYZE statistics SQLite prefers scanning the migration's whole key range, which would make
// each Switch's entry guard read every snapshot of the migration.
const LIST_ENTRY_SNAPSHOTS = `SELECT * FROM routing_snapshots INDEXED BY routing_snapshots_by_dn
	WHERE migration_id = ?1 AND dn = ?4 COLLATE NOCASE
	AND (?2 IS NULL OR wave = ?2) AND (?3 IS NULL OR state = ?3) ORDER BY user_name`;

function optionalText(value: unknown): string | null {
	return value === null || value === undefined ? null : String(value);
}

function toSnapshot(row: SqlRow): RoutingSnapshot {
	return {
		migrationId: String(row.migration_id),
		user: String(row.user_name),
		wave: optionalText(row.wave),
		dn: String(row.dn),
		previous: JSON.parse(String(row.previous)) as RoutingValues,
		applied: JSON.parse(String(row.applied)) as RoutingValues,
		state: String(row.state) as RoutingState,
		createdAt: String(row.created_at),
		switchedAt: optionalText(row.switched_at),
		rolledBackAt: optionalText(row.rolled_back_at),
		updatedAt: String(row.updated_at),
	};
}

export class SqliteRoutingSnapshots {
	constructor(private readonly connection: SqliteConnection) {}

	private read(key: RoutingKey): RoutingSnapshot | null {
		const row = this.connection
			.statement(GET_SNAPSHOT)
			.get(key.migrationId, routingUserOf(key.user));
		return row ? toSnapshot(row) : null;
	}

	private list(migrationId: string, query: RoutingSnapshotQuery): RoutingSnapshot[] {
		return this.connection
			.statement(query.dn === undefined ? LIST_SNAPSHOTS : LIST_ENTRY_SNAPSHOTS)
			.all(migrationId, query.wave ?? null, query.state ?? null, ...(query.dn ? [query.dn] : []))
			.map(toSnapshot);
	}

	private write(snapshot: RoutingSnapshot): RoutingSnapshot {
		this.connection
			.statement(PUT_SNAPSHOT)
			.run(
				snapshot.migrationId,
				snapshot.user,
				snapshot.wave,
				snapshot.dn,
				JSON.stringify(snapshot.previous),
				JSON.stringify(snapshot.applied),
				snapshot.state,
				snapshot.createdAt,
				snapshot.switchedAt,
				snapshot.rolledBackAt,
				snapshot.updatedAt,
			);
		return snapshot;
	}

	recordRoutingSwitch(intent: RoutingSwitchIntent): RoutingSnapshot {
		assertRoutingIntent(intent);
		return this.connection.writeTransaction(() =>
			this.write(
				switchSnapshot(
					this.read(intent),
					intent,
					this.list(intent.migrationId, { dn: intent.dn }),
					nowIso(),
				),
			),
		);
	}

	markRoutingState(key: RoutingKey, state: 'switched' | 'rolledBack'): RoutingSnapshot {
		assertRoutingKey(key);
		return this.connection.writeTransaction(() => {
			const existing = this.read(key);
			if (!existing) {
				throw new LedgerInputError(
					`no routing snapshot of ${JSON.stringify(key.user)} to mark ${state}`,
				);
			}
			if (state === 'switched' && existing.state === 'rolledBack') {
				throw new LedgerInputError(
					`the routing of ${JSON.stringify(key.user)} was rolled back meanwhile: switch it again`,
				);
			}
			return this.write(markedSnapshot(existing, state, nowIso()));
		});
	}

	getRoutingSnapshot(key: RoutingKey): RoutingSnapshot | null {
		assertRoutingKey(key);
		return this.read(key);
	}

	listRoutingSnapshots(migrationId: string, query: RoutingSnapshotQuery = {}): RoutingSnapshot[] {
		assertRoutingKey({ migrationId, user: '-' });
		assertRoutingQuery(query);
		return this.list(migrationId, query);
	}
}
