/** Which target messages this migration already accounts for: used to reconcile a target and to verify it. */
import type { MailTarget, MessageMeta } from '../mailStore';
import { KeyedBag } from '../multiset';
import type { FolderRoute } from '../types';
import type { FolderSyncContext } from './context';
import { foldersIntoTarget, recordPages, uidWindows } from './folderWindows';
import { keyOfRecord, keyOfTargetMessage } from './matchKeys';

/** A record that holds a target copy the target gave no UID for (no UIDPLUS, or the folder was recreated). */
export interface KeyClaim {
	key: string;
	/** Claimed by an item of the folder being worked on, rather than of another source folder with the same target. */
	ownFolder: boolean;
}

/**
 * Target messages this migration already accounts for, across every source folder that lands in the target folder:
 * by target UID when the target gave one (UIDPLUS), otherwise by match key (by source key on a source-keyed target). The UIDs are kept as one sorted
 * Uint32Array (4 bytes a record), the records themselves are read a window at a time.
 */
export class TargetClaims {
	private constructor(
		private readonly uids: Uint32Array,
		readonly byKey: readonly KeyClaim[],
	) {}

	static none(): TargetClaims {
		return new TargetClaims(new Uint32Array(0), []);
	}

	/** `uidValidity`: the UIDVALIDITY the route's own records are read under. */
	static async load(
		context: FolderSyncContext,
		route: FolderRoute,
		targetUidValidity: number,
		uidValidity: number,
		target: Pick<MailTarget, 'sourceKeyed'>,
	): Promise<TargetClaims> {
		const uids: number[] = [];
		const byKey: KeyClaim[] = [];
		for (const folder of await foldersIntoTarget(context, route, uidValidity)) {
			for await (const page of recordPages(context, folder.sourceRaw, folder.uidValidity)) {
				for (const item of page.values()) {
					if (item.status !== 'copied' && item.status !== 'present') continue;
					// A UID under an older target UIDVALIDITY proves nothing: the folder was recreated, so match it again.
					if (item.targetUid && item.targetUidValidity === targetUidValidity)
						uids.push(item.targetUid);
					else byKey.push({ key: keyOfRecord(target, item), ownFolder: folder.own });
				}
			}
		}
		return new TargetClaims(Uint32Array.from(uids).sort(), byKey);
	}

	has(uid: number): boolean {
		const { uids } = this;
		let low = 0;
		let high = uids.length - 1;
		while (low <= high) {
			const middle = (low + high) >>> 1;
			if (uids[middle] === uid) return true;
			if (uids[middle] < uid) low = middle + 1;
			else high = middle - 1;
		}
		return false;
	}

	/**
	 * The open target folder's messages that no record claims by UID, by match key, read a window at a time; and how
	 * many messages the folder holds.
	 */
	async unclaimed(
		context: FolderSyncContext,
		target: MailTarget,
	): Promise<{ messages: KeyedBag<MessageMeta>; scanned: number }> {
		const messages = new KeyedBag<MessageMeta>();
		let scanned = 0;
		for (const range of uidWindows(await target.uids(), context.tuning.windowMessages)) {
			for (const message of await target.scan(range.from, range.to)) {
				scanned++;
				if (!this.has(message.uid)) messages.add(keyOfTargetMessage(target, message), message);
			}
		}
		return { messages, scanned };
	}
}
