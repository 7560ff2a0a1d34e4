/**
 * Item records in SQLite: the write-ahead intents, the outcomes and flag syncs the copy writes in batches (one
 * transaction each), and the single-item and folder-window reads it compares a listing against.
 */
import type { SQLInputValue } from 'node:sqlite';

import {
	FOLDER_ITEM_COLUMNS,
	ITEM_COLUMNS,
	nowIso,
	oversizeHandlingColumn,
	oversizeLimitColumn,
	oversizeZippingColumn,
	toFolderItems,
	toLedgerItem,
} from '../sqlRows';
import type {
	FlagSync,
	FolderItems,
	ItemIntent,
	ItemKey,
	ItemOutcome,
	LedgerItem,
	UidRange,
} from '../types';
import {
	assertFlagSync,
	assertFolder,
	assertIntent,
	assertItemKey,
	assertOutcome,
	assertUid32,
} from '../validation';
import type { SqliteConnection } from './sqliteConnection';

type Params = Record<string, SQLInputValue>;

/** Matches one item by the named parameters of its key (as `itemKeyParams` gives them). */
export const ITEM_KEY_MATCH = `migration_id = $migrationId AND source_account = $sourceAccount
	AND source_folder = $sourceFolder AND uid_validity = $uidValidity AND uid = $uid`;

const FACT_UPDATES = `message_id = excluded.message_id, size = excluded.size,
	internal_date = excluded.internal_date, fingerprint = COALESCE(excluded.fingerprint, items.fingerprint),
	target_folder = excluded.target_folder, flags = excluded.flags, modseq = excluded.modseq`;

const RECORD_INTENT = `INSERT INTO items (${ITEM_COLUMNS}) VALUES ($migrationId, $sourceAccount, $sourceFolder,
	$uidValidity, $uid, $messageId, $size, $internalDate, $fingerprint, $targetFolder, NULL, NULL, 'pending',
	NULL, $flags, $modseq, 1, $now, $now, NULL, NULL, NULL)
	ON CONFLICT (migration_id, source_account, source_folder, uid_validity, uid) DO UPDATE SET ${FACT_UPDATES},
		status = 'pending', reason = NULL, target_uid_validity = NULL, target_uid = NULL,
		oversize_handling = NULL, oversize_limit = NULL, oversize_zipping = NULL,
		attempts = items.attempts + 1, updated_at = excluded.updated_at`;

// A failure with no intent before it (e.g. the FETCH failed) still counts as an attempt.
const RECORD_OUTCOME = `INSERT INTO items (${ITEM_COLUMNS}) VALUES ($migrationId, $sourceAccount, $sourceFolder,
	$uidValidity, $uid, $messageId, $size, $internalDate, $fingerprint, $targetFolder, $targetUidValidity,
	$targetUid, $status, $reason, $flags, $modseq, CASE WHEN $status = 'failed' THEN 1 ELSE 0 END, $now, $now,
	$oversizeHandling, $oversizeLimit, $oversizeZipping)
	ON CONFLICT (migration_id, source_account, source_folder, uid_validity, uid) DO UPDATE SET ${FACT_UPDATES},
		status = excluded.status, reason = excluded.reason, target_uid_validity = excluded.target_uid_validity,
		target_uid = excluded.target_uid, oversize_handling = excluded.oversize_handling,
		oversize_limit = excluded.oversize_limit, oversize_zipping = excluded.oversize_zipping,
		attempts = items.attempts + (excluded.status = 'failed' AND items.status <> 'pending'),
		updated_at = excluded.updated_at`;

const RECORD_FLAGS = `UPDATE items SET flags = $flags, modseq = $modseq, updated_at = $now WHERE ${ITEM_KEY_MATCH}`;

const GET_ITEM = `SELECT ${ITEM_COLUMNS} FROM items WHERE ${ITEM_KEY_MATCH}`;

const FOLDER_ITEMS = `SELECT ${FOLDER_ITEM_COLUMNS}
	FROM items WHERE migration_id = ? AND source_account = ? AND source_folder = ? AND uid_validity = ?`;

const FOLDER_ITEMS_IN_RANGE = `${FOLDER_ITEMS} AND uid BETWEEN ? AND ?`;

