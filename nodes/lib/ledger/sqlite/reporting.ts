/**
 * The migration-wide reads of the SQLite ledger (see ../reporting): counts and bytes grouped in SQL, the newest runs
 * picked by a window function, item lists in key-ordered pages. A filter to some accounts travels as one JSON array.
 */
import type { SQLInputValue } from 'node:sqlite';

import type {
	ItemPageQuery,
	MailboxOverview,
	NotMigratedCount,
	NotMigratedStatus,
	ReportMark,
	TimeWindow,
} from '../reporting';
import { ITEM_COLUMNS, nowIso, toLedgerItem, toRunRecord, type SqlRow } from '../sqlRows';
import { ITEM_STATUSES, type ItemStatus, type LedgerItem, type RunRecord } from '../types';
import { assertItemKey, assertPositiveInteger, assertText, LedgerInputError } from '../validation';
import { NO_LIMIT, type SqliteConnection } from './sqliteConnection';

type Params = Record<string, SQLInputValue>;

/** `$accounts` is null (every account) or a JSON array of ledger accounts. */
const IN_ACCOUNTS = `($accounts IS NULL OR source_account IN (SELECT value FROM json_each($accounts)))`;

const ITEM_TOTALS = `SELECT source_account, status, COUNT(*) AS count, SUM(size) AS bytes FROM items
	WHERE migration_id = $migrationId AND ${IN_ACCOUNTS} GROUP BY source_account, status`;

const COPY_MODES = `('full', 'delta')`;

const RUN_TOTALS = `SELECT source_account, SUM(mode IN ${COPY_MODES}) AS copy_runs,
	SUM(CASE WHEN mode IN ${COPY_MODES} THEN COALESCE(json_extract(summary, '$.seconds'), 0) ELSE 0 END) AS copy_seconds,
	MIN(started_at) AS first_started_at, MAX(finished_at) AS last_finished_at
	FROM runs WHERE migration_id = $migrationId AND mode <> 'dryRun' AND ${IN_ACCOUNTS} GROUP BY source_account`;

const NEWEST_RUNS = `SELECT * FROM (SELECT runs.*, ROW_NUMBER() OVER (
		PARTITION BY source_account, mode = 'verify' ORDER BY started_at DESC, rowid DESC) AS newest
	FROM runs WHERE migration_id = $migrationId AND mode IN ('full', 'delta', 'verify') AND ${IN_ACCOUNTS})
	WHERE newest = 1`;

const BINDINGS = `SELECT ledger_account, source_account, target_account FROM mailbox_targets
	WHERE migration_id = $migrationId
		AND ($accounts IS NULL OR ledger_account IN (SELECT value FROM json_each($accounts)))`;

/** Items after `$after*` in key order (a null `$afterAccount` starts at the beginning). */
const AFTER_KEY = `($afterAccount IS NULL
	OR (source_account, source_folder, uid_validity, uid) > ($afterAccount, $afterFolder, $afterUidValidity, $afterUid))`;

const KEY_ORDER = `ORDER BY source_account, source_folder, uid_validity, uid LIMIT $limit`;

const NOT_MIGRATED = `SELECT ${ITEM_COLUMNS} FROM items
	WHERE migration_id = $migrationId AND status IN ('failed', 'skipped', 'pending') AND ${IN_ACCOUNTS}
		AND ${AFTER_KEY} ${KEY_ORDER}`;

const NOT_MIGRATED_COUNTS = `SELECT source_account, status, oversize_handling = 'skipped' AS oversize,
		COUNT(*) AS count, SUM(size) AS bytes
	FROM items WHERE migration_id = $migrationId AND status IN ('failed', 'skipped', 'pending') AND ${IN_ACCOUNTS}
	GROUP BY source_account, status, oversize ORDER BY source_account, status, oversize`;

/** Served by the partial index `items_failed_by_time` (schema version 7). */
const IN_WINDOW = `migration_id = $migrationId AND status = 'failed'
	AND ($since IS NULL OR updated_at > $since) AND updated_at <= $until AND ${IN_ACCOUNTS}`;

