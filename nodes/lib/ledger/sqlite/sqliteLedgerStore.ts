/**
 * LedgerStore on Node's built-in `node:sqlite` (one file per n8n instance, shared by every process on the host),
 * composed of one part per table group, each holding its own SQL:
 * - `items`: write-ahead intents, outcomes and flag syncs; single items and folder windows
 * - `queries`: pending items, counts by status, failures
 * - `uidValidityRebind`: moving a folder's records to a new UIDVALIDITY
 * - `folderState`, `runs`, `leases` (mailbox locks, checked inside each write-ahead batch), `targets` (which target
 *   each source was copied to, and the ledger account its records are under)
 * - `communications`: the send ledger of user communications (Notify CRM)
 * - `reporting`: migration-wide reads for reports, and the marks of how far each report has read
 * - `routingSnapshots`: Set Routing's snapshots of users' routing attributes
 * - `sqliteConnection`: settings, prepared-statement cache, write transactions; `sqliteSchema`: the tables
 * What is not SQLite's own is shared with any other store: input checks (`../validation`), lease rules
 * (`../mailboxLeases`), and rows <-> records for SQL stores (`../sqlRows`).
 *
 * Every method runs its SQL synchronously inside one call, so no transaction is ever held across an `await` and
 * stores in the same thread never wait on each other; other processes wait up to `busyTimeoutMs`.
 */
import type { DatabaseSync } from 'node:sqlite';

import type {
	FailureQuery,
	FlagSync,
	FolderItems,
	FolderState,
	FolderStateInput,
	ItemIntent,
	ItemKey,
	ItemOutcome,
	ItemStatus,
	LedgerItem,
	LedgerStore,
	LockAttempt,
	MailboxLease,
	MailboxTargetBinding,
	RebindResult,
	RunFinish,
	RunRecord,
	RunStart,
	UidMapping,
	UidRange,
} from '../types';
import type {
	ProvisionedAccount,
	ProvisionedAccountInput,
	ProvisionedAccountKey,
	ProvisioningClaimAttempt,
	ProvisioningClaimRequest,
} from '../provisionedAccounts';
import type {
	ItemPageQuery,
	MailboxOverview,
	NotMigratedCount,
	ReportMark,
	TimeWindow,
} from '../reporting';
import type {
	RoutingKey,
	RoutingSnapshot,
	RoutingSnapshotQuery,
	RoutingSwitchIntent,
} from '../routingSnapshots';
import { assertLease } from '../validation';
import type {
	CommunicationClaim,
	CommunicationClaimAttempt,
	CommunicationClaimRequest,
	CommunicationKey,
	CommunicationRecord,
	CommunicationSent,
} from '../communications';
import { SqliteCommunications } from './communications';
import { SqliteFolderStates } from './folderState';
import { SqliteItems } from './items';
import { SqliteMailboxLocks } from './leases';
import { SqliteItemQueries } from './queries';
import { SqliteRoutingSnapshots } from './routingSnapshots';
import { SqliteRuns } from './runs';
import { SqliteMailboxTargets } from './targets';
import { SqliteProvisionedAccounts } from './provisionedAccounts';
import { SqliteReporting } from './reporting';
import { SqliteConnection, type SqliteLedgerSettings } from './sqliteConnection';
import { SqliteUidValidityRebind } from './uidValidityRebind';

export type { SqliteDurability, SqliteLedgerSettings } from './sqliteConnection';

/** The parts are synchronous; the async methods here turn their throws into rejections, as `LedgerStore` promises. */
export class SqliteLedgerStore implements LedgerStore {
	private readonly connection: SqliteConnection;
	private readonly items: SqliteItems;
	private readonly queries: SqliteItemQueries;
	private readonly rebind: SqliteUidValidityRebind;
	private readonly folders: SqliteFolderStates;
	private readonly runs: SqliteRuns;
	private readonly locks: SqliteMailboxLocks;
	private readonly targets: SqliteMailboxTargets;
	private readonly provisioned: SqliteProvisionedAccounts;
	private readonly communications: SqliteCommunications;
	private readonly reporting: SqliteReporting;
	private readonly routing: SqliteRoutingSnapshots;

