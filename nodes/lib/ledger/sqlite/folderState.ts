/** Per-folder state in SQLite: where the last pass over a source folder left off, one row per folder. */
import { nowIso, toFolderState } from '../sqlRows';
import type { FolderState, FolderStateInput } from '../types';
import { assertFolder, assertFolderStateInput, assertMailbox } from '../validation';
import type { SqliteConnection } from './sqliteConnection';

const GET_FOLDER = `SELECT * FROM folders WHERE migration_id = ? AND source_account = ? AND source_folder = ?`;

const LIST_FOLDERS = `SELECT * FROM folders WHERE migration_id = ? AND source_account = ? ORDER BY source_folder`;

const SET_FOLDER = `INSERT INTO folders (migration_id, source_account, source_folder, uid_validity, uid_next,
	highest_modseq, last_pass_completed_at, target_folder, counts, updated_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (migration_id, source_account, source_folder) DO UPDATE SET
		uid_validity = excluded.uid_validity, uid_next = excluded.uid_next,
		highest_modseq = excluded.highest_modseq, last_pass_completed_at = excluded.last_pass_completed_at,
		target_folder = excluded.target_folder, counts = excluded.counts, updated_at = excluded.updated_at`;

export class SqliteFolderStates {
	constructor(private readonly connection: SqliteConnection) {}

	getFolderState(
		migrationId: string,
		sourceAccount: string,
		sourceFolder: string,
	): FolderState | null {
		assertFolder(migrationId, sourceAccount, sourceFolder);
		const row = this.connection.statement(GET_FOLDER).get(migrationId, sourceAccount, sourceFolder);
		return row ? toFolderState(row) : null;
	}

	setFolderState(state: FolderStateInput): void {
		assertFolderStateInput(state);
		this.connection
			.statement(SET_FOLDER)
			.run(
				state.migrationId,
				state.sourceAccount,
				state.sourceFolder,
				state.uidValidity,
				state.uidNext,
				state.highestModseq,
				state.lastPassCompletedAt,
				state.targetFolder,
				JSON.stringify(state.counts),
				nowIso(),
			);
	}

	listFolderStates(migrationId: string, sourceAccount: string): FolderState[] {
		assertMailbox(migrationId, sourceAccount);
		return this.connection
			.statement(LIST_FOLDERS)
			.all(migrationId, sourceAccount)
			.map(toFolderState);
	}
}
