/**
 * The reading side of the SQLite item records beyond the copy itself: what a run resumes from (pending items) and
 * what reports show (counts by status, failures).
 */
import { ITEM_COLUMNS, toLedgerItem } from '../sqlRows';
import { ITEM_STATUSES, type FailureQuery, type ItemStatus, type LedgerItem } from '../types';
import { assertFolder, assertMailbox, assertPositiveInteger, assertUid32 } from '../validation';
import { NO_LIMIT, type SqliteConnection } from './sqliteConnection';

const PENDING = `SELECT ${ITEM_COLUMNS} FROM items
	WHERE migration_id = ? AND source_account = ? AND status = 'pending' ORDER BY source_folder, uid_validity, uid`;

const COUNTS_FOR_MAILBOX = `SELECT status, COUNT(*) AS count FROM items
	WHERE migration_id = ? AND source_account = ? GROUP BY status`;

const COUNTS_FOR_FOLDER = `SELECT status, COUNT(*) AS count FROM items
	WHERE migration_id = ? AND source_account = ? AND source_folder = ? GROUP BY status`;

const COUNTS_FOR_UID_VALIDITY = `SELECT status, COUNT(*) AS count FROM items
	WHERE migration_id = ? AND source_account = ? AND source_folder = ? AND uid_validity = ? GROUP BY status`;

// One index seek per value: a folder has a handful of UIDVALIDITY values and may have a million records.
const NEXT_UID_VALIDITY = `SELECT MIN(uid_validity) AS uid_validity FROM items
	WHERE migration_id = ? AND source_account = ? AND source_folder = ? AND uid_validity > ?`;

const FAILURES_FOR_MAILBOX = `SELECT ${ITEM_COLUMNS} FROM items
	WHERE migration_id = ? AND source_account = ? AND status = 'failed'
	ORDER BY source_folder, uid_validity, uid LIMIT ?`;

const FAILURES_FOR_FOLDER = `SELECT ${ITEM_COLUMNS} FROM items
	WHERE migration_id = ? AND source_account = ? AND status = 'failed' AND source_folder = ?
	ORDER BY uid_validity, uid LIMIT ?`;

export class SqliteItemQueries {
	constructor(private readonly connection: SqliteConnection) {}

	getPending(migrationId: string, sourceAccount: string): LedgerItem[] {
		assertMailbox(migrationId, sourceAccount);
		return this.connection.statement(PENDING).all(migrationId, sourceAccount).map(toLedgerItem);
	}

	countsByStatus(
		migrationId: string,
		sourceAccount: string,
		sourceFolder?: string,
		uidValidity?: number,
	): Record<ItemStatus, number> {
		assertMailbox(migrationId, sourceAccount);
		if (uidValidity !== undefined) assertUid32('uidValidity', uidValidity);
		const rows =
			sourceFolder === undefined
				? this.connection.statement(COUNTS_FOR_MAILBOX).all(migrationId, sourceAccount)
				: uidValidity === undefined
					? this.connection
							.statement(COUNTS_FOR_FOLDER)
							.all(migrationId, sourceAccount, sourceFolder)
					: this.connection
							.statement(COUNTS_FOR_UID_VALIDITY)
							.all(migrationId, sourceAccount, sourceFolder, uidValidity);
		const counts = Object.fromEntries(ITEM_STATUSES.map((status) => [status, 0])) as Record<
			ItemStatus,
			number
		>;
		for (const row of rows) counts[row.status as ItemStatus] = Number(row.count);
		return counts;
	}

	recordedUidValidities(
		migrationId: string,
		sourceAccount: string,
		sourceFolder: string,
	): number[] {
		assertFolder(migrationId, sourceAccount, sourceFolder);
		const values: number[] = [];
		const next = this.connection.statement(NEXT_UID_VALIDITY);
		for (let after = -1; ;) {
			const row = next.get(migrationId, sourceAccount, sourceFolder, after);
			if (row?.uid_validity === null || row?.uid_validity === undefined) return values;
			after = Number(row.uid_validity);
			values.push(after);
		}
	}

	listFailures(migrationId: string, sourceAccount: string, query: FailureQuery = {}): LedgerItem[] {
		assertMailbox(migrationId, sourceAccount);
		if (query.limit !== undefined) assertPositiveInteger('limit', query.limit);
		const limit = query.limit ?? NO_LIMIT;
		const rows =
			query.sourceFolder === undefined
				? this.connection.statement(FAILURES_FOR_MAILBOX).all(migrationId, sourceAccount, limit)
				: this.connection
						.statement(FAILURES_FOR_FOLDER)
						.all(migrationId, sourceAccount, query.sourceFolder, limit);
		return rows.map(toLedgerItem);
	}
}
