/**
 * The ledger records of one folder pass: written ahead as `pending` before an APPEND, then as outcomes (copied,
 * present, skipped, failed), each counted in the report as it is written and marked handled for a resumed window.
 */
import type {
	FolderItemState,
	FolderKey,
	ItemFacts,
	ItemIntent,
	ItemOutcome,
	OversizeRecord,
} from '../../ledger/types';
import { FlagPolicy, flagsKey } from '../flagPolicy';
import type { AppendResult, MessageMeta } from '../mailStore';
import { isoDate } from '../messageIdentity';
import type { FolderRoute } from '../types';
import type { Tally } from './admission';
import { noteSkip, type CopyPass } from './context';
import { listFailedItem, noteVanished } from './sourceReads';

export function factsOf(
	meta: MessageMeta,
	route: FolderRoute,
	flags: string[],
	fingerprint: string | null,
): ItemFacts {
	return {
		messageId: meta.messageId,
		size: meta.size,
		internalDate: isoDate(meta.internalDate),
		fingerprint,
		targetFolder: route.targetRaw,
		flags: flagsKey(flags),
		modseq: meta.modseq,
	};
}

/** What an outcome carries besides its item and status. */
export interface OutcomeDetails {
	reason?: string | null;
	targetUid?: number | null;
	fingerprint?: string | null;
	oversize?: OversizeRecord | null;
	/** The flags the target copy has, when they are not the source's (a copy found with its own flags). */
	flags?: string[];
}

/** Why an item could not be copied: the server's response code and text. */
export interface Failure {
	code: string | null;
	message: string;
}

export class ItemRecords {
	private readonly key: FolderKey;

	private readonly flagPolicy: FlagPolicy;

	constructor(private readonly pass: CopyPass) {
		this.key = {
			migrationId: pass.context.migrationId,
			sourceAccount: pass.context.sourceAccount,
			sourceFolder: pass.route.sourceRaw,
		};
		this.flagPolicy = new FlagPolicy(pass.targetStatus.permanentFlags);
	}

	/** The flags the target folder keeps; `countDropped` counts the others in the report (once per copy attempt). */
	keptFlags(meta: MessageMeta, countDropped: boolean): string[] {
		const { kept, dropped } = this.flagPolicy.split(meta.flags);
		if (countDropped) this.flagsRefused(dropped);
		return kept;
	}

	/** Counts flags the target does not keep: not in its PERMANENTFLAGS, or refused on APPEND. */
	flagsRefused(flags: readonly string[]): void {
		const flagsNotKept = this.pass.context.flagsNotKept;
		for (const flag of flags) flagsNotKept[flag] = (flagsNotKept[flag] ?? 0) + 1;
	}

	/** Counts a message the target carried another way than part by part (the reason it gave). */
	rebuilt(reason: string): void {
		const rebuiltAs = this.pass.context.rebuiltAs;
		rebuiltAs[reason] = (rebuiltAs[reason] ?? 0) + 1;
	}

	intent(meta: MessageMeta, flags: string[], fingerprint: string | null): ItemIntent {
		return {
			...this.key,
			uidValidity: this.pass.uidValidity,
			uid: meta.uid,
			...factsOf(meta, this.pass.route, flags, fingerprint),
		};
	}

	outcome(meta: MessageMeta, status: ItemOutcome['status'], details: OutcomeDetails): ItemOutcome {
		return {
			...this.key,
			uidValidity: this.pass.uidValidity,
			uid: meta.uid,
			...factsOf(
				meta,
				this.pass.route,
				details.flags ?? this.keptFlags(meta, false),
				details.fingerprint ?? null,
			),
			status,
			reason: details.reason ?? null,
			targetUidValidity: details.targetUid ? this.pass.targetStatus.uidValidity : null,
			targetUid: details.targetUid ?? null,
			oversize: details.oversize ?? null,
		};
	}

	/** The outcome of a refused (or unreadable) item; listed in the report's failed items once it is recorded. */
	failed(
		meta: MessageMeta,
		result: Extract<AppendResult, { ok: false }> | Failure,
		fingerprint: string | null,
	): ItemOutcome {
		const reason = `${result.code ? `[${result.code}] ` : ''}${result.message}`;
		return this.outcome(meta, 'failed', { reason, fingerprint });
	}

