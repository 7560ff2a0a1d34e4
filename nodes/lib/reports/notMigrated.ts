/**
 * Not migrated: every item failed, skipped or in doubt, with its reason; counts over all of them grouped by mailbox
 * and kind (aggregated by the ledger), and the items themselves listed up to a limit, in the chosen order.
 */
import type { LedgerStore } from '../ledger/types';
import type {
	ItemEntry,
	NotMigratedGroup,
	NotMigratedKind,
	NotMigratedReport,
	NotMigratedSort,
} from './model';
import { itemEntryOf } from './itemEntries';
import { accountScope } from './userScope';
import type { ReportRequest } from './waveSummary';

export interface NotMigratedRequest extends ReportRequest {
	/** Most items listed (the counts cover them all). */
	limit: number;
	sortBy: NotMigratedSort;
}

/** Items read per ledger query while listing. */
const PAGE = 1000;

const KIND_ORDER: Record<NotMigratedKind, number> = {
	refused: 0,
	failed: 1,
	oversize: 2,
	inDoubt: 3,
	excluded: 4,
};

const ORDERS: Record<NotMigratedSort, (a: ItemEntry, b: ItemEntry) => number> = {
	mailbox: () => 0,
	size: (a, b) => b.size - a.size,
	attempts: (a, b) => b.attempts - a.attempts,
	kind: (a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind],
};

export async function buildNotMigrated(
	ledger: LedgerStore,
	request: NotMigratedRequest,
): Promise<NotMigratedReport> {
	const { accounts: scope, nameOf } = await accountScope(
		ledger,
		request.migrationId,
		request.users,
	);
	const none = scope !== undefined && scope.length === 0;
	const counts = none ? [] : await ledger.countNotMigrated(request.migrationId, scope);
	const groups: NotMigratedGroup[] = [];
	const byKind = { failed: 0, oversize: 0, inDoubt: 0, excluded: 0 };
	let items = 0;
	let bytes = 0;
	for (const count of counts) {
		const kind =
			count.status === 'pending'
				? 'inDoubt'
				: count.oversize
					? 'oversize'
					: count.status === 'failed'
						? 'failed'
						: 'excluded';
		const user = nameOf(count.sourceAccount);
		const group = groups.find(
			(one) => one.ledgerAccount === count.sourceAccount && one.kind === kind,
		);
		if (group) {
			group.count += count.count;
			group.bytes += count.bytes;
		} else
			groups.push({
				user,
				ledgerAccount: count.sourceAccount,
				kind,
				count: count.count,
				bytes: count.bytes,
			});
		byKind[kind] += count.count;
		items += count.count;
		bytes += count.bytes;
	}
	const listed = none
		? { entries: [], truncated: false }
		: await listItems(ledger, request, scope, nameOf);
	return {
		kind: 'notMigrated',
		migrationId: request.migrationId,
		generatedAt: request.now ?? new Date().toISOString(),
		users: request.users,
		total: { items, bytes, byKind },
		groups,
		items: listed.entries,
		truncated: listed.truncated,
		sortedBy: request.sortBy,
	};
}

/**
 * In ledger order (mailbox, folder, UID) the first `limit`; any other order needs them all, read in pages and kept
 * to the `limit` best so far, so memory stays at one page plus the limit.
 */
async function listItems(
	ledger: LedgerStore,
	request: NotMigratedRequest,
	sourceAccounts: string[] | undefined,
	nameOf: (account: string) => string,
): Promise<{ entries: ItemEntry[]; truncated: boolean }> {
	const order = ORDERS[request.sortBy];
	let kept: ItemEntry[] = [];
	let seen = 0;
	let after;
	for (;;) {
		const wanted = request.sortBy === 'mailbox' ? Math.min(PAGE, request.limit + 1 - seen) : PAGE;
		const page = await ledger.listNotMigrated(request.migrationId, {
			sourceAccounts,
			limit: wanted,
			after,
		});
		seen += page.length;
		kept.push(...page.map((item) => itemEntryOf(item, nameOf(item.sourceAccount))));
		// Stable: ties keep ledger order.
		if (request.sortBy !== 'mailbox' && kept.length > request.limit) {
			kept = kept.sort(order).slice(0, request.limit);
		}
		if (page.length < wanted || (request.sortBy === 'mailbox' && seen > request.limit)) break;
		after = page[page.length - 1];
	}
	const truncated = seen > request.limit;
	return { entries: kept.sort(order).slice(0, request.limit), truncated };
}
