/** Which target messages this migration already accounts for: used to reconcile a target and to verify it. */
import type { FolderItems } from '../../ledger/types';
import type { FolderRoute } from '../types';
import type { FolderSyncContext } from './context';
import { keyOfState } from './matchKeys';

export interface Claim {
	targetUid: number | null;
	key: string;
	/** Claimed by an item of the folder being worked on, rather than of another source folder with the same target. */
	ownFolder: boolean;
}

/**
 * Target messages this migration already accounts for, across every source folder that lands in the target folder:
 * by target UID when the target gave one (UIDPLUS), otherwise by match key.
 */
export async function targetClaims(
	context: FolderSyncContext,
	route: FolderRoute,
	targetUidValidity: number,
	current: { sourceRaw: string; items: FolderItems },
): Promise<Claim[]> {
	const claims: Claim[] = [];
	for (const sibling of context.routes) {
		if (sibling.targetRaw !== route.targetRaw || sibling.skipReason) continue;
		let items: FolderItems;
		if (sibling.sourceRaw === current.sourceRaw) {
			items = current.items;
		} else {
			const state = await context.ledger.getFolderState(
				context.migrationId,
				context.sourceAccount,
				sibling.sourceRaw,
			);
			if (!state) continue;
			items = await context.ledger.getFolderItems(
				context.migrationId,
				context.sourceAccount,
				sibling.sourceRaw,
				state.uidValidity,
			);
		}
		for (const item of items.values()) {
			if (item.status !== 'copied' && item.status !== 'present') continue;
			const sameTarget = item.targetUidValidity === targetUidValidity;
			// A UID under an older target UIDVALIDITY proves nothing: the folder was recreated, so match it again.
			claims.push({
				targetUid: sameTarget && item.targetUid ? item.targetUid : null,
				key: keyOfState(item),
				ownFolder: sibling.sourceRaw === current.sourceRaw,
			});
		}
	}
	return claims;
}

/** Target UIDs that some claim names. */
export function claimedUids(claims: readonly Claim[]): Set<number | null> {
	return new Set(claims.filter((claim) => claim.targetUid).map((claim) => claim.targetUid));
}
