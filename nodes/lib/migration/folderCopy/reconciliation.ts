/**
 * Target reconciliation: finding in the target the copies the ledger does not tie to an item (a crash between APPEND
 * and its record, a lost ledger, a target filled by someone else), so they are recorded as present, not copied twice.
 */
import type { FolderItems } from '../../ledger/types';
import type { MailSource, MailTarget, MessageMeta, TargetFolderStatus } from '../mailStore';
import { fingerprintOf, matchKey, parseImapDate } from '../messageIdentity';
import type { KeyedBag } from '../multiset';
import type { FolderRoute } from '../types';
import type { FolderSyncContext } from './context';
import { foldersIntoTarget } from './folderWindows';
import { fetchFingerprints, keyOfMeta, sourceKeyOf } from './matchKeys';
import { sizeLimitOf } from './oversizeRules';
import { TargetClaims } from './targetClaims';

export class TargetReconciliation {
	private constructor(
		/** Target messages no record accounts for, by match key; each is taken by at most one item. */
		private readonly unclaimed: KeyedBag<MessageMeta>,
		/** Items over it go to the oversize path, which finds their zipped copies by their bytes. */
		private readonly sizeLimit: number | null,
	) {}

	/**
	 * Decides once per folder whether the target may hold items the ledger does not tie to it and, only then, reads
	 * the claims and the target a window at a time, keeping only the target messages nothing claims. Counting first
	 * keeps the common case (ledger and target agree) free of any walk.
	 */
	static async prepare(
		context: FolderSyncContext,
		route: FolderRoute,
		target: MailTarget,
		targetStatus: TargetFolderStatus,
		uidValidity: number,
	): Promise<TargetReconciliation | null> {
		let accounted = 0;
		let pending = 0;
		// Only the records the claims are made of count: those under the UIDVALIDITY each folder is at now.
		for (const folder of await foldersIntoTarget(context, route, uidValidity)) {
			const counts = await context.ledger.countsByStatus(
				context.migrationId,
				context.sourceAccount,
				folder.sourceRaw,
				folder.uidValidity,
			);
			accounted += counts.copied + counts.present;
			pending += counts.pending;
		}
		if (pending === 0 && targetStatus.exists <= accounted) return null;
		const claims = await TargetClaims.load(
			context,
			route,
			targetStatus.uidValidity,
			uidValidity,
			target,
		);
		const { messages } = await claims.unclaimed(context, target);
		// Claims without a target UID (no UIDPLUS) use up one unclaimed message of their key each.
		for (const claim of claims.byKey) messages.take(claim.key);
		return new TargetReconciliation(messages, sizeLimitOf(context.oversize, target.appendLimit));
	}

	/**
	 * Finds, among items still to copy, those already in the target. Each target message matches at most one item,
	 * also in later windows, so duplicates in the source stay distinct. Items without a Message-ID are confirmed by
	 * fingerprint.
	 */
	async match(
		source: MailSource,
		target: MailTarget,
		todo: MessageMeta[],
		recorded: FolderItems,
	): Promise<Map<number, MessageMeta>> {
		if (target.sourceKeyed) return await this.matchBySourceKey(source, todo, recorded);
		const unclaimed = this.unclaimed;
		const matches = new Map<number, MessageMeta>();
		const needBytes = todo.filter(
			(item) => !item.messageId && unclaimed.peek(keyOfMeta(item)).length > 0,
		);
		const sourcePrints = await fetchFingerprints(
			source,
			needBytes.map((item) => item.uid),
		);
		const candidateUids = [
			...new Set(
				needBytes.flatMap((item) => unclaimed.peek(keyOfMeta(item)).map((message) => message.uid)),
			),
		];
		const targetPrints = await fetchFingerprints(target, candidateUids);
		// With a Message-ID, a copy of the same size first (the target kept the bytes), then any (it rewrote them).
		const rewritable = (item: MessageMeta) =>
			item.messageId !== null && (this.sizeLimit === null || item.size <= this.sizeLimit);
		for (const sameSize of [true, false]) {
			for (const item of todo) {
				if (matches.has(item.uid) || (!sameSize && !rewritable(item))) continue;
				const key = keyOfMeta(item);
				const found = item.messageId
					? unclaimed.take(key, (message) => !sameSize || message.size === item.size)
					: unclaimed.take(key, (message) => {
							const print = targetPrints.get(message.uid);
							return print !== undefined && print === sourcePrints.get(item.uid);
						});
				if (found) matches.set(item.uid, found);
			}
		}
		return matches;
	}

	/**
	 * On a source-keyed target: each item is its copy's source key, its fingerprint, taken from its record (written
	 * ahead of the copy) or from its bytes. Exact: an item matches a copy made from the same bytes, and each copy one
	 * item. The bytes are read only while unclaimed copies are left to find.
	 */
	private async matchBySourceKey(
		source: MailSource,
		todo: MessageMeta[],
		recorded: FolderItems,
	): Promise<Map<number, MessageMeta>> {
		const matches = new Map<number, MessageMeta>();
		if (this.unclaimed.size === 0) return matches;
		const prints = new Map<number, string>();
		for (const item of todo) {
			const fingerprint = recorded.get(item.uid)?.fingerprint;
			if (fingerprint) prints.set(item.uid, fingerprint);
		}
		const unprinted = todo.filter((item) => !prints.has(item.uid)).map((item) => item.uid);
		for (const [uid, print] of await fetchFingerprints(source, unprinted)) prints.set(uid, print);
		for (const item of todo) {
			const print = prints.get(item.uid);
			const found = print ? this.unclaimed.take(sourceKeyOf(print)) : undefined;
			if (found) matches.set(item.uid, found);
		}
		return matches;
	}

	/**
	 * The target message an earlier, unrecorded APPEND of this zipped copy left, unless another item claims it.
	 * Zipping is deterministic: such a copy has exactly these bytes.
	 */
	async findZippedCopy(
		target: MailTarget,
		meta: MessageMeta,
		raw: Buffer,
	): Promise<MessageMeta | null> {
		const key = matchKey({
			messageId: meta.messageId,
			size: raw.length,
			internalDateMs: parseImapDate(meta.internalDate),
		});
		const candidates = this.unclaimed.peek(key);
		if (candidates.length === 0) return null;
		const print = fingerprintOf(raw);
		const prints = await fetchFingerprints(
			target,
			candidates.map((message) => message.uid),
		);
		return this.unclaimed.take(key, (message) => prints.get(message.uid) === print) ?? null;
	}
}
