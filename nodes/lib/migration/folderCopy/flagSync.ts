/** Delta: carries flag changes of copied items to the target, and records the flags now there. */
import type { FolderItems } from '../../ledger/types';
import { flagsKey } from '../flagPolicy';
import type { MessageMeta } from '../mailStore';
import type { CopyPass } from './context';
import type { ItemRecords } from './ledgerOutcomes';

export async function syncFlags(
	pass: CopyPass,
	records: ItemRecords,
	metas: MessageMeta[],
	items: FolderItems,
): Promise<void> {
	const updates: { uid: number; targetUid: number; flags: string[]; modseq: string | null }[] = [];
	for (const meta of metas) {
		const state = items.get(meta.uid);
		if (!state || (state.status !== 'copied' && state.status !== 'present')) continue;
		if (!state.targetUid || state.targetUidValidity !== pass.targetStatus.uidValidity) continue;
		const kept = records.keptFlags(meta, false);
		if (flagsKey(kept) !== state.flags) {
			updates.push({ uid: meta.uid, targetUid: state.targetUid, flags: kept, modseq: meta.modseq });
		}
	}
	for (const update of updates) await pass.target.setFlags(update.targetUid, update.flags);
	if (updates.length) await records.recordFlags(updates);
	pass.context.totals.flagsUpdated += updates.length;
}
