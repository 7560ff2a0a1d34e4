/**
 * Copies one batch of messages that fit the target: fetch, write-ahead records, APPEND (with the server's back-off),
 * outcomes. This is the copy's hot path: work per message stays a few map lookups and one outcome record.
 */
import type { ItemOutcome } from '../../ledger/types';
import {
	AppendInterruptedError,
	type AppendItem,
	type AppendResult,
	type MessageMeta,
} from '../mailStore';
import { fingerprintOf } from '../messageIdentity';
import type { Tally } from './admission';
import type { Batch } from './batching';
import type { CopyPass } from './context';
import type { ItemRecords } from './ledgerOutcomes';
import type { OversizeCopy } from './oversize';
import { appendWithBackoff } from './serverBackoff';
import { settleUnread } from './sourceReads';

export class BatchAppend {
	constructor(
		private readonly pass: CopyPass,
		private readonly records: ItemRecords,
		private readonly oversize: OversizeCopy,
	) {}

	async append(batch: Batch, tally: Tally): Promise<void> {
		const { records } = this;
		const bodies = new Map<number, Buffer>();
		const unreadable = await this.pass.source.fetchBodies(
			batch.items.map((meta) => meta.uid),
			(body) => bodies.set(body.uid, body.raw),
		);
		// Expunged since the scan (vanished) or unreadable (failed); counted either way. Rare: a batch check is cheap.
		if (bodies.size < batch.items.length) {
			const unread = batch.items.filter((meta) => !bodies.has(meta.uid));
			await settleUnread(this.pass, records, unread, unreadable, tally);
		}
		const present =
			bodies.size < batch.items.length
				? batch.items.filter((meta) => bodies.has(meta.uid))
				: batch.items;
		if (present.length === 0) return;
		const prints = new Map(
			present.map((meta) => [meta.uid, fingerprintOf(bodies.get(meta.uid) as Buffer)]),
		);
		const flags = new Map(present.map((meta) => [meta.uid, records.keptFlags(meta, true)]));
		await records.writeIntents(
			present.map((meta) =>
				records.intent(meta, flags.get(meta.uid) ?? [], prints.get(meta.uid) ?? null),
			),
		);
		const appendItems: AppendItem[] = present.map((meta) => ({
			raw: bodies.get(meta.uid) as Buffer,
			flags: flags.get(meta.uid) ?? [],
			internalDate: meta.internalDate,
		}));
		bodies.clear();
		let results: AppendResult[];
		try {
			results = await appendWithBackoff(this.pass.context, this.pass.target, appendItems);
		} catch (error) {
			if (error instanceof AppendInterruptedError) {
				await this.recordAcknowledged(present, error.results, prints, tally);
			}
			throw error;
		}
		const outcomes: ItemOutcome[] = [];
		const settled: MessageMeta[] = [];
		const refusedForSize: number[] = [];
		let copiedBytes = 0;
		present.forEach((meta, index) => {
			const result = results[index];
			const fingerprint = prints.get(meta.uid) ?? null;
			if (result.ok) {
				if (result.flagsDropped) records.flagsRefused(result.flagsDropped);
				if (result.rebuiltAs) records.rebuilt(result.rebuiltAs);
				outcomes.push(records.outcome(meta, 'copied', { targetUid: result.uid, fingerprint }));
				settled.push(meta);
				copiedBytes += meta.size;
				return;
			}
			// The target has a size limit it did not announce (no APPENDLIMIT): the oversize path decides.
			if (result.tooBig) {
				refusedForSize.push(index);
				return;
			}
			// Stopped while the server asked for a pause: not a failure, the item stays pending for the next run.
			if (!result.permanent && this.pass.context.signal?.aborted) return;
			outcomes.push(records.failed(meta, result, fingerprint));
			settled.push(meta);
		});
		await records.recordAppended(outcomes, settled, copiedBytes, tally);
		for (const index of refusedForSize) {
			const meta = present[index];
			const original = {
				raw: appendItems[index].raw,
				flags: appendItems[index].flags,
				fingerprint: prints.get(meta.uid) as string,
			};
			await this.oversize.refusedForSize(meta, original, tally);
		}
		records.progressed();
	}

	/**
	 * The session ended mid-batch: the items the server acknowledged are copied; the others stay pending (intents
	 * written), for the resumed pass to find in the target or copy.
	 */
	private async recordAcknowledged(
		present: MessageMeta[],
		results: readonly (AppendResult | null)[],
		prints: Map<number, string>,
		tally: Tally,
	): Promise<void> {
		const { records } = this;
		const outcomes: ItemOutcome[] = [];
		const settled: MessageMeta[] = [];
		let copiedBytes = 0;
		present.forEach((meta, index) => {
			const result = results[index];
			if (!result?.ok) return;
			if (result.flagsDropped) records.flagsRefused(result.flagsDropped);
			if (result.rebuiltAs) records.rebuilt(result.rebuiltAs);
			const fingerprint = prints.get(meta.uid) ?? null;
			outcomes.push(records.outcome(meta, 'copied', { targetUid: result.uid, fingerprint }));
			settled.push(meta);
			copiedBytes += meta.size;
		});
		if (outcomes.length === 0) return;
		await records.recordAppended(outcomes, settled, copiedBytes, tally);
		records.progressed();
	}
}
