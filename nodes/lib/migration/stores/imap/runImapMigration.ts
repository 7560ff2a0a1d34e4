import { describeEndpoint, type ImapEndpoint } from '../../../imap/endpoint';
import type { LedgerStore } from '../../../ledger/types';
import { migrateMailbox } from '../../migrateMailbox';
import type {
	CopyTuning,
	EngineControls,
	EngineLogger,
	MailboxReport,
	MigrationMode,
	MigrationProgress,
	OversizePolicy,
} from '../../types';
import { routeFolders, type FolderRules } from './folderRouting';
import { ImapMailSource, ImapMailTarget } from './imapStores';

export interface ImapMigrationRequest {
	source: ImapEndpoint;
	target: ImapEndpoint;
	migrationId: string;
	mode: MigrationMode;
	folderRules: FolderRules;
	tuning?: Partial<CopyTuning>;
	/** Host limits and stop conditions shared with the other mailboxes of the execution. */
	controls?: EngineControls;
	oversize?: Partial<OversizePolicy>;
	maxFailedItemsReported?: number;
	ledger: LedgerStore;
	owner: string;
	logger?: EngineLogger;
	onProgress?: (progress: MigrationProgress) => void;
	signal?: AbortSignal;
	afterAppend?: () => void;
}

/** The ledger's name for a source mailbox: login and server, so the same login on two servers never mixes. */
export function sourceAccountOf(endpoint: ImapEndpoint): string {
	return `${endpoint.login.mailbox}@${endpoint.host}:${endpoint.port}`;
}

/** One IMAP-to-IMAP mailbox migration: the engine wired to IMAP sessions and folder rules. */
export async function runImapMigration(request: ImapMigrationRequest): Promise<MailboxReport> {
	request.logger?.info(
		`Migrating ${describeEndpoint(request.source)} to ${describeEndpoint(request.target)}`,
		{
			mode: request.mode,
		},
	);
	return await migrateMailbox(
		{
			migrationId: request.migrationId,
			mode: request.mode,
			sourceAccount: sourceAccountOf(request.source),
			mailbox: request.source.login.mailbox,
			targetMailbox: request.target.login.mailbox,
			ledger: request.ledger,
			owner: request.owner,
			tuning: request.tuning,
			controls: request.controls,
			oversize: request.oversize,
			maxFailedItemsReported: request.maxFailedItemsReported,
			logger: request.logger,
			onProgress: request.onProgress,
			signal: request.signal,
			afterAppend: request.afterAppend,
		},
		{
			openSource: async () => await ImapMailSource.open(request.source),
			openTarget: async () => await ImapMailTarget.open(request.target),
		},
		routeFolders(request.folderRules),
	);
}
