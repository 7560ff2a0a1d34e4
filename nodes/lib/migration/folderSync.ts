import type {
	FolderItems,
	FolderItemState,
	ItemFacts,
	ItemOutcome,
	LedgerStore,
} from '../ledger/types';
import { backoffDelayMs, pauseUnlessAborted } from './backoff';
import { FlagPolicy, flagsKey } from './flagPolicy';
import type {
	AppendItem,
	AppendResult,
	MailSource,
	MailTarget,
	MessageMeta,
	TargetFolderStatus,
} from './mailStore';
import { shrinkByZippingAttachments } from '../mime/zipAttachments';
import { fingerprintOf, isoDate, matchKey, parseImapDate } from './messageIdentity';
import { KeyedBag } from './multiset';
import type {
	CopyTuning,
	EngineControls,
	FailedItem,
	FolderReport,
	FolderRoute,
	MigrationMode,
	MigrationProgress,
	OversizePolicy,
	VerifyDifference,
} from './types';

/** What one mailbox run shares between its folders and connections. */
export interface FolderSyncContext {
	migrationId: string;
	sourceAccount: string;
	mailbox: string;
	mode: MigrationMode;
	ledger: LedgerStore;
	tuning: CopyTuning;
	/** Every route of the mailbox, to find all source folders that land in one target folder. */
	routes: readonly FolderRoute[];
	failedItems: FailedItem[];
	maxFailedItemsReported: number;
	flagsNotKept: Record<string, number>;
	skippedByReason: Record<string, number>;
	differences: VerifyDifference[];
	totals: {
		copied: number;
		bytes: number;
		flagsUpdated: number;
		serverBackoffs: number;
		zipped: number;
	};
	controls?: EngineControls;
	/** Until when (epoch ms) the target asked this mailbox to pause: no batch of any connection starts before. */
	hold: { until: number };
	oversize: OversizePolicy;
	onProgress?: (progress: MigrationProgress) => void;
	signal?: AbortSignal;
	afterAppend?: () => void;
}

const DONE_STATUSES = new Set(['copied', 'present', 'skipped']);

/** Retries of an item the server refused for now, before it is recorded as failed (the next run tries again). */
const MAX_BACKOFF_RETRIES = 4;

/** Ledger reason of an item copied with its attachments zipped: its target copy is smaller than the source. */
export const ZIPPED_REASON_PREFIX = 'zipped:';

/**
 * Thrown out of a folder pass when its connection is one too many for a host's current throttle profile: the caller
 * closes the connection pair and continues the pass (see FolderProgress) once a connection slot is free again.
 */
export class ConnectionYieldError extends Error {
	constructor() {
		super('connection given back: the throttle profile allows fewer connections now');
		this.name = 'ConnectionYieldError';
	}
}

/**
 * Where a folder pass got to, so an interrupted pass (a lost connection, a connection given back) continues on a new
 * session without walking finished windows again or counting an item twice.
 */
export interface FolderProgress {
	report: FolderReport;
	uidValidity: number;
	/** UID range of the window being worked on; an interrupted window is resumed over exactly this range. */
	windowFrom: number;
	windowTo: number;
	/** UIDs of that window not handled yet; null before the window was started. */
	unhandled: Set<number> | null;
	/** Items of finished windows not yet done (failed or interrupted). */
	open: number;
}

/** What a folder pass is handed besides its sessions. */
export interface FolderPassOptions {
	/** Kept across attempts of the same pass; set by syncFolder. */
	progress: { current?: FolderProgress };
	/** Asked before each batch: true when this connection pair must be given back now. */
	shouldYield?: () => boolean;
}

interface Claim {
	targetUid: number | null;
	key: string;
	/** Claimed by an item of the folder being worked on, rather than of another source folder with the same target. */
	ownFolder: boolean;
}

function emptyReport(route: FolderRoute, action: FolderReport['action']): FolderReport {
	return {
		source: route.sourcePath,
		target: route.targetPath,
		action,
		sourceItems: 0,
		copied: 0,
		alreadyPresent: 0,
		skipped: 0,
		failed: 0,
	};
}

function keyOfMeta(meta: MessageMeta): string {
	return matchKey({
		messageId: meta.messageId,
		size: meta.size,
		internalDateMs: parseImapDate(meta.internalDate),
	});
}

function keyOfState(state: FolderItemState): string {
	return matchKey({
		messageId: state.messageId,
		size: state.size,
		internalDateMs: Date.parse(state.internalDate),
	});
}

