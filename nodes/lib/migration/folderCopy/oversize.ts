/**
 * Copying messages over the target's size limit, one at a time: with their attachments zipped so they fit, or
 * skipped as `oversize` with their size when that cannot be done or is not enough. Never dropped silently.
 */
import { ZIPPED_COPY } from '../../ledger/types';
import type { AppendResult, MessageMeta } from '../mailStore';
import { fingerprintOf } from '../messageIdentity';
import { shrinkByZippingAttachments } from '../../mime/zipAttachments';
import type { Admission, Tally } from './admission';
import type { CopyPass } from './context';
import type { ItemRecords } from './ledgerOutcomes';
import { skippedOversize, zippedReason } from './oversizeRules';
import type { TargetReconciliation } from './reconciliation';
import { appendWithBackoff } from './serverBackoff';
import { settleUnread } from './sourceReads';

/** A message as the source holds it, with what its copy keeps. */
export interface OriginalMessage {
	raw: Buffer;
	flags: string[];
	fingerprint: string;
}

export class OversizeCopy {
	/** Target messages that may be unrecorded copies of zipped messages; set per window. */
	reconciliation: TargetReconciliation | null = null;

	constructor(
		private readonly pass: CopyPass,
		private readonly records: ItemRecords,
		private readonly admission: Admission,
	) {}

	/** A message over the target's limit, found by its size before any APPEND. */
	async copyOverLimit(meta: MessageMeta, limit: number): Promise<void> {
		if (!this.pass.context.oversize.zipAttachments) {
			await this.skip(meta, limit);
			return;
		}
		await this.admission.run(1, meta.size, async (tally) => {
			let raw: Buffer | null = null;
			const unreadable = await this.pass.source.fetchBodies([meta.uid], (body) => (raw = body.raw));
			if (!raw) {
				await settleUnread(this.pass, this.records, [meta], unreadable, tally);
				return;
			}
			const original = {
				raw,
				flags: this.records.keptFlags(meta, true),
				fingerprint: fingerprintOf(raw),
			};
			await this.appendZipped(meta, original, limit, tally);
		});
	}

	/** A message of a batch the target refused for its size without announcing its limit. */
	async refusedForSize(meta: MessageMeta, original: OriginalMessage, tally: Tally): Promise<void> {
		if (this.pass.context.oversize.zipAttachments) {
			await this.appendZipped(meta, original, meta.size - 1, tally, true);
		} else {
			await this.skip(meta, null);
		}
	}

	/**
	 * Packs the attachments of a message into one zip so it fits under `limit`, and appends that; skips it as
	 * oversize when that cannot be done or is not enough. `unannounced`: the target refused the message for its size
	 * without saying its limit.
	 */
	private async appendZipped(
		meta: MessageMeta,
		original: OriginalMessage,
		limit: number,
		tally: Tally,
		unannounced = false,
	): Promise<void> {
		const { flags, fingerprint } = original;
		// The source's size was off and the message fits as it is.
		if (!unannounced && original.raw.length <= limit) {
			const result = await this.appendOne(meta, { ...original, zippedReason: null }, tally);
			if (!result || result.ok || !result.tooBig) return;
			// Refused for its size after all: zip it below its real size.
			await this.appendZipped(meta, original, original.raw.length - 1, tally, true);
			return;
		}
		const shrunk = await shrinkByZippingAttachments(original.raw, limit);
		if (shrunk.kind === 'unchanged') {
			await this.skip(meta, unannounced ? null : limit, shrunk.reason);
			return;
		}
		const reason = zippedReason(shrunk.zippedParts.length, meta.size, shrunk.raw.length);
		const earlier = await this.reconciliation?.findZippedCopy(this.pass.target, meta, shrunk.raw);
		if (earlier) {
			await this.records.recordPresent(
				[
					this.records.outcome(meta, 'present', {
						targetUid: earlier.uid,
						fingerprint,
						reason,
						oversize: ZIPPED_COPY,
					}),
				],
				[meta],
			);
			return;
		}
		const result = await this.appendOne(
			meta,
			{ raw: shrunk.raw, flags, fingerprint, zippedReason: reason },
			tally,
		);
		if (result?.ok) this.pass.context.totals.zipped++;
		if (result && !result.ok && result.tooBig) {
			await this.skip(
				meta,
				unannounced ? null : limit,
				`refused even zipped to ${shrunk.raw.length} bytes`,
			);
		}
	}

	/**
	 * Appends one message (as it is, or its zipped copy with the reason saying so) with its ledger intent and outcome.
	 * A size refusal is left to the caller (returned, nothing recorded); a pause the run was stopped in leaves the
	 * item pending.
	 */
	private async appendOne(
		meta: MessageMeta,
		copy: OriginalMessage & { zippedReason: string | null },
		tally: Tally,
	): Promise<AppendResult | null> {
		await this.records.writeIntents([this.records.intent(meta, copy.flags, copy.fingerprint)]);
		const [result] = await appendWithBackoff(this.pass.context, this.pass.target, [
			{
				raw: copy.raw,
				flags: copy.flags,
				internalDate: meta.internalDate,
				sourceFingerprint: copy.fingerprint,
			},
		]);
		if (result.ok) {
			if (result.flagsDropped) this.records.flagsRefused(result.flagsDropped);
			const copied = this.records.outcome(meta, 'copied', {
				targetUid: result.uid,
				fingerprint: copy.fingerprint,
				reason: copy.zippedReason,
				oversize: copy.zippedReason === null ? null : ZIPPED_COPY,
			});
			await this.records.recordAppended([copied], [meta], copy.raw.length, tally);
			this.records.progressed();
			return result;
		}
		if (result.tooBig) return result;
		if (!result.permanent && this.pass.context.signal?.aborted) return null;
		const failed = this.records.failed(meta, result, copy.fingerprint);
		await this.records.recordAppended([failed], [meta], 0, tally);
		return result;
	}

	/** `limit` null: the target refused the message for its size without announcing a limit. */
	private async skip(meta: MessageMeta, limit: number | null, why = ''): Promise<void> {
		const zipping = this.pass.context.oversize.zipAttachments;
		const { reason, oversize } = skippedOversize(meta.size, limit, zipping, why);
		await this.records.recordSkipped(meta, reason, oversize);
	}
}
