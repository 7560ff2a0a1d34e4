import { migrateMailbox } from '../migrateMailbox';
import type { MailboxSide, SourceSide } from '../stores/storeSides';
import type { MailTarget } from '../mailStore';
import type { MailboxReport, MigrationRequest } from '../types';
import { routeFolders, type FolderRules } from '../folderRouting';

/** The engine's request with the two sides of the mailbox in place of their names, and the folder rules. */
export interface MailboxMigrationRequest extends Omit<
	MigrationRequest,
	'sourceAccount' | 'targetAccount' | 'mailbox' | 'targetMailbox'
> {
	source: SourceSide;
	target: MailboxSide<MailTarget>;
	folderRules: FolderRules;
}

/** One mailbox migration between any two stores (see storeSides.ts): the engine wired to their sessions. */
export async function runMailboxMigration(
	request: MailboxMigrationRequest,
): Promise<MailboxReport> {
	const { source, target, folderRules, ...engineRequest } = request;
	request.logger?.info(`Migrating ${source.label} to ${target.label}`, { mode: request.mode });
	return await migrateMailbox(
		{
			...engineRequest,
			sourceAccount: source.account,
			targetAccount: target.account,
			mailbox: source.mailbox,
			targetMailbox: target.mailbox,
		},
		{ openSource: source.open, openTarget: target.open },
		routeFolders(folderRules),
	);
}