function factsOf(
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

/** The largest message the target takes: its own limit or the configured one, whichever is smaller. */
function sizeLimitOf(context: FolderSyncContext, target: MailTarget): number | null {
	const limits = [target.appendLimit, context.oversize.maxMessageBytes].filter(
		(limit): limit is number => limit !== null && limit > 0,
	);
	return limits.length ? Math.min(...limits) : null;
}

/**
 * An item skipped as oversize is tried again once the settings would let it through: a higher limit than the one
 * it was skipped under, or zipping turned on. Otherwise it stays skipped, without being fetched again every run.
 */
function retryableOversize(
	context: FolderSyncContext,
	target: MailTarget,
	state: FolderItemState | undefined,
): boolean {
	if (state?.status !== 'skipped' || !state.reason?.startsWith('oversize')) return false;
	if (state.reason.includes('zipping attachments is off')) return context.oversize.zipAttachments;
	const skippedUnder = /target limit (\d+)/.exec(state.reason);
	if (!skippedUnder) return false;
	const limit = sizeLimitOf(context, target);
	return limit === null || limit > Number(skippedUnder[1]);
}

function noteSkip(context: FolderSyncContext, reason: string): void {
	const label = reason.split(' ')[0];
	context.skippedByReason[label] = (context.skippedByReason[label] ?? 0) + 1;
}

function noteFailure(context: FolderSyncContext, failure: FailedItem): void {
	if (context.failedItems.length < context.maxFailedItemsReported)
		context.failedItems.push(failure);
}

/**
 * Target messages this migration already accounts for, across every source folder that lands in the target folder:
 * by target UID when the target gave one (UIDPLUS), otherwise by match key.
 */
async function targetClaims(
	context: FolderSyncContext,
	route: FolderRoute,
	targetUidValidity: number,
	current: { sourceRaw: string; items: FolderItems },
): Promise<Claim[]> {
	const claims: Claim[] = [];
	for (const sibling of context.routes) {
		if (sibling.targetRaw !== route.targetRaw || sibling.skipReason) continue;
		let items: FolderItems;
		if (sibling.sourceRaw === current.sourceRaw) {
			items = current.items;
		} else {
			const state = await context.ledger.getFolderState(
				context.migrationId,
				context.sourceAccount,
				sibling.sourceRaw,
			);
			if (!state) continue;
			items = await context.ledger.getFolderItems(
				context.migrationId,
				context.sourceAccount,
				sibling.sourceRaw,
				state.uidValidity,
			);
		}
		for (const item of items.values()) {
			if (item.status !== 'copied' && item.status !== 'present') continue;
			const sameTarget = item.targetUidValidity === targetUidValidity;
			// A UID under an older target UIDVALIDITY proves nothing: the folder was recreated, so match it again.
			claims.push({
				targetUid: sameTarget && item.targetUid ? item.targetUid : null,
				key: keyOfState(item),
				ownFolder: sibling.sourceRaw === current.sourceRaw,
			});
		}
	}
	return claims;
}

/** Fetches bodies and returns their fingerprints, for items whose identity needs the bytes. */
async function fingerprints(
	side: Pick<MailSource, 'fetchBodies'>,
	uids: readonly number[],
): Promise<Map<number, string>> {
	const result = new Map<number, string>();
	if (uids.length === 0) return result;
	await side.fetchBodies(uids, (body) => result.set(body.uid, fingerprintOf(body.raw)));
	return result;
}

/**
 * Finds, among items still to copy, those already in the target: after a crash between APPEND and its ledger record,
 * after a lost ledger, or when the target was filled by someone else. Each target message matches at most one item,
 * so duplicates in the source stay distinct. Items without a Message-ID are confirmed by fingerprint.
 */
async function matchInTarget(
	source: MailSource,
	target: MailTarget,
	todo: MessageMeta[],
	targetMessages: MessageMeta[],
	claims: Claim[],
): Promise<Map<number, MessageMeta>> {
	const claimedUids = new Set(
		claims.filter((claim) => claim.targetUid).map((claim) => claim.targetUid),
	);
	const unclaimed = new KeyedBag<MessageMeta>();
	for (const message of targetMessages) {
		if (!claimedUids.has(message.uid)) unclaimed.add(keyOfMeta(message), message);
	}
	// Claims without a target UID (no UIDPLUS) use up one unclaimed message of their key each.
	for (const claim of claims) if (!claim.targetUid) unclaimed.take(claim.key);

	const matches = new Map<number, MessageMeta>();
	const needBytes = todo.filter(
		(item) => !item.messageId && unclaimed.peek(keyOfMeta(item)).length > 0,
	);
	const sourcePrints = await fingerprints(
		source,
		needBytes.map((item) => item.uid),
	);
	const candidateUids = [
		...new Set(
			needBytes.flatMap((item) => unclaimed.peek(keyOfMeta(item)).map((message) => message.uid)),
		),
	];
	const targetPrints = await fingerprints(target, candidateUids);
	for (const item of todo) {
		const key = keyOfMeta(item);
		const found = item.messageId
			? unclaimed.take(key)
			: unclaimed.take(key, (message) => {
					const print = targetPrints.get(message.uid);
					return print !== undefined && print === sourcePrints.get(item.uid);
				});
		if (found) matches.set(item.uid, found);
	}
	return matches;
}

interface Batch {
	items: MessageMeta[];
	bytes: number;
}

/** What a batch achieved, for the stop conditions, kept up to date as outcomes are recorded. */
interface Tally {
	copiedBytes: number;
	failures: number;
}

function makeBatches(items: MessageMeta[], tuning: CopyTuning): Batch[] {
	const batches: Batch[] = [];
	let current: Batch = { items: [], bytes: 0 };
	for (const item of items) {
		const full =
			current.items.length >= tuning.batchMessages ||
			(current.items.length > 0 && current.bytes + item.size > tuning.batchBytes);
		if (full) {
			batches.push(current);
			current = { items: [], bytes: 0 };
		}
		current.items.push(item);
		current.bytes += item.size;
	}
	if (current.items.length) batches.push(current);
	return batches;
}

/**
 * Runs tasks with at most `limit` at once; stops starting new ones after the first failure (and rethrows it) or once
 * `stop` says so, letting those in flight finish.
 */
async function runBounded<T>(
	tasks: readonly T[],
	limit: number,
	run: (task: T) => Promise<void>,
	stop: () => boolean,
): Promise<void> {
	let next = 0;
	let failure: unknown = null;
	const worker = async () => {
		while (failure === null && next < tasks.length && !stop()) {
			const task = tasks[next++];
			try {
				await run(task);
			} catch (error) {
				failure ??= error;
			}
		}
	};
	await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, tasks.length)) }, worker));
	if (failure !== null) throw failure;
}

