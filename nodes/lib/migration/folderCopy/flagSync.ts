/** Delta: carries flag changes of copied items to the target, and records the flags now there. */
import type { FolderItems, FolderItemState } from '../../ledger/types';
import { flagsKey } from '../flagPolicy';
import type { MessageMeta } from '../mailStore';
import type { CopyPass } from './context';
import type { ItemRecords } from './ledgerOutcomes';
import { keyOfMeta, keyOfRecord, keyOfTargetMessage } from './matchKeys';

interface FlagUpdate {
	uid: number;
	targetUid: number;
	flags: string[];
	modseq: string | null;
}

/**
 * The target's messages by match key, read once per pass when a copy's target UID is not known (a target without
 * UIDPLUS does not say where an APPEND went).
 */
export class TargetIndex {
	private byKey: Map<string, number[]> | null = null;

	constructor(private readonly pass: CopyPass) {}

	/**
	 * The target UID of the one target message with this item's key; null when there are none or several. On a
	 * source-keyed target the key is the record's source key, and copies with the same one are interchangeable.
	 */
	async uidOf(meta: MessageMeta, state: FolderItemState): Promise<number | null> {
		const { target } = this.pass;
		if (!meta.messageId && !target.sourceKeyed) return null;
		if (!this.byKey) {
			this.byKey = new Map();
			for (const message of await target.scan()) {
				const key = keyOfTargetMessage(target, message);
				const uids = this.byKey.get(key);
				if (uids) uids.push(message.uid);
				else this.byKey.set(key, [message.uid]);
			}
		}
		if (target.sourceKeyed) return this.byKey.get(keyOfRecord(target, state))?.[0] ?? null;
		const uids = this.byKey.get(keyOfMeta(meta));
		return uids?.length === 1 ? uids[0] : null;
	}
}

export async function syncFlags(
	pass: CopyPass,
	records: ItemRecords,
	metas: MessageMeta[],
	items: FolderItems,
	targetIndex: TargetIndex,
): Promise<void> {
	const updates: FlagUpdate[] = [];
	const located: { meta: MessageMeta; state: FolderItemState; targetUid: number }[] = [];
	for (const meta of metas) {
		const state = items.get(meta.uid);
		if (!state || (state.status !== 'copied' && state.status !== 'present')) continue;
		const kept = records.keptFlags(meta, false);
		if (flagsKey(kept) === state.flags) continue;
		let targetUid =
			state.targetUid && state.targetUidValidity === pass.targetStatus.uidValidity
				? state.targetUid
				: null;
		if (targetUid === null) {
			targetUid = await targetIndex.uidOf(meta, state);
			if (targetUid === null) continue;
			// A source-keyed target's UIDs last one session: nothing to record.
			if (!pass.target.sourceKeyed) located.push({ meta, state, targetUid });
		}
		updates.push({ uid: meta.uid, targetUid, flags: kept, modseq: meta.modseq });
	}
	for (const update of updates) await pass.target.setFlags(update.targetUid, update.flags);
	if (located.length) await records.recordLocated(located);
	if (updates.length) await records.recordFlags(updates);
	pass.context.totals.flagsUpdated += updates.length;
}