	/** Source items listed when the pass began and expunged before they could be read. */
	vanished(metas: readonly MessageMeta[], reason: string): void {
		if (metas.length === 0) return;
		noteVanished(
			this.pass,
			metas.map((meta) => meta.uid),
			reason,
		);
		this.handled(metas);
	}

	/** Items done in the window being worked on: an interrupted attempt of it neither counts nor tries them again. */
	handled(metas: readonly MessageMeta[]): void {
		for (const meta of metas) this.pass.progress.unhandled?.delete(meta.uid);
	}

	async writeIntents(intents: readonly ItemIntent[]): Promise<void> {
		await this.pass.context.ledger.recordIntents(intents);
	}

	/**
	 * Records the copied and failed `outcomes` of appended items and counts them; `settled` are the items they are
	 * for, `copiedBytes` what reached the target.
	 */
	async recordAppended(
		outcomes: ItemOutcome[],
		settled: readonly MessageMeta[],
		copiedBytes: number,
		tally: Tally,
	): Promise<void> {
		const { context, report } = this.pass;
		await context.ledger.recordOutcomes(outcomes);
		const copied = outcomes.filter((outcome) => outcome.status === 'copied').length;
		if (copied < outcomes.length) await this.listFailures(outcomes, settled);
		report.copied += copied;
		report.failed += outcomes.length - copied;
		context.totals.copied += copied;
		context.totals.bytes += copiedBytes;
		tally.copiedBytes += copiedBytes;
		tally.failures += outcomes.length - copied;
		this.handled(settled);
	}

	/** Lists the failed ones among recorded outcomes in the report, with the attempts the ledger counted. */
	private async listFailures(
		outcomes: readonly ItemOutcome[],
		settled: readonly MessageMeta[],
	): Promise<void> {
		const { context, route } = this.pass;
		for (const [index, outcome] of outcomes.entries()) {
			if (outcome.status !== 'failed') continue;
			if (context.failedItems.length >= context.maxFailedItemsReported) return;
			const recorded = await context.ledger.getItem(outcome);
			listFailedItem(context, route, settled[index], outcome.reason ?? '', recorded?.attempts ?? 1);
		}
	}

	/** Records items found already in the target (their `present` outcomes) and counts them as already there. */
	async recordPresent(outcomes: ItemOutcome[], found: readonly MessageMeta[]): Promise<void> {
		await this.pass.context.ledger.recordOutcomes(outcomes);
		this.pass.report.alreadyPresent += outcomes.length;
		this.handled(found);
	}

	async recordSkipped(meta: MessageMeta, reason: string, oversize: OversizeRecord): Promise<void> {
		await this.pass.context.ledger.recordOutcomes([
			this.outcome(meta, 'skipped', { reason, oversize }),
		]);
		noteSkip(this.pass.context, reason);
		this.pass.report.skipped++;
		this.handled([meta]);
	}

	/** Records the target UIDs found for copies recorded without one (a target without UIDPLUS). */
	async recordLocated(
		located: readonly { meta: MessageMeta; state: FolderItemState; targetUid: number }[],
	): Promise<void> {
		await this.pass.context.ledger.recordOutcomes(
			located.map(({ meta, state, targetUid }) =>
				this.outcome(meta, state.status as ItemOutcome['status'], {
					targetUid,
					reason: state.reason,
					fingerprint: state.fingerprint,
					oversize: state.oversize,
					flags: state.flags ? state.flags.split(' ') : [],
				}),
			),
		);
	}

	/** Records the flags a Delta pass set on the target. */
	async recordFlags(
		updates: readonly { uid: number; flags: string[]; modseq: string | null }[],
	): Promise<void> {
		await this.pass.context.ledger.recordFlags(
			updates.map((update) => ({
				...this.key,
				uidValidity: this.pass.uidValidity,
				uid: update.uid,
				flags: flagsKey(update.flags),
				modseq: update.modseq,
			})),
		);
	}

	/** Tells the progress callback how far the folder got. */
	progressed(): void {
		const { context, route, report } = this.pass;
		context.onProgress?.({
			mailbox: context.mailbox,
			folder: route.sourcePath,
			copied: report.copied,
			bytes: context.totals.bytes,
			sourceItems: report.sourceItems,
		});
	}
}
