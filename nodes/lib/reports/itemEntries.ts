/** A ledger item not migrated, as the reports show it: why (its kind, the server's code, the limit) and for whom. */
import type { LedgerItem } from '../ledger/types';
import type { ItemEntry, NotMigratedKind } from './model';

/** Reasons of refused items start with the server's response code: `[OVERQUOTA] Quota exceeded`. */
const RESPONSE_CODE = /^\[([A-Z][A-Z0-9-]*)[\] ]/;

export function kindOf(item: LedgerItem): NotMigratedKind {
	if (item.status === 'pending') return 'inDoubt';
	if (item.oversize?.handling === 'skipped') return 'oversize';
	if (item.status === 'skipped') return 'excluded';
	return RESPONSE_CODE.test(item.reason ?? '') ? 'refused' : 'failed';
}

export function itemEntryOf(item: LedgerItem, user: string): ItemEntry {
	return {
		user,
		ledgerAccount: item.sourceAccount,
		folder: item.sourceFolder,
		uidValidity: item.uidValidity,
		uid: item.uid,
		messageId: item.messageId,
		size: item.size,
		internalDate: item.internalDate,
		status: item.status as ItemEntry['status'],
		kind: kindOf(item),
		code: RESPONSE_CODE.exec(item.reason ?? '')?.[1] ?? null,
		limitBytes: item.oversize?.handling === 'skipped' ? item.oversize.limitBytes : null,
		attempts: item.attempts,
		reason: item.reason,
		recordedAt: item.updatedAt,
	};
}
