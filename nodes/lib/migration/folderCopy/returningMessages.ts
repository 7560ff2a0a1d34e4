/**
 * Messages that left a folder and came back (moved out and back, a folder restored by an admin): same UIDVALIDITY,
 * new UIDs. The records of the UIDs that vanished still hold the target copies; a returning message takes its record
 * over instead of being copied again.
 */
import type { FolderItems, FolderItemState } from '../../ledger/types';
import type { MailSource, MessageMeta } from '../mailStore';
import { KeyedBag } from '../multiset';
import type { FolderRoute } from '../types';
import type { FolderSyncContext } from './context';
import { fetchFingerprints, keyOfMeta, keyOfState } from './matchKeys';

interface VanishedRecord {
	uid: number;
	state: FolderItemState;
}

/** Kept across the windows of one pass: a returning message has a higher UID than the record it left behind. */
export class ReturningMessages {
	/** Records of UIDs no longer in the source folder that hold a target copy, by match key. */
	private readonly vanished = new KeyedBag<VanishedRecord>();

	/** UIDs noted as vanished, so a window walked again does not note them twice. */
	private readonly noted = new Set<number>();

	/**
	 * Notes the window's records whose UID is gone, then moves such records to the window's messages that have none
	 * and are the same message (match key and size; fingerprint without a Message-ID). `items` holds the records of
	 * the window and of the UIDs before it since the last window; it follows the moves.
	 */
	async relink(
		pass: {
			context: FolderSyncContext;
			route: FolderRoute;
			source: MailSource;
			uidValidity: number;
		},
		metas: readonly MessageMeta[],
		items: FolderItems,
	): Promise<void> {
		const unrecorded = metas.filter((meta) => !items.has(meta.uid));
		if (items.size > metas.length - unrecorded.length) this.noteVanished(metas, items);
		if (unrecorded.length === 0 || this.vanished.size === 0) return;
		const candidates = (meta: MessageMeta) =>
			this.vanished.peek(keyOfMeta(meta)).filter((record) => record.state.size === meta.size);
		const prints = await fetchFingerprints(
			pass.source,
			unrecorded.filter((meta) => !meta.messageId && candidates(meta).length > 0).map((m) => m.uid),
		);
		const mapping: { oldUid: number; newUid: number }[] = [];
		for (const meta of unrecorded) {
			const found = this.vanished.take(
				keyOfMeta(meta),
				(record) =>
					record.state.size === meta.size &&
					(meta.messageId !== null || record.state.fingerprint === prints.get(meta.uid)),
			);
			if (!found) continue;
			mapping.push({ oldUid: found.uid, newUid: meta.uid });
			items.delete(found.uid);
			items.set(meta.uid, found.state);
		}
		if (mapping.length === 0) return;
		const { context, route, uidValidity } = pass;
		await context.ledger.rebindUidValidity(
			context.migrationId,
			context.sourceAccount,
			route.sourceRaw,
			uidValidity,
			uidValidity,
			mapping,
		);
	}

	private noteVanished(metas: readonly MessageMeta[], items: FolderItems): void {
		const present = new Set(metas.map((meta) => meta.uid));
		for (const [uid, state] of items) {
			if (present.has(uid) || this.noted.has(uid)) continue;
			if (state.status !== 'copied' && state.status !== 'present') continue;
			this.noted.add(uid);
			this.vanished.add(keyOfState(state), { uid, state });
		}
	}
}