const FAILED_IN_WINDOW = `SELECT ${ITEM_COLUMNS} FROM items WHERE ${IN_WINDOW} AND ${AFTER_KEY} ${KEY_ORDER}`;

const FAILED_COUNT_IN_WINDOW = `SELECT COUNT(*) AS count FROM items WHERE ${IN_WINDOW}`;

const FAILED_RUNS_IN_WINDOW = `SELECT * FROM runs WHERE migration_id = $migrationId AND status = 'failed'
	AND ($since IS NULL OR finished_at > $since) AND finished_at <= $until AND ${IN_ACCOUNTS}
	ORDER BY finished_at, rowid`;

const GET_MARK = `SELECT until, seen FROM report_marks WHERE migration_id = ? AND report = ?`;

const SET_MARK = `INSERT INTO report_marks (migration_id, report, until, seen, updated_at) VALUES (?, ?, ?, ?, ?)
	ON CONFLICT (migration_id, report) DO UPDATE SET until = excluded.until, seen = excluded.seen,
		updated_at = excluded.updated_at`;

const DELETE_MARK = `DELETE FROM report_marks WHERE migration_id = ? AND report = ?`;

function zeroByStatus(): Record<ItemStatus, number> {
	return Object.fromEntries(ITEM_STATUSES.map((status) => [status, 0])) as Record<
		ItemStatus,
		number
	>;
}

function accountsParam(sourceAccounts: readonly string[] | undefined): string | null {
	if (sourceAccounts === undefined) return null;
	for (const account of sourceAccounts) assertText('sourceAccount', account);
	return JSON.stringify(sourceAccounts);
}

function pageParams(migrationId: string, query: ItemPageQuery): Params {
	assertText('migrationId', migrationId);
	if (query.limit !== undefined) assertPositiveInteger('limit', query.limit);
	if (query.after) assertItemKey(query.after);
	return {
		migrationId,
		accounts: accountsParam(query.sourceAccounts),
		afterAccount: query.after?.sourceAccount ?? null,
		afterFolder: query.after?.sourceFolder ?? null,
		afterUidValidity: query.after?.uidValidity ?? null,
		afterUid: query.after?.uid ?? null,
		limit: query.limit ?? NO_LIMIT,
	};
}

function windowParams(window: TimeWindow): Params {
	if (window.since !== null) assertTime('since', window.since);
	assertTime('until', window.until);
	return { since: window.since, until: window.until };
}

/** Times compare as text, so only the form the ledger writes (`toISOString`) compares right. */
function assertTime(name: string, value: string): void {
	if (typeof value !== 'string' || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(value)) {
		throw new LedgerInputError(
			`${name} must be an ISO 8601 UTC time such as 2025-01-31T22:00:00.000Z`,
		);
	}
}

export class SqliteReporting {
	constructor(private readonly connection: SqliteConnection) {}

	listMailboxOverviews(migrationId: string, sourceAccounts?: readonly string[]): MailboxOverview[] {
		assertText('migrationId', migrationId);
		const params = { migrationId, accounts: accountsParam(sourceAccounts) };
		const overviews = new Map<string, MailboxOverview>();
		const overviewOf = (account: unknown): MailboxOverview => {
			const sourceAccount = String(account);
			let overview = overviews.get(sourceAccount);
			if (!overview) {
				overview = {
					sourceAccount,
					binding: null,
					items: zeroByStatus(),
					bytes: zeroByStatus(),
					lastCopyRun: null,
					lastVerifyRun: null,
					copyRuns: 0,
					copySeconds: 0,
					firstStartedAt: null,
					lastFinishedAt: null,
				};
				overviews.set(sourceAccount, overview);
			}
			return overview;
		};
		for (const row of this.connection.statement(ITEM_TOTALS).all(params)) {
			const overview = overviewOf(row.source_account);
			overview.items[row.status as ItemStatus] = Number(row.count);
			overview.bytes[row.status as ItemStatus] = Number(row.bytes ?? 0);
		}
		for (const row of this.connection.statement(RUN_TOTALS).all(params)) {
			const overview = overviewOf(row.source_account);
			overview.copyRuns = Number(row.copy_runs ?? 0);
			overview.copySeconds = Number(row.copy_seconds ?? 0);
			overview.firstStartedAt = row.first_started_at === null ? null : String(row.first_started_at);
			overview.lastFinishedAt = row.last_finished_at === null ? null : String(row.last_finished_at);
		}
		for (const row of this.connection.statement(NEWEST_RUNS).all(params)) {
			const run = toRunRecord(row);
			const overview = overviewOf(run.sourceAccount);
			if (run.mode === 'verify') overview.lastVerifyRun = run;
			else overview.lastCopyRun = run;
		}
		for (const row of this.connection.statement(BINDINGS).all(params)) {
			overviewOf(row.ledger_account).binding = {
				sourceAccount: String(row.source_account),
				targetAccount: String(row.target_account),
			};
		}
		return [...overviews.values()].sort((a, b) =>
			a.sourceAccount < b.sourceAccount ? -1 : a.sourceAccount > b.sourceAccount ? 1 : 0,
		);
	}