const FOLDER_ITEMS_PAGE = `${FOLDER_ITEMS_IN_RANGE} ORDER BY uid LIMIT ?`;

function itemKeyParams(key: ItemKey): Params {
	return {
		migrationId: key.migrationId,
		sourceAccount: key.sourceAccount,
		sourceFolder: key.sourceFolder,
		uidValidity: key.uidValidity,
		uid: key.uid,
	};
}

function intentParams(item: ItemIntent, now: string): Params {
	return {
		...itemKeyParams(item),
		messageId: item.messageId,
		size: item.size,
		internalDate: item.internalDate,
		fingerprint: item.fingerprint,
		targetFolder: item.targetFolder,
		flags: item.flags,
		modseq: item.modseq,
		now,
	};
}

function outcomeParams(item: ItemOutcome, now: string): Params {
	return {
		...intentParams(item, now),
		status: item.status,
		reason: item.reason,
		targetUidValidity: item.targetUidValidity,
		targetUid: item.targetUid,
		oversizeHandling: oversizeHandlingColumn(item.oversize),
		oversizeLimit: oversizeLimitColumn(item.oversize),
		oversizeZipping: oversizeZippingColumn(item.oversize),
	};
}

function flagParams(update: FlagSync, now: string): Params {
	return { ...itemKeyParams(update), flags: update.flags, modseq: update.modseq, now };
}

export class SqliteItems {
	constructor(private readonly connection: SqliteConnection) {}

	/** `guard` runs first inside the batch's transaction and may refuse the whole batch by throwing. */
	recordIntents(items: readonly ItemIntent[], guard?: () => void): void {
		for (const item of items) assertIntent(item);
		this.writeBatch(RECORD_INTENT, items, intentParams, guard);
	}

	recordOutcomes(items: readonly ItemOutcome[]): void {
		for (const item of items) assertOutcome(item);
		this.writeBatch(RECORD_OUTCOME, items, outcomeParams);
	}

	recordFlags(updates: readonly FlagSync[]): number {
		for (const update of updates) assertFlagSync(update);
		return this.writeBatch(RECORD_FLAGS, updates, flagParams);
	}

	getItem(key: ItemKey): LedgerItem | null {
		assertItemKey(key);
		const row = this.connection.statement(GET_ITEM).get(itemKeyParams(key));
		return row ? toLedgerItem(row) : null;
	}

	getFolderItems(
		migrationId: string,
		sourceAccount: string,
		sourceFolder: string,
		uidValidity: number,
		uidRange?: UidRange,
		limit?: number,
	): FolderItems {
		assertFolder(migrationId, sourceAccount, sourceFolder);
		assertUid32('uidValidity', uidValidity);
		if (limit !== undefined) {
			if (!Number.isInteger(limit) || limit < 1)
				throw new Error(`limit must be a positive integer`);
			return toFolderItems(
				this.connection.allAsArrays(
					FOLDER_ITEMS_PAGE,
					migrationId,
					sourceAccount,
					sourceFolder,
					uidValidity,
					uidRange?.from ?? 0,
					uidRange?.to ?? 0xffffffff,
					limit,
				),
			);
		}
		return toFolderItems(
			uidRange
				? this.connection.allAsArrays(
						FOLDER_ITEMS_IN_RANGE,
						migrationId,
						sourceAccount,
						sourceFolder,
						uidValidity,
						uidRange.from,
						uidRange.to,
					)
				: this.connection.allAsArrays(
						FOLDER_ITEMS,
						migrationId,
						sourceAccount,
						sourceFolder,
						uidValidity,
					),
		);
	}

	/** One transaction for the whole batch; returns how many rows the statement changed. */
	private writeBatch<Row>(
		sql: string,
		rows: readonly Row[],
		params: (row: Row, now: string) => Params,
		guard?: () => void,
	): number {
		if (rows.length === 0) return 0;
		const now = nowIso();
		const statement = this.connection.statement(sql);
		return this.connection.writeTransaction(() => {
			guard?.();
			let changed = 0;
			for (const row of rows) changed += Number(statement.run(params(row, now)).changes);
			return changed;
		});
	}
}
