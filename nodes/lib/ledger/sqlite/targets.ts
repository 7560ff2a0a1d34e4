/**
 * Which targets each source mailbox was copied to, in SQLite: one row per (source, target) pair naming the ledger
 * account its records are kept under. Read and bound in one write transaction, so two runs binding at once agree.
 */
import { ledgerAccountFor } from '../mailboxTargets';
import { nowIso } from '../sqlRows';
import type { MailboxTargetBinding } from '../types';
import { assertMailbox, assertText } from '../validation';
import type { SqliteConnection } from './sqliteConnection';

const TARGETS_OF_SOURCE = `SELECT target_account, ledger_account FROM mailbox_targets
	WHERE migration_id = ? AND source_account = ? ORDER BY bound_at, target_account`;

const BIND_TARGET = `INSERT INTO mailbox_targets
	(migration_id, source_account, target_account, ledger_account, bound_at) VALUES (?, ?, ?, ?, ?)`;

export class SqliteMailboxTargets {
	constructor(private readonly connection: SqliteConnection) {}

	bindMailboxTarget(
		migrationId: string,
		sourceAccount: string,
		targetAccount: string,
		lookOnly = false,
	): MailboxTargetBinding {
		assertMailbox(migrationId, sourceAccount);
		assertText('targetAccount', targetAccount);
		const find = (): MailboxTargetBinding => {
			const rows = this.connection
				.statement(TARGETS_OF_SOURCE)
				.all(migrationId, sourceAccount)
				.map((row) => ({
					target: String(row.target_account),
					account: String(row.ledger_account),
				}));
			const earlierTargets = rows
				.filter((row) => row.target !== targetAccount)
				.map((row) => row.target);
			const known = rows.find((row) => row.target === targetAccount);
			if (known) return { ledgerAccount: known.account, earlierTargets, bound: false };
			const ledgerAccount = ledgerAccountFor(sourceAccount, targetAccount, rows.length === 0);
			if (!lookOnly) {
				this.connection
					.statement(BIND_TARGET)
					.run(migrationId, sourceAccount, targetAccount, ledgerAccount, nowIso());
			}
			return { ledgerAccount, earlierTargets, bound: !lookOnly };
		};
		return lookOnly ? find() : this.connection.writeTransaction(find);
	}
}