class FolderCopy {
	private readonly key: { migrationId: string; sourceAccount: string; sourceFolder: string };

	private readonly flagPolicy: FlagPolicy;

	/** Set once this pair was asked to give its connections back: no new batch starts. */
	yielding = false;

	constructor(
		private readonly context: FolderSyncContext,
		private readonly route: FolderRoute,
		private readonly source: MailSource,
		private readonly target: MailTarget,
		private readonly targetStatus: TargetFolderStatus,
		private readonly uidValidity: number,
		private readonly report: FolderReport,
		private readonly progress: FolderProgress,
		private readonly shouldYield?: () => boolean,
	) {
		this.key = {
			migrationId: context.migrationId,
			sourceAccount: context.sourceAccount,
			sourceFolder: route.sourceRaw,
		};
		this.flagPolicy = new FlagPolicy(targetStatus.permanentFlags);
	}

	keptFlags(meta: MessageMeta, countDropped: boolean): string[] {
		const { kept, dropped } = this.flagPolicy.split(meta.flags);
		if (countDropped) {
			for (const flag of dropped)
				this.context.flagsNotKept[flag] = (this.context.flagsNotKept[flag] ?? 0) + 1;
		}
		return kept;
	}

	outcome(
		meta: MessageMeta,
		status: ItemOutcome['status'],
		extra: { reason?: string | null; targetUid?: number | null; fingerprint?: string | null },
	): ItemOutcome {
		return {
			...this.key,
			uidValidity: this.uidValidity,
			uid: meta.uid,
			...factsOf(meta, this.route, this.keptFlags(meta, false), extra.fingerprint ?? null),
			status,
			reason: extra.reason ?? null,
			targetUidValidity: extra.targetUid ? this.targetStatus.uidValidity : null,
			targetUid: extra.targetUid ?? null,
		};
	}

	private handled(metas: readonly MessageMeta[]): void {
		for (const meta of metas) this.progress.unhandled?.delete(meta.uid);
	}

	async recordPresent(matches: Map<number, MessageMeta>, todo: MessageMeta[]): Promise<void> {
		const found = todo.filter((meta) => matches.has(meta.uid));
		const outcomes = found.map((meta) =>
			this.outcome(meta, 'present', { targetUid: matches.get(meta.uid)?.uid ?? null }),
		);
		await this.context.ledger.recordOutcomes(outcomes);
		this.report.alreadyPresent += outcomes.length;
		this.handled(found);
	}

	/** `limit` null: the target refused the message for its size without announcing a limit. */
	private async recordOversize(
		meta: MessageMeta,
		limit: number | null,
		why: string,
	): Promise<void> {
		const bound = limit === null ? 'target limit not announced' : `target limit ${limit}`;
		const reason = `oversize ${meta.size} bytes (${bound})${why ? `: ${why}` : ''}`;
		await this.context.ledger.recordOutcomes([this.outcome(meta, 'skipped', { reason })]);
		noteSkip(this.context, reason);
		this.report.skipped++;
		this.handled([meta]);
	}

	/**
	 * Asks the stop conditions and the host rates before a batch moves. False when the run must stop (the guard has
	 * then aborted the signal) or the pair must give its connections back.
	 */
	private async admit(messages: number, bytes: number): Promise<boolean> {
		const controls = this.context.controls;
		const held = this.context.hold.until - Date.now();
		if (held > 0) await pauseUnlessAborted(held, this.context.signal);
		if (this.yielding || this.context.signal?.aborted) return false;
		if (this.shouldYield?.()) {
			this.yielding = true;
			return false;
		}
		const check = controls?.guard?.checkBeforeBatch(this.context.sourceAccount, bytes);
		if (check && !check.ok) return false;
		if (!controls?.limiter) return true;
		const usage = { messages, bytes };
		try {
			await Promise.all([
				controls.limiter.consume(controls.sourceHost, usage, this.context.signal),
				controls.limiter.consume(controls.targetHost, usage, this.context.signal),
			]);
			return true;
		} catch (error) {
			controls.guard?.recordBytes(0, bytes);
			if (this.context.signal?.aborted) return false;
			throw error;
		}
	}

	/** Tells the stop conditions what a batch let through by admit() achieved. */
	private settle(batchBytes: number, copiedBytes: number, failures: number): void {
		const guard = this.context.controls?.guard;
		guard?.recordBytes(copiedBytes, batchBytes);
		guard?.recordErrors(this.context.sourceAccount, failures);
	}

	async copyBatch(batch: Batch): Promise<void> {
		if (!(await this.admit(batch.items.length, batch.bytes))) return;
		const tally: Tally = { copiedBytes: 0, failures: 0 };
		try {
			await this.appendBatch(batch, tally);
		} finally {
			// Also when the session broke halfway: what was recorded as copied counts against the byte budget.
			this.settle(batch.bytes, tally.copiedBytes, tally.failures);
		}
	}

