/**
 * Moving a folder's SQLite records to a new UIDVALIDITY in one transaction: the mapped items, then the folder state,
 * whose uidNext and highestModseq described the old folder. With the same UIDVALIDITY, only the items move to their
 * new UIDs.
 */
import { nowIso } from '../sqlRows';
import type { RebindResult, UidMapping } from '../types';
import { assertFolder, assertRebind } from '../validation';
import { ITEM_KEY_MATCH } from './items';
import type { SqliteConnection } from './sqliteConnection';

/** Leaves an item alone when its new UID already has a record of its own. */
const REBIND_ITEM = `UPDATE items SET uid_validity = $newUidValidity, uid = $newUid, updated_at = $now
	WHERE migration_id = $migrationId AND source_account = $sourceAccount AND source_folder = $sourceFolder
		AND uid_validity = $oldUidValidity AND uid = $oldUid
		AND NOT EXISTS (SELECT 1 FROM items WHERE migration_id = $migrationId AND source_account = $sourceAccount
			AND source_folder = $sourceFolder AND uid_validity = $newUidValidity AND uid = $newUid)`;

const ITEM_EXISTS = `SELECT 1 AS found FROM items WHERE ${ITEM_KEY_MATCH}`;

const REBIND_FOLDER = `UPDATE folders SET uid_validity = ?, uid_next = NULL, highest_modseq = NULL, updated_at = ?
	WHERE migration_id = ? AND source_account = ? AND source_folder = ? AND uid_validity = ?`;

const COUNT_UNDER_UID_VALIDITY = `SELECT COUNT(*) AS count FROM items
	WHERE migration_id = ? AND source_account = ? AND source_folder = ? AND uid_validity = ?`;

export class SqliteUidValidityRebind {
	constructor(private readonly connection: SqliteConnection) {}

	rebindUidValidity(
		migrationId: string,
		sourceAccount: string,
		sourceFolder: string,
		oldUidValidity: number,
		newUidValidity: number,
		mapping: readonly UidMapping[],
	): RebindResult {
		assertFolder(migrationId, sourceAccount, sourceFolder);
		assertRebind(oldUidValidity, newUidValidity, mapping);
		const now = nowIso();
		const folder = { migrationId, sourceAccount, sourceFolder };
		return this.connection.writeTransaction(() => {
			let rebound = 0;
			let conflicts = 0;
			for (const { oldUid, newUid } of mapping) {
				const changes = Number(
					this.connection.statement(REBIND_ITEM).run({
						...folder,
						oldUidValidity,
						oldUid,
						newUidValidity,
						newUid,
						now,
					}).changes,
				);
				if (changes === 1) {
					rebound++;
				} else if (
					this.connection
						.statement(ITEM_EXISTS)
						.get({ ...folder, uidValidity: oldUidValidity, uid: oldUid })
				) {
					conflicts++;
				}
			}
			// Within one UIDVALIDITY (messages that left the folder and came back) the folder state still holds.
			if (oldUidValidity !== newUidValidity) {
				this.connection
					.statement(REBIND_FOLDER)
					.run(newUidValidity, now, migrationId, sourceAccount, sourceFolder, oldUidValidity);
			}
			const left = this.connection
				.statement(COUNT_UNDER_UID_VALIDITY)
				.get(migrationId, sourceAccount, sourceFolder, oldUidValidity);
			return { rebound, conflicts, leftUnderOldUidValidity: Number(left?.count ?? 0) };
		});
	}
}
