/** The SQLite record of runs: one row per run of the engine over a mailbox, from start to finish. */
import { randomUUID } from 'node:crypto';

import { nowIso, toRunRecord, type SqlRow } from '../sqlRows';
import type { RunFinish, RunRecord, RunStart } from '../types';
import { LedgerInputError, assertMailbox, assertPositiveInteger, assertText } from '../validation';
import { NO_LIMIT, type SqliteConnection } from './sqliteConnection';

const START_RUN = `INSERT INTO runs (run_id, migration_id, source_account, mode, started_at, finished_at, status,
	summary) VALUES (?, ?, ?, ?, ?, NULL, 'running', NULL)`;

const FINISH_RUN = `UPDATE runs SET finished_at = ?, status = ?, summary = ? WHERE run_id = ?`;

const GET_RUN = `SELECT * FROM runs WHERE run_id = ?`;

const LIST_RUNS = `SELECT * FROM runs WHERE migration_id = ? AND source_account = ?
	ORDER BY started_at DESC, rowid DESC LIMIT ?`;

export class SqliteRuns {
	constructor(private readonly connection: SqliteConnection) {}

	startRun(run: RunStart): RunRecord {
		assertMailbox(run.migrationId, run.sourceAccount);
		assertText('mode', run.mode);
		const runId = run.runId ?? randomUUID();
		assertText('runId', runId);
		const startedAt = run.startedAt ?? nowIso();
		this.connection
			.statement(START_RUN)
			.run(runId, run.migrationId, run.sourceAccount, run.mode, startedAt);
		return {
			runId,
			migrationId: run.migrationId,
			sourceAccount: run.sourceAccount,
			mode: run.mode,
			startedAt,
			finishedAt: null,
			status: 'running',
			summary: null,
		};
	}

	finishRun(runId: string, finish: RunFinish): RunRecord {
		assertText('runId', runId);
		const summary = finish.summary === null ? null : JSON.stringify(finish.summary);
		const finishedAt = finish.finishedAt ?? nowIso();
		const { changes } = this.connection
			.statement(FINISH_RUN)
			.run(finishedAt, finish.status, summary, runId);
		if (Number(changes) !== 1)
			throw new LedgerInputError(`no run ${JSON.stringify(runId)} to finish`);
		return toRunRecord(this.connection.statement(GET_RUN).get(runId) as SqlRow);
	}

	getRun(runId: string): RunRecord | null {
		assertText('runId', runId);
		const row = this.connection.statement(GET_RUN).get(runId);
		return row ? toRunRecord(row) : null;
	}

	listRuns(migrationId: string, sourceAccount: string, limit?: number): RunRecord[] {
		assertMailbox(migrationId, sourceAccount);
		if (limit !== undefined) assertPositiveInteger('limit', limit);
		return this.connection
			.statement(LIST_RUNS)
			.all(migrationId, sourceAccount, limit ?? NO_LIMIT)
			.map(toRunRecord);
	}
}