	private async appendBatch(batch: Batch, tally: Tally): Promise<void> {
		const bodies = new Map<number, Buffer>();
		await this.source.fetchBodies(
			batch.items.map((meta) => meta.uid),
			(body) => bodies.set(body.uid, body.raw),
		);
		// Messages expunged from the source since the scan are gone: nothing to copy, nothing to record.
		this.handled(batch.items.filter((meta) => !bodies.has(meta.uid)));
		const present = batch.items.filter((meta) => bodies.has(meta.uid));
		if (present.length === 0) return;
		const prints = new Map(
			present.map((meta) => [meta.uid, fingerprintOf(bodies.get(meta.uid) as Buffer)]),
		);
		const flags = new Map(present.map((meta) => [meta.uid, this.keptFlags(meta, true)]));
		await this.context.ledger.recordIntents(
			present.map((meta) => ({
				...this.key,
				uidValidity: this.uidValidity,
				uid: meta.uid,
				...factsOf(meta, this.route, flags.get(meta.uid) ?? [], prints.get(meta.uid) ?? null),
			})),
		);
		const appendItems: AppendItem[] = present.map((meta) => ({
			raw: bodies.get(meta.uid) as Buffer,
			flags: flags.get(meta.uid) ?? [],
			internalDate: meta.internalDate,
		}));
		bodies.clear();
		const results = await this.appendWithBackoff(appendItems);
		const outcomes: ItemOutcome[] = [];
		const settled: MessageMeta[] = [];
		const refusedForSize: number[] = [];
		let copiedBytes = 0;
		present.forEach((meta, index) => {
			const result = results[index];
			const fingerprint = prints.get(meta.uid) ?? null;
			if (result.ok) {
				outcomes.push(this.outcome(meta, 'copied', { targetUid: result.uid, fingerprint }));
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
			if (!result.permanent && this.context.signal?.aborted) return;
			outcomes.push(this.failedOutcome(meta, result, fingerprint));
			settled.push(meta);
		});
		await this.context.ledger.recordOutcomes(outcomes);
		const copied = outcomes.filter((outcome) => outcome.status === 'copied').length;
		this.report.copied += copied;
		this.report.failed += outcomes.length - copied;
		this.context.totals.copied += copied;
		this.context.totals.bytes += copiedBytes;
		tally.copiedBytes += copiedBytes;
		tally.failures += outcomes.length - copied;
		this.handled(settled);
		for (const index of refusedForSize) {
			const meta = present[index];
			if (this.context.oversize.zipAttachments) {
				const original = {
					raw: appendItems[index].raw,
					flags: appendItems[index].flags,
					fingerprint: prints.get(meta.uid) as string,
				};
				await this.appendZipped(meta, original, meta.size - 1, tally, true);
			} else {
				await this.recordOversize(meta, null, 'zipping attachments is off');
			}
		}
		this.progressed();
	}

	private progressed(): void {
		this.context.onProgress?.({
			mailbox: this.context.mailbox,
			folder: this.route.sourcePath,
			copied: this.report.copied,
			bytes: this.context.totals.bytes,
			sourceItems: this.report.sourceItems,
		});
	}

	/**
	 * Appends, and retries items the server refused for now ([THROTTLED], [UNAVAILABLE], [LIMIT]...) after a jittered,
	 * growing pause, a bounded number of times; what is still refused after that is reported as failed.
	 */
	async appendWithBackoff(items: AppendItem[]): Promise<AppendResult[]> {
		const results = await this.target.append(items);
		this.context.afterAppend?.();
		for (let attempt = 0; attempt < MAX_BACKOFF_RETRIES; attempt++) {
			const retry = results
				.map((result, index) => ({ result, index }))
				.filter(({ result }) => !result.ok && !result.permanent);
			if (retry.length === 0 || this.context.signal?.aborted) break;
			this.context.totals.serverBackoffs++;
			const hint = retry
				.map(({ result }) => (result.ok ? null : (result.hintMs ?? null)))
				.find((ms) => ms !== null);
			// The whole mailbox pauses, and through the limiter every mailbox on this target: not just this batch.
			const hold = this.context.hold;
			hold.until = Math.max(hold.until, Date.now() + backoffDelayMs(attempt, hint ?? null));
			const controls = this.context.controls;
			controls?.limiter?.holdOff(controls.targetHost, hold.until - Date.now());
			await pauseUnlessAborted(hold.until - Date.now(), this.context.signal);
			if (this.context.signal?.aborted) break;
			const again = await this.target.append(retry.map(({ index }) => items[index]));
			this.context.afterAppend?.();
			retry.forEach(({ index }, position) => (results[index] = again[position]));
		}
		return results;
	}

	private stopping(): boolean {
		return this.yielding || Boolean(this.context.signal?.aborted);
	}

	private sizeLimit(): number | null {
		return sizeLimitOf(this.context, this.target);
	}

	/** Under a message or byte rate, batches shrink to about a second's worth so the pace stays even. */
	private batchTuning(): CopyTuning {
		const { tuning, controls } = this.context;
		if (!controls?.limiter) return tuning;
		const hosts = [controls.sourceHost, controls.targetHost].map((host) =>
			controls.limiter?.stats(host),
		);
		const lowest = (rates: (number | null | undefined)[]) => {
			const set = rates.filter((rate): rate is number => typeof rate === 'number');
			return set.length ? Math.min(...set) : null;
		};
		const messageRate = lowest(hosts.map((stats) => stats?.messagesPerSecond));
		const byteRate = lowest(hosts.map((stats) => stats?.bytesPerSecond));
		return {
			...tuning,
			batchMessages:
				messageRate === null
					? tuning.batchMessages
					: Math.max(1, Math.min(tuning.batchMessages, Math.floor(messageRate))),
			batchBytes:
				byteRate === null
					? tuning.batchBytes
					: Math.max(64 * 1024, Math.min(tuning.batchBytes, byteRate)),
		};
	}

	/**
	 * Copies the items, those over the target's size limit last and one at a time. `reconcile` holds the target's
	 * messages when it may hold copies the ledger does not know of.
	 */
	async copy(items: MessageMeta[], reconcile: Reconciliation | null): Promise<void> {
		this.reconcile = reconcile;
		const limit = this.sizeLimit();
		const fitting = limit === null ? items : items.filter((meta) => meta.size <= limit);
		await runBounded(
			makeBatches(fitting, this.batchTuning()),
			this.context.tuning.pipelineDepth,
			(batch) => this.copyBatch(batch),
			() => this.stopping(),
		);
		if (limit !== null) {
			for (const meta of items) {
				if (meta.size <= limit) continue;
				if (this.stopping()) break;
				await this.copyOversize(meta, limit);
			}
		}
		if (this.yielding) throw new ConnectionYieldError();
	}

	/** Target messages that may be unrecorded copies, for the oversize path; set per window by copy(). */
	private reconcile: Reconciliation | null = null;

	/** A message over the target's limit, found by its size before any APPEND. */
	private async copyOversize(meta: MessageMeta, limit: number): Promise<void> {
		if (!this.context.oversize.zipAttachments) {
			await this.recordOversize(meta, limit, 'zipping attachments is off');
			return;
		}
		if (!(await this.admit(1, meta.size))) return;
		const tally: Tally = { copiedBytes: 0, failures: 0 };
		try {
			let raw: Buffer | null = null;
			await this.source.fetchBodies([meta.uid], (body) => (raw = body.raw));
			if (!raw) {
				this.handled([meta]);
				return;
			}
			const original = { raw, flags: this.keptFlags(meta, true), fingerprint: fingerprintOf(raw) };
			await this.appendZipped(meta, original, limit, tally);
		} finally {
			this.settle(meta.size, tally.copiedBytes, tally.failures);
		}
	}

	/**
	 * Packs the attachments of a message into one zip so it fits under `limit`, and appends that; when it cannot be
	 * done or is not enough, the item is skipped as `oversize` with its size. Never dropped silently.
	 * `unannounced`: the target refused the message for its size without saying its limit.
	 */
	private async appendZipped(
		meta: MessageMeta,
		original: { raw: Buffer; flags: string[]; fingerprint: string },
		limit: number,
		tally: Tally,
		unannounced = false,
	): Promise<void> {
		const { flags, fingerprint } = original;
		// The source's size was off and the message fits as it is.
		if (!unannounced && original.raw.length <= limit) {
			const result = await this.appendOne(meta, { ...original, reason: null }, tally);
			if (!result || result.ok || !result.tooBig) return;
			// Refused for its size after all: zip it below its real size.
			await this.appendZipped(meta, original, original.raw.length - 1, tally, true);
			return;
		}
		const shrunk = await shrinkByZippingAttachments(original.raw, limit);
		if (shrunk.kind === 'unchanged') {
			await this.recordOversize(meta, unannounced ? null : limit, shrunk.reason);
			return;
		}
		const parts = shrunk.zippedParts.length;
		const reason = `${ZIPPED_REASON_PREFIX} ${parts} attachment${parts === 1 ? '' : 's'} packed into one zip, ${meta.size} -> ${shrunk.raw.length} bytes`;
		// Zipping is deterministic: a copy left by a crash or found without a ledger has exactly these bytes.
		const earlier = await this.findZippedCopy(meta, shrunk.raw);
		if (earlier) {
			await this.context.ledger.recordOutcomes([
				this.outcome(meta, 'present', { targetUid: earlier.uid, fingerprint, reason }),
			]);
			this.report.alreadyPresent++;
			this.handled([meta]);
			return;
		}
		const result = await this.appendOne(
			meta,
			{ raw: shrunk.raw, flags, fingerprint, reason },
			tally,
		);
		if (result?.ok) this.context.totals.zipped++;
		if (result && !result.ok && result.tooBig) {
			await this.recordOversize(
				meta,
				unannounced ? null : limit,
				`refused even zipped to ${shrunk.raw.length} bytes`,
			);
		}
	}

	/**
	 * Appends one message (as it is, or its zipped copy) with its ledger intent and outcome. A size refusal is left to
	 * the caller (returned, nothing recorded); a pause the run was stopped in leaves the item pending.
	 */
	private async appendOne(
		meta: MessageMeta,
		copy: { raw: Buffer; flags: string[]; fingerprint: string; reason: string | null },
		tally: Tally,
	): Promise<AppendResult | null> {
		await this.context.ledger.recordIntents([
			{
				...this.key,
				uidValidity: this.uidValidity,
				uid: meta.uid,
				...factsOf(meta, this.route, copy.flags, copy.fingerprint),
			},
		]);
		const [result] = await this.appendWithBackoff([
			{ raw: copy.raw, flags: copy.flags, internalDate: meta.internalDate },
		]);
		if (result.ok) {
			await this.context.ledger.recordOutcomes([
				this.outcome(meta, 'copied', {
					targetUid: result.uid,
					fingerprint: copy.fingerprint,
					reason: copy.reason,
				}),
			]);
			this.report.copied++;
			this.context.totals.copied++;
			this.context.totals.bytes += copy.raw.length;
			tally.copiedBytes += copy.raw.length;
			this.handled([meta]);
			this.progressed();
			return result;
		}
		if (result.tooBig) return result;
		if (!result.permanent && this.context.signal?.aborted) return null;
		await this.context.ledger.recordOutcomes([this.failedOutcome(meta, result, copy.fingerprint)]);
		this.report.failed++;
		tally.failures++;
		this.handled([meta]);
		return result;
	}

	/** The ledger outcome of a refused item, also listed in the report's failed items. */
	private failedOutcome(
		meta: MessageMeta,
		result: Extract<AppendResult, { ok: false }>,
		fingerprint: string | null,
	): ItemOutcome {
		const reason = `${result.code ? `[${result.code}] ` : ''}${result.message}`;
		noteFailure(this.context, {
			folder: this.route.sourcePath,
			uid: meta.uid,
			messageId: meta.messageId,
			size: meta.size,
			code: result.code,
			reason,
		});
		return this.outcome(meta, 'failed', { reason, fingerprint });
	}

	/** The target message an earlier, unrecorded APPEND of this zipped copy left, unless another item claims it. */
	private async findZippedCopy(meta: MessageMeta, raw: Buffer): Promise<MessageMeta | null> {
		const reconcile = this.reconcile;
		if (!reconcile) return null;
		const key = matchKey({
			messageId: meta.messageId,
			size: raw.length,
			internalDateMs: parseImapDate(meta.internalDate),
		});
		const claimed = new Set(reconcile.claims.map((claim) => claim.targetUid));
		const candidates = reconcile.targetMessages.filter(
			(message) => !claimed.has(message.uid) && keyOfMeta(message) === key,
		);
		if (candidates.length === 0) return null;
		const print = fingerprintOf(raw);
		const prints = await fingerprints(
			this.target,
			candidates.map((message) => message.uid),
		);
		const found = candidates.find((message) => prints.get(message.uid) === print) ?? null;
		if (found) reconcile.claims.push({ targetUid: found.uid, key, ownFolder: true });
		return found;
	}

	/** Delta: carries flag changes of copied items to the target. */
	async syncFlags(metas: MessageMeta[], items: FolderItems): Promise<void> {
		const updates: { uid: number; targetUid: number; flags: string[]; modseq: string | null }[] =
			[];
		for (const meta of metas) {
			const state = items.get(meta.uid);
			if (!state || (state.status !== 'copied' && state.status !== 'present')) continue;
			if (!state.targetUid || state.targetUidValidity !== this.targetStatus.uidValidity) continue;
			const kept = this.keptFlags(meta, false);
			if (flagsKey(kept) !== state.flags) {
				updates.push({
					uid: meta.uid,
					targetUid: state.targetUid,
					flags: kept,
					modseq: meta.modseq,
				});
			}
		}
		for (const update of updates) await this.target.setFlags(update.targetUid, update.flags);
		if (updates.length) {
			await this.context.ledger.recordFlags(
				updates.map((update) => ({
					...this.key,
					uidValidity: this.uidValidity,
					uid: update.uid,
					flags: flagsKey(update.flags),
					modseq: update.modseq,
				})),
			);
		}
		this.context.totals.flagsUpdated += updates.length;
	}
}

/**
 * After the source folder's UIDVALIDITY changed, ties the new UIDs to the records of the old ones by match key (and
 * fingerprint for items without a Message-ID), so the folder is not copied again.
 */
async function rebindAfterUidValidityChange(
	context: FolderSyncContext,
	route: FolderRoute,
	source: MailSource,
	oldUidValidity: number,
	newUidValidity: number,
	metas: MessageMeta[],
): Promise<void> {
	const old = await context.ledger.getFolderItems(
		context.migrationId,
		context.sourceAccount,
		route.sourceRaw,
		oldUidValidity,
	);
	const bag = new KeyedBag<{ uid: number; state: FolderItemState }>();
	for (const [uid, state] of old) bag.add(keyOfState(state), { uid, state });
	const needPrints = metas.filter(
		(meta) => !meta.messageId && bag.peek(keyOfMeta(meta)).length > 0,
	);
	const prints = await fingerprints(
		source,
		needPrints.map((meta) => meta.uid),
	);
	const mapping: { oldUid: number; newUid: number }[] = [];
	for (const meta of metas) {
		const found = bag.take(keyOfMeta(meta), (candidate) =>
			meta.messageId ? true : candidate.state.fingerprint === prints.get(meta.uid),
		);
		if (found) mapping.push({ oldUid: found.uid, newUid: meta.uid });
	}
	await context.ledger.rebindUidValidity(
		context.migrationId,
		context.sourceAccount,
		route.sourceRaw,
		oldUidValidity,
		newUidValidity,
		mapping,
	);
}

/**
 * Full, Delta and Dry run for one folder. Resumable at any point: the ledger and the target decide what is left.
 * When a pass is interrupted (ConnectionYieldError, a lost session), calling again with the same `options.progress`
 * continues it where it stopped.
 */
export async function syncFolder(
	context: FolderSyncContext,
	route: FolderRoute,
	source: MailSource,
	target: MailTarget,
	options: FolderPassOptions = { progress: {} },
): Promise<FolderReport> {
	const { ledger, migrationId, sourceAccount } = context;
	const status = await source.openFolder(route.sourceRaw);
	const earlier = options.progress.current;
	// A pass continued on a new session, unless the folder was recreated in between.
	const resumed = earlier && earlier.uidValidity === status.uidValidity ? earlier : null;
	const report =
		resumed?.report ?? emptyReport(route, context.mode === 'dryRun' ? 'planned' : 'copied');
	if (!resumed) report.sourceItems = status.exists;
	const state = await ledger.getFolderState(migrationId, sourceAccount, route.sourceRaw);
	const condstoreUnchanged =
		context.mode !== 'delta' ||
		!status.highestModseq ||
		state?.highestModseq === status.highestModseq;
	if (
		!resumed &&
		context.mode !== 'dryRun' &&
		state &&
		state.uidValidity === status.uidValidity &&
		state.uidNext === status.uidNext &&
		state.counts.sourceExists === status.exists &&
		state.counts.open === 0 &&
		// Skipped items are counted by reason only when the folder is walked.
		!state.counts.skipped &&
		condstoreUnchanged
	) {
		report.action = 'unchanged';
		report.alreadyPresent = status.exists;
		return report;
	}

	if (!resumed && state && state.uidValidity !== status.uidValidity && context.mode !== 'dryRun') {
		const all = status.exists > 0 ? await source.scan() : [];
		await rebindAfterUidValidityChange(
			context,
			route,
			source,
			state.uidValidity,
			status.uidValidity,
			all,
		);
	}
	// Large folders are walked in UID windows, so memory follows the window, not the folder.
	const uids = status.exists > 0 ? await source.uids() : [];
	if (!resumed) report.sourceItems = uids.length;
	const progress: FolderProgress = resumed ?? {
		report,
		uidValidity: status.uidValidity,
		windowFrom: 0,
		windowTo: 0,
		unhandled: null,
		open: 0,
	};
	options.progress.current = progress;
	let copy: FolderCopy | null = null;
	let targetStatus: TargetFolderStatus | null = null;
	let reconcile: Reconciliation | null | undefined;
	let toCopy = 0;
	let start = uids.findIndex((uid) => uid >= progress.windowFrom);
	if (start < 0) start = uids.length;
	while (start < uids.length) {
		// An interrupted window goes on over the same range, whatever was expunged or added in between.
		const range = progress.unhandled
			? { from: progress.windowFrom, to: progress.windowTo }
			: {
					from: uids[start],
					to: uids[Math.min(uids.length, start + context.tuning.windowMessages) - 1],
				};
		progress.windowFrom = range.from;
		progress.windowTo = range.to;
		while (start < uids.length && uids[start] <= range.to) start++;
		const metas = await source.scan(range.from, range.to);
		const items = await ledger.getFolderItems(
			migrationId,
			sourceAccount,
			route.sourceRaw,
			status.uidValidity,
			range,
		);
		// Items an interrupted attempt of this window already counted are not counted (or tried) again.
		const unhandled = progress.unhandled;
		const fresh = unhandled ? metas.filter((meta) => unhandled.has(meta.uid)) : metas;
		const todo = fresh.filter((meta) => {
			const item = items.get(meta.uid);
			return !DONE_STATUSES.has(item?.status ?? '') || retryableOversize(context, target, item);
		});
		report.alreadyPresent += fresh.length - todo.length;
		for (const meta of fresh) {
			const item = items.get(meta.uid);
			if (item?.status === 'skipped' && !retryableOversize(context, target, item)) {
				report.alreadyPresent--;
				report.skipped++;
				noteSkip(context, item.reason ?? 'skipped');
			}
		}
		if (context.mode === 'dryRun') {
			toCopy += todo.length;
			continue;
		}
		progress.unhandled = new Set(todo.map((meta) => meta.uid));
		if (!copy || !targetStatus) {
			targetStatus = await target.openFolder(route.targetRaw);
			copy = new FolderCopy(
				context,
				route,
				source,
				target,
				targetStatus,
				status.uidValidity,
				report,
				progress,
				options.shouldYield,
			);
		}
		let remaining = todo;
		if (todo.length > 0 && targetStatus.exists > 0) {
			if (reconcile === undefined)
				reconcile = await prepareReconciliation(
					context,
					route,
					target,
					targetStatus,
					status.uidValidity,
				);
			if (reconcile) {
				const matches = await matchInTarget(
					source,
					target,
					todo,
					reconcile.targetMessages,
					reconcile.claims,
				);
				if (matches.size) {
					await copy.recordPresent(matches, todo);
					remaining = todo.filter((meta) => !matches.has(meta.uid));
					// Each target message answers for one item only, also in later windows.
					for (const found of matches.values()) {
						reconcile.claims.push({ targetUid: found.uid, key: keyOfMeta(found), ownFolder: true });
					}
				}
			}
		}
		await copy.copy(remaining, reconcile ?? null);
		// Stopped with items of this window left: the pass ends here and the next run goes on from the ledger.
		if (context.signal?.aborted && (progress.unhandled?.size ?? 0) > 0) {
			report.action = 'paused';
			return report;
		}
		const after = await ledger.getFolderItems(
			migrationId,
			sourceAccount,
			route.sourceRaw,
			status.uidValidity,
			range,
		);
		if (context.mode === 'delta') await copy.syncFlags(metas, after);
		progress.open += metas.filter(
			(meta) => !DONE_STATUSES.has(after.get(meta.uid)?.status ?? ''),
		).length;
		progress.windowFrom = range.to + 1;
		progress.unhandled = null;
	}
	if (context.mode === 'dryRun') {
		report.toCopy = toCopy;
		return report;
	}

	const counts = await ledger.countsByStatus(migrationId, sourceAccount, route.sourceRaw);
	await ledger.setFolderState({
		migrationId,
		sourceAccount,
		sourceFolder: route.sourceRaw,
		uidValidity: status.uidValidity,
		uidNext: status.uidNext,
		highestModseq: status.highestModseq,
		lastPassCompletedAt: new Date().toISOString(),
		targetFolder: route.targetRaw,
		counts: { ...counts, sourceExists: uids.length, open: progress.open },
	});
	return report;
}

interface Reconciliation {
	targetMessages: MessageMeta[];
	claims: Claim[];
}

/**
 * Decides once per folder whether the target may hold items the ledger does not tie to it (a crash between APPEND
 * and its record, a lost ledger, a pre-filled target) and, only then, loads what matching needs. Counting first
 * keeps the common case (ledger and target agree) free of a whole-folder load.
 */
async function prepareReconciliation(
	context: FolderSyncContext,
	route: FolderRoute,
	target: MailTarget,
	targetStatus: TargetFolderStatus,
	uidValidity: number,
): Promise<Reconciliation | null> {
	let accounted = 0;
	let pending = 0;
	for (const sibling of context.routes) {
		if (sibling.targetRaw !== route.targetRaw || sibling.skipReason || !sibling.sourceRaw) continue;
		const counts = await context.ledger.countsByStatus(
			context.migrationId,
			context.sourceAccount,
			sibling.sourceRaw,
		);
		accounted += counts.copied + counts.present;
		pending += counts.pending;
	}
	if (pending === 0 && targetStatus.exists <= accounted) return null;
	const items = await context.ledger.getFolderItems(
		context.migrationId,
		context.sourceAccount,
		route.sourceRaw,
		uidValidity,
	);
	const claims = await targetClaims(context, route, targetStatus.uidValidity, {
		sourceRaw: route.sourceRaw,
		items,
	});
	return { targetMessages: await target.scan(), claims };
}

/**
 * Verify for one folder: every source item is accounted for (in the target at the UID the ledger recorded, or
 * skipped or failed with a reason), and every target message belongs to some source item. Writes nothing to either
 * side; items found missing are marked failed in the ledger so the next Full run copies them again.
 */
export async function verifyFolder(
	context: FolderSyncContext,
	route: FolderRoute,
	source: MailSource,
	target: MailTarget,
	targetExists: boolean,
): Promise<FolderReport> {
	const report = emptyReport(route, 'verified');
	const status = await source.openFolder(route.sourceRaw);
	const metas = status.exists > 0 ? await source.scan() : [];
	report.sourceItems = metas.length;
	const items = await context.ledger.getFolderItems(
		context.migrationId,
		context.sourceAccount,
		route.sourceRaw,
		status.uidValidity,
	);
	report.ledgerItems = items.size;
	const targetStatus = targetExists ? await target.openFolder(route.targetRaw) : null;
	const targetMessages = targetStatus && targetStatus.exists > 0 ? await target.scan() : [];
	report.targetItems = targetMessages.length;
	const targetByUid = new Map(targetMessages.map((message) => [message.uid, message]));
	const claims = targetStatus
		? await targetClaims(context, route, targetStatus.uidValidity, {
				sourceRaw: route.sourceRaw,
				items,
			})
		: [];
	const keyless = new KeyedBag<MessageMeta>();
	const claimedUids = new Set(
		claims.filter((claim) => claim.targetUid).map((claim) => claim.targetUid),
	);
	for (const message of targetMessages)
		if (!claimedUids.has(message.uid)) keyless.add(keyOfMeta(message), message);
	const policy = new FlagPolicy(targetStatus?.permanentFlags ?? []);
	const missing: ItemOutcome[] = [];
	const difference = (
		meta: MessageMeta,
		kind: VerifyDifference['kind'],
		reason: string,
		uid = meta.uid,
	) =>
		context.differences.push({
			folder: route.sourcePath,
			kind,
			uid,
			messageId: meta.messageId,
			size: meta.size,
			reason,
		});

	for (const meta of metas) {
		const item = items.get(meta.uid);
		if (!item) {
			report.failed++;
			difference(meta, 'missing', 'not migrated yet');
			continue;
		}
		if (item.status === 'skipped') {
			report.skipped++;
			noteSkip(context, item.reason ?? 'skipped');
			continue;
		}
		if (item.status === 'failed' || item.status === 'pending') {
			report.failed++;
			difference(
				meta,
				'missing',
				item.status === 'failed'
					? `failed: ${item.reason ?? 'unknown'}`
					: 'copy interrupted, not confirmed',
			);
			continue;
		}
		let found: MessageMeta | undefined;
		if (item.targetUid && item.targetUidValidity === targetStatus?.uidValidity) {
			found = targetByUid.get(item.targetUid);
			// A zipped copy is smaller than its source by design.
			const zipped = item.reason?.startsWith(ZIPPED_REASON_PREFIX) ?? false;
			if (found && found.size !== meta.size && !zipped) found = undefined;
		} else {
			found = keyless.take(keyOfMeta(meta));
		}
		if (!found) {
			report.failed++;
			difference(meta, 'missing', 'deleted from the target after it was copied');
			missing.push({
				migrationId: context.migrationId,
				sourceAccount: context.sourceAccount,
				sourceFolder: route.sourceRaw,
				uidValidity: status.uidValidity,
				uid: meta.uid,
				...factsOf(meta, route, policy.split(meta.flags).kept, item.fingerprint),
				status: 'failed',
				reason: 'missing from the target at verification',
				targetUidValidity: null,
				targetUid: null,
			});
			continue;
		}
		report.alreadyPresent++;
		if (flagsKey(policy.split(meta.flags).kept) !== flagsKey(policy.split(found.flags).kept)) {
			difference(
				meta,
				'flags',
				`flags differ: source (${meta.flags.join(' ')}) target (${found.flags.join(' ')})`,
			);
		}
	}
	// Target messages that no item of this migration claims are extra.
	if (targetStatus) {
		// This folder's items without a target UID already took their messages above; other folders' take theirs here.
		const byKeyClaims = new KeyedBag<boolean>();
		for (const claim of claims)
			if (!claim.targetUid && !claim.ownFolder) byKeyClaims.add(claim.key, true);
		for (const message of keyless.values()) {
			if (byKeyClaims.take(keyOfMeta(message))) continue;
			difference(message, 'extra', 'in the target but not from this migration', message.uid);
		}
	}
	if (missing.length) {
		await context.ledger.recordOutcomes(missing);
		// Reopen the folder for the next Full or Delta pass, which would otherwise see it as unchanged.
		const state = await context.ledger.getFolderState(
			context.migrationId,
			context.sourceAccount,
			route.sourceRaw,
		);
		if (state) {
			await context.ledger.setFolderState({
				...state,
				counts: { ...state.counts, open: (state.counts.open ?? 0) + missing.length },
			});
		}
	}
	return report;
}