	/** Takes an open database; `openLedger` is the public way in. */
	constructor(db: DatabaseSync, settings: SqliteLedgerSettings) {
		this.connection = new SqliteConnection(db, settings);
		this.items = new SqliteItems(this.connection);
		this.queries = new SqliteItemQueries(this.connection);
		this.rebind = new SqliteUidValidityRebind(this.connection);
		this.folders = new SqliteFolderStates(this.connection);
		this.runs = new SqliteRuns(this.connection);
		this.locks = new SqliteMailboxLocks(this.connection);
		this.targets = new SqliteMailboxTargets(this.connection);
		this.provisioned = new SqliteProvisionedAccounts(this.connection);
		this.communications = new SqliteCommunications(this.connection);
		this.reporting = new SqliteReporting(this.connection);
		this.routing = new SqliteRoutingSnapshots(this.connection);
	}

	async recordIntents(items: readonly ItemIntent[], lease?: MailboxLease): Promise<void> {
		if (lease) assertLease(lease);
		this.items.recordIntents(items, lease && (() => this.locks.assertHeld(lease)));
	}

	async recordOutcomes(items: readonly ItemOutcome[]): Promise<void> {
		this.items.recordOutcomes(items);
	}

	async recordFlags(updates: readonly FlagSync[]): Promise<number> {
		return this.items.recordFlags(updates);
	}

	async getItem(key: ItemKey): Promise<LedgerItem | null> {
		return this.items.getItem(key);
	}

	async getFolderItems(
		migrationId: string,
		sourceAccount: string,
		sourceFolder: string,
		uidValidity: number,
		uidRange?: UidRange,
		limit?: number,
	): Promise<FolderItems> {
		return this.items.getFolderItems(
			migrationId,
			sourceAccount,
			sourceFolder,
			uidValidity,
			uidRange,
			limit,
		);
	}

	async getPending(migrationId: string, sourceAccount: string): Promise<LedgerItem[]> {
		return this.queries.getPending(migrationId, sourceAccount);
	}

	async countsByStatus(
		migrationId: string,
		sourceAccount: string,
		sourceFolder?: string,
		uidValidity?: number,
	): Promise<Record<ItemStatus, number>> {
		return this.queries.countsByStatus(migrationId, sourceAccount, sourceFolder, uidValidity);
	}

	async recordedUidValidities(
		migrationId: string,
		sourceAccount: string,
		sourceFolder: string,
	): Promise<number[]> {
		return this.queries.recordedUidValidities(migrationId, sourceAccount, sourceFolder);
	}

	async listFailures(
		migrationId: string,
		sourceAccount: string,
		query?: FailureQuery,
	): Promise<LedgerItem[]> {
		return this.queries.listFailures(migrationId, sourceAccount, query);
	}

	async rebindUidValidity(
		migrationId: string,
		sourceAccount: string,
		sourceFolder: string,
		oldUidValidity: number,
		newUidValidity: number,
		mapping: readonly UidMapping[],
	): Promise<RebindResult> {
		return this.rebind.rebindUidValidity(
			migrationId,
			sourceAccount,
			sourceFolder,
			oldUidValidity,
			newUidValidity,
			mapping,
		);
	}

	async getFolderState(
		migrationId: string,
		sourceAccount: string,
		sourceFolder: string,
	): Promise<FolderState | null> {
		return this.folders.getFolderState(migrationId, sourceAccount, sourceFolder);
	}

	async setFolderState(state: FolderStateInput): Promise<void> {
		this.folders.setFolderState(state);
	}

	async listFolderStates(migrationId: string, sourceAccount: string): Promise<FolderState[]> {
		return this.folders.listFolderStates(migrationId, sourceAccount);
	}

	async startRun(run: RunStart): Promise<RunRecord> {
		return this.runs.startRun(run);
	}

	async finishRun(runId: string, finish: RunFinish): Promise<RunRecord> {
		return this.runs.finishRun(runId, finish);
	}

	async getRun(runId: string): Promise<RunRecord | null> {
		return this.runs.getRun(runId);
	}

	async listRuns(migrationId: string, sourceAccount: string, limit?: number): Promise<RunRecord[]> {
		return this.runs.listRuns(migrationId, sourceAccount, limit);
	}

	async acquireMailboxLock(
		migrationId: string,
		sourceAccount: string,
		owner: string,
		ttlMs: number,
		replacing?: string,
	): Promise<LockAttempt> {
		return this.locks.acquireMailboxLock(migrationId, sourceAccount, owner, ttlMs, replacing);
	}

	async renewMailboxLock(lease: MailboxLease, ttlMs: number): Promise<MailboxLease | null> {
		return this.locks.renewMailboxLock(lease, ttlMs);
	}

	async releaseMailboxLock(lease: MailboxLease): Promise<boolean> {
		return this.locks.releaseMailboxLock(lease);
	}

