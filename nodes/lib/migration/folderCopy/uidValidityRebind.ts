/** What follows a change of the source folder's UIDVALIDITY: its records are tied to the new UIDs, not copied again. */
import type { UidMapping } from '../../ledger/types';
import type { MailSource } from '../mailStore';
import type { FolderRoute } from '../types';
import type { FolderSyncContext } from './context';
import { recordPages, recordsOfUids, uidWindows } from './folderWindows';
import { fetchFingerprints, keyOfMeta, keyOfState } from './matchKeys';

/** 32-bit FNV-1a: a record's place in the index. Equal hashes are only candidates; the record itself decides. */
function hashOf(key: string): number {
	let hash = 0x811c9dc5;
	for (let index = 0; index < key.length; index++) {
		hash ^= key.charCodeAt(index);
		hash = Math.imul(hash, 0x01000193);
	}
	return hash >>> 0;
}

/**
 * The old records' UIDs by the hash of their match key, as one sorted BigUint64Array (hash << 32 | uid, 8 bytes a
 * record), so a folder of any size is indexed without holding its records; each is handed out once.
 */
class OldRecordIndex {
	private readonly taken: Uint8Array;

	private constructor(private readonly entries: BigUint64Array) {
		this.taken = new Uint8Array(entries.length);
	}

	static async build(
		context: FolderSyncContext,
		sourceFolder: string,
		uidValidity: number,
	): Promise<OldRecordIndex> {
		const parts: BigUint64Array[] = [];
		for await (const page of recordPages(context, sourceFolder, uidValidity)) {
			const part = new BigUint64Array(page.size);
			let index = 0;
			for (const [uid, state] of page)
				part[index++] = (BigInt(hashOf(keyOfState(state))) << 32n) | BigInt(uid);
			parts.push(part);
		}
		const entries = new BigUint64Array(parts.reduce((sum, part) => sum + part.length, 0));
		let offset = 0;
		for (const part of parts) {
			entries.set(part, offset);
			offset += part.length;
		}
		return new OldRecordIndex(entries.sort());
	}

	/** Positions of the records not yet handed out whose key has this hash. */
	candidates(key: string): number[] {
		const hash = BigInt(hashOf(key));
		const first = hash << 32n;
		let low = 0;
		let high = this.entries.length;
		while (low < high) {
			const middle = (low + high) >>> 1;
			if (this.entries[middle] < first) low = middle + 1;
			else high = middle;
		}
		const positions: number[] = [];
		for (
			let index = low;
			index < this.entries.length && this.entries[index] >> 32n === hash;
			index++
		)
			if (!this.isTaken(index)) positions.push(index);
		return positions;
	}

	uidAt(position: number): number {
		return Number(this.entries[position] & 0xffffffffn);
	}

	isTaken(position: number): boolean {
		return this.taken[position] === 1;
	}

	take(position: number): void {
		this.taken[position] = 1;
	}
}

/**
 * Ties the new UIDs to the records of the old ones by match key and size (and fingerprint for items without a
 * Message-ID), so the folder is not copied again. Walks the new folder a window at a time and moves each window's
 * records at once; new UIDs that already have a record (an earlier, interrupted rebind) are left alone.
 */
export async function rebindAfterUidValidityChange(
	context: FolderSyncContext,
	route: FolderRoute,
	source: MailSource,
	change: { oldUidValidity: number; newUidValidity: number },
	uids: readonly number[],
): Promise<void> {
	const { ledger, migrationId, sourceAccount } = context;
	const index = await OldRecordIndex.build(context, route.sourceRaw, change.oldUidValidity);
	for (const range of uidWindows(uids, context.tuning.windowMessages)) {
		const bound = await ledger.getFolderItems(
			migrationId,
			sourceAccount,
			route.sourceRaw,
			change.newUidValidity,
			range,
		);
		const metas = (await source.scan(range.from, range.to)).filter((meta) => !bound.has(meta.uid));
		const candidates = new Map(metas.map((meta) => [meta.uid, index.candidates(keyOfMeta(meta))]));
		const oldUids = [
			...new Set([...candidates.values()].flat().map((position) => index.uidAt(position))),
		].sort((a, b) => a - b);
		if (oldUids.length === 0) continue;
		const old = await recordsOfUids(context, route.sourceRaw, change.oldUidValidity, oldUids);
		const prints = await fetchFingerprints(
			source,
			metas.filter((meta) => !meta.messageId && candidates.get(meta.uid)?.length).map((m) => m.uid),
		);
		const mapping: UidMapping[] = [];
		for (const meta of metas) {
			const key = keyOfMeta(meta);
			// Both sides are the source, so its size is a fair test too.
			const found = candidates.get(meta.uid)?.find((position) => {
				const state = old.get(index.uidAt(position));
				return (
					// A record a message of this window took already is not another's.
					!index.isTaken(position) &&
					state !== undefined &&
					keyOfState(state) === key &&
					state.size === meta.size &&
					(meta.messageId ? true : state.fingerprint === prints.get(meta.uid))
				);
			});
			if (found === undefined) continue;
			index.take(found);
			mapping.push({ oldUid: index.uidAt(found), newUid: meta.uid });
		}
		if (mapping.length === 0) continue;
		await ledger.rebindUidValidity(
			migrationId,
			sourceAccount,
			route.sourceRaw,
			change.oldUidValidity,
			change.newUidValidity,
			mapping,
		);
	}
}
