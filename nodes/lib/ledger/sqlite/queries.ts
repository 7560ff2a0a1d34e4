/**
 * The reading side of the SQLite item records beyond the copy itself: what a run resumes from (pending items) and
 * what reports show (counts by status, failures).
 */
import { ITEM_COLUMNS, toLedgerItem } from '../sqlRows';
import { ITEM_STATUSES, type FailureQuery, type ItemStatus, type LedgerItem } from '../types';
import { assertMailbox, assertPositiveInteger } from '../validation';
import { NO_LIMIT, type SqliteConnection } from './sqliteConnection';

const PENDING = `SELECT ${ITEM_COLUMNS} FROM items
	WHERE migration_id = ? AND source_account = ? AND status = 'pending' ORDER BY source_folder, uid_validity, uid`;

const COUNTS_FOR_MAILBOX = `SELECT status, COUNT(*) AS count FROM items
	WHERE migration_id = ? AND source_account = ? GROUP BY status`;

const COUNTS_FOR_FOLDER = `SELECT status, COUNT(*) AS count FROM items
	WHERE migration_id = ? AND source_account = ? AND source_folder = ? GROUP BY status`;

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
	): Record<ItemStatus, number> {
		assertMailbox(migrationId, sourceAccount);
		const rows =
			sourceFolder === undefined
				? this.connection.statement(COUNTS_FOR_MAILBOX).all(migrationId, sourceAccount)
				: this.connection
						.statement(COUNTS_FOR_FOLDER)
						.all(migrationId, sourceAccount, sourceFolder);
		const counts = Object.fromEntries(ITEM_STATUSES.map((status) => [status, 0])) as Record<
			ItemStatus,
			number
		>;
		for (const row of rows) counts[row.status as ItemStatus] = Number(row.count);
		return counts;
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
