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
import { syncFlags, TargetIndex } from './flagSync';
import { ItemRecords } from './ledgerOutcomes';
import { OversizeCopy } from './oversize';
import { sizeLimitOf } from './oversizeRules';
import type { TargetReconciliation } from './reconciliation';

export class FolderCopy {
	private readonly records: ItemRecords;

	private readonly admission: Admission;

	private readonly oversize: OversizeCopy;

	private readonly batches: BatchAppend;

	private readonly targetIndex: TargetIndex;

	constructor(private readonly pass: CopyPass) {
		this.records = new ItemRecords(pass);
		this.admission = new Admission(pass.context, pass.shouldYield);
		this.oversize = new OversizeCopy(pass, this.records, this.admission);
		this.batches = new BatchAppend(pass, this.records, this.oversize);
		this.targetIndex = new TargetIndex(pass);
	}

	/**
	 * Items of the window found already in the target by reconciliation, recorded with the flags the target copy has
	 * (Delta then carries the source's flags over).
	 */
	async recordFound(todo: MessageMeta[], matches: Map<number, MessageMeta>): Promise<void> {
		const found = todo.filter((meta) => matches.has(meta.uid));
		const outcomes = found.map((meta) => {
			const copy = matches.get(meta.uid) as MessageMeta;
			// A source-keyed target's UIDs last one session; its copies are found again by source key, kept here.
			const sourceKeyed = this.pass.target.sourceKeyed === true;
			return this.records.outcome(meta, 'present', {
				targetUid: sourceKeyed ? null : copy.uid,
				fingerprint: sourceKeyed ? (copy.sourceKey ?? null) : null,
				flags: this.records.keptFlags(copy, false),
			});
		});
		await this.records.recordPresent(outcomes, found);
	}

	/**
	 * Copies the items, those over the target's size limit last and one at a time. `reconciliation` holds the
	 * target's messages when it may hold copies the ledger does not know of. `retried`: items that failed in earlier
	 * runs, whose failures do not count toward the error threshold again.
	 */
	async copy(
		items: MessageMeta[],
		reconciliation: TargetReconciliation | null,
		retried = false,
	): Promise<void> {
		this.admission.countsErrors = !retried;
		try {
			await this.copyItems(items, reconciliation);
		} finally {
			this.admission.countsErrors = true;
		}
	}

	private async copyItems(
		items: MessageMeta[],
		reconciliation: TargetReconciliation | null,
	): Promise<void> {
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
		await syncFlags(this.pass, this.records, metas, items, this.targetIndex);
	}
}
