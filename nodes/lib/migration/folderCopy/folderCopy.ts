/**
 * Copies the items of one folder pass window by window: those that fit in batches a few at a time, then those over
 * the target's size limit one at a time; gives the connection pair back when asked. Built with the pass's parts once
 * its target folder is open.
 */
import type { FolderItems } from '../../ledger/types';
import type { MessageMeta } from '../mailStore';
import { Admission } from './admission';
import { BatchAppend } from './batchAppend';
import { batchTuning, makeBatches, runBounded } from './batching';
import { ConnectionYieldError, type CopyPass } from './context';
import { syncFlags } from './flagSync';
import { ItemRecords } from './ledgerOutcomes';
import { OversizeCopy } from './oversize';
import { sizeLimitOf } from './oversizeRules';
import type { TargetReconciliation } from './reconciliation';

export class FolderCopy {
	private readonly records: ItemRecords;

	private readonly admission: Admission;

	private readonly oversize: OversizeCopy;

	private readonly batches: BatchAppend;

	constructor(private readonly pass: CopyPass) {
		this.records = new ItemRecords(pass);
		this.admission = new Admission(pass.context, pass.shouldYield);
		this.oversize = new OversizeCopy(pass, this.records, this.admission);
		this.batches = new BatchAppend(pass, this.records, this.oversize);
	}

	/** Items of the window found already in the target by reconciliation. */
	async recordFound(todo: MessageMeta[], matches: Map<number, MessageMeta>): Promise<void> {
		const found = todo.filter((meta) => matches.has(meta.uid));
		const outcomes = found.map((meta) =>
			this.records.outcome(meta, 'present', { targetUid: matches.get(meta.uid)?.uid ?? null }),
		);
		await this.records.recordPresent(outcomes, found);
	}

	/**
	 * Copies the items, those over the target's size limit last and one at a time. `reconciliation` holds the
	 * target's messages when it may hold copies the ledger does not know of.
	 */
	async copy(items: MessageMeta[], reconciliation: TargetReconciliation | null): Promise<void> {
		const { context, target } = this.pass;
		this.oversize.reconciliation = reconciliation;
		const limit = sizeLimitOf(context.oversize, target.appendLimit);
		const fitting = limit === null ? items : items.filter((meta) => meta.size <= limit);
		await runBounded(
			makeBatches(fitting, batchTuning(context)),
			context.tuning.pipelineDepth,
			(batch) =>
				this.admission.run(batch.items.length, batch.bytes, (tally) =>
					this.batches.append(batch, tally),
				),
			() => this.admission.stopping(),
		);
		if (limit !== null) {
			for (const meta of items) {
				if (meta.size <= limit) continue;
				if (this.admission.stopping()) break;
				await this.oversize.copyOverLimit(meta, limit);
			}
		}
		if (this.admission.yielding) throw new ConnectionYieldError();
	}

	/** Delta: carries flag changes of the window's copied items to the target. */
	async syncFlags(metas: MessageMeta[], items: FolderItems): Promise<void> {
		await syncFlags(this.pass, this.records, metas, items);
	}
}