	listNotMigrated(migrationId: string, query: ItemPageQuery = {}): LedgerItem[] {
		return this.connection
			.statement(NOT_MIGRATED)
			.all(pageParams(migrationId, query))
			.map(toLedgerItem);
	}

	countNotMigrated(migrationId: string, sourceAccounts?: readonly string[]): NotMigratedCount[] {
		assertText('migrationId', migrationId);
		return this.connection
			.statement(NOT_MIGRATED_COUNTS)
			.all({ migrationId, accounts: accountsParam(sourceAccounts) })
			.map((row: SqlRow) => ({
				sourceAccount: String(row.source_account),
				status: String(row.status) as NotMigratedStatus,
				oversize: Number(row.oversize ?? 0) === 1,
				count: Number(row.count),
				bytes: Number(row.bytes ?? 0),
			}));
	}

	listFailedItemsIn(
		migrationId: string,
		window: TimeWindow,
		query: ItemPageQuery = {},
	): LedgerItem[] {
		return this.connection
			.statement(FAILED_IN_WINDOW)
			.all({ ...pageParams(migrationId, query), ...windowParams(window) })
			.map(toLedgerItem);
	}

	countFailedItemsIn(
		migrationId: string,
		window: TimeWindow,
		sourceAccounts?: readonly string[],
	): number {
		assertText('migrationId', migrationId);
		const row = this.connection.statement(FAILED_COUNT_IN_WINDOW).get({
			migrationId,
			accounts: accountsParam(sourceAccounts),
			...windowParams(window),
		});
		return Number(row?.count ?? 0);
	}

	listFailedRunsIn(
		migrationId: string,
		window: TimeWindow,
		sourceAccounts?: readonly string[],
	): RunRecord[] {
		assertText('migrationId', migrationId);
		return this.connection
			.statement(FAILED_RUNS_IN_WINDOW)
			.all({ migrationId, accounts: accountsParam(sourceAccounts), ...windowParams(window) })
			.map(toRunRecord);
	}

	getReportMark(migrationId: string, report: string): ReportMark | null {
		assertText('migrationId', migrationId);
		assertText('report', report);
		const row = this.connection.statement(GET_MARK).get(migrationId, report);
		return row
			? { until: String(row.until), seen: JSON.parse(String(row.seen)) as string[] }
			: null;
	}

	setReportMark(migrationId: string, report: string, mark: ReportMark): void {
		assertText('migrationId', migrationId);
		assertText('report', report);
		assertTime('until', mark.until);
		const seen = JSON.stringify(mark.seen.map(String));
		this.connection.writeTransaction(() =>
			this.connection.statement(SET_MARK).run(migrationId, report, mark.until, seen, nowIso()),
		);
	}

	deleteReportMark(migrationId: string, report: string): boolean {
		assertText('migrationId', migrationId);
		assertText('report', report);
		const { changes } = this.connection.statement(DELETE_MARK).run(migrationId, report);
		return Number(changes) === 1;
	}
}