	async bindMailboxTarget(
		migrationId: string,
		sourceAccount: string,
		targetAccount: string,
		lookOnly?: boolean,
	): Promise<MailboxTargetBinding> {
		return this.targets.bindMailboxTarget(migrationId, sourceAccount, targetAccount, lookOnly);
	}

	async getProvisionedAccount(key: ProvisionedAccountKey): Promise<ProvisionedAccount | null> {
		return this.provisioned.getProvisionedAccount(key);
	}

	async recordProvisionedAccount(record: ProvisionedAccountInput): Promise<void> {
		this.provisioned.recordProvisionedAccount(record);
	}

	async claimProvisionedAccount(
		request: ProvisioningClaimRequest,
	): Promise<ProvisioningClaimAttempt> {
		return this.provisioned.claimProvisionedAccount(request);
	}

	async releaseProvisionedAccount(key: ProvisionedAccountKey, owner: string): Promise<void> {
		this.provisioned.releaseProvisionedAccount(key, owner);
	}

	async claimCommunication(request: CommunicationClaimRequest): Promise<CommunicationClaimAttempt> {
		return this.communications.claimCommunication(request);
	}

	async recordCommunicationSent(sent: CommunicationSent): Promise<CommunicationRecord> {
		return this.communications.recordCommunicationSent(sent);
	}

	async renewCommunicationClaim(
		claim: CommunicationClaim,
		ttlMs: number,
	): Promise<CommunicationClaim | null> {
		return this.communications.renewCommunicationClaim(claim, ttlMs);
	}

	async recordCommunicationFailed(claim: CommunicationClaim, error: string): Promise<boolean> {
		return this.communications.recordCommunicationFailed(claim, error);
	}

	async getCommunication(key: CommunicationKey): Promise<CommunicationRecord | null> {
		return this.communications.getCommunication(key);
	}

	async listCommunications(
		migrationId: string,
		recipient?: string,
	): Promise<CommunicationRecord[]> {
		return this.communications.listCommunications(migrationId, recipient);
	}

	async listMailboxOverviews(
		migrationId: string,
		sourceAccounts?: readonly string[],
	): Promise<MailboxOverview[]> {
		return this.reporting.listMailboxOverviews(migrationId, sourceAccounts);
	}

	async listNotMigrated(migrationId: string, query?: ItemPageQuery): Promise<LedgerItem[]> {
		return this.reporting.listNotMigrated(migrationId, query);
	}

	async countNotMigrated(
		migrationId: string,
		sourceAccounts?: readonly string[],
	): Promise<NotMigratedCount[]> {
		return this.reporting.countNotMigrated(migrationId, sourceAccounts);
	}

	async listFailedItemsIn(
		migrationId: string,
		window: TimeWindow,
		query?: ItemPageQuery,
	): Promise<LedgerItem[]> {
		return this.reporting.listFailedItemsIn(migrationId, window, query);
	}

	async countFailedItemsIn(
		migrationId: string,
		window: TimeWindow,
		sourceAccounts?: readonly string[],
	): Promise<number> {
		return this.reporting.countFailedItemsIn(migrationId, window, sourceAccounts);
	}

	async listFailedRunsIn(
		migrationId: string,
		window: TimeWindow,
		sourceAccounts?: readonly string[],
	): Promise<RunRecord[]> {
		return this.reporting.listFailedRunsIn(migrationId, window, sourceAccounts);
	}

	async getReportMark(migrationId: string, report: string): Promise<ReportMark | null> {
		return this.reporting.getReportMark(migrationId, report);
	}

	async setReportMark(migrationId: string, report: string, mark: ReportMark): Promise<void> {
		this.reporting.setReportMark(migrationId, report, mark);
	}

	async deleteReportMark(migrationId: string, report: string): Promise<boolean> {
		return this.reporting.deleteReportMark(migrationId, report);
	}

	async recordRoutingSwitch(intent: RoutingSwitchIntent): Promise<RoutingSnapshot> {
		return this.routing.recordRoutingSwitch(intent);
	}

	async markRoutingState(
		key: RoutingKey,
		state: 'switched' | 'rolledBack',
	): Promise<RoutingSnapshot> {
		return this.routing.markRoutingState(key, state);
	}

	async getRoutingSnapshot(key: RoutingKey): Promise<RoutingSnapshot | null> {
		return this.routing.getRoutingSnapshot(key);
	}

	async listRoutingSnapshots(
		migrationId: string,
		query?: RoutingSnapshotQuery,
	): Promise<RoutingSnapshot[]> {
		return this.routing.listRoutingSnapshots(migrationId, query);
	}

	async close(): Promise<void> {
		this.connection.close();
	}
}
