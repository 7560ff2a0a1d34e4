/**
 * The UID-window loop of a folder pass: large folders are walked in windows of UIDs, so memory follows the window,
 * not the folder. Per window: what the ledger says is left, what reconciliation finds already in the target, the
 * copy of the rest, and (Delta) the flag changes. An interrupted window goes on over the same range.
 */
import type { FolderItems, LedgerItem } from '../../ledger/types';
import type { MessageMeta, TargetFolderStatus } from '../mailStore';
import { noteSkip, type CopyPass } from './context';
import { FolderCopy } from './folderCopy';
import { retryableOversize } from './oversizeRules';
import { TargetReconciliation } from './reconciliation';
import { accountForUnscanned, listFailedItem } from './sourceReads';

const DONE_STATUSES = new Set(['copied', 'present', 'skipped']);

/** What walking one folder's windows works on: the pass before its target folder is open, and the folder's UIDs. */
export interface WindowWalk extends Omit<CopyPass, 'targetStatus'> {
	/** The source folder's UIDs, ascending. */
	uids: readonly number[];
}

/** Runs an item that keeps failing is tried in; after that it is reported failed and left alone. */
export const MAX_COPY_ATTEMPTS = 3;

/** A window's items sorted out against the ledger. */
interface SortedWindow {
	/** To copy now. */
	todo: MessageMeta[];
	/** Failed in an earlier run: tried again after the new work (see retryFailed). */
	failed: MessageMeta[];
}

/** Items of a window still to do; the others are counted in the report as already there or skipped. */
function sortOutWindow(walk: WindowWalk, fresh: MessageMeta[], items: FolderItems): SortedWindow {
	const { context, target, report } = walk;
	const appendLimit = target.appendLimit;
	const todo: MessageMeta[] = [];
	const failed: MessageMeta[] = [];
	for (const meta of fresh) {
		const item = items.get(meta.uid);
		if (item?.status === 'failed' && context.mode !== 'dryRun') {
			failed.push(meta);
		} else if (
			!DONE_STATUSES.has(item?.status ?? '') ||
			retryableOversize(context.oversize, appendLimit, item)
		) {
			todo.push(meta);
		} else if (item?.status === 'skipped') {
			report.skipped++;
			noteSkip(context, item.reason ?? 'skipped');
		} else {
			report.alreadyPresent++;
		}
	}
	return { todo, failed };
}

/** The ledger's record of one of the folder's items (failed ones: few, so read one by one). */
function ledgerItem(walk: WindowWalk, uid: number): Promise<LedgerItem | null> {
	const { context, route, uidValidity } = walk;
	return context.ledger.getItem({
		migrationId: context.migrationId,
		sourceAccount: context.sourceAccount,
		sourceFolder: route.sourceRaw,
		uidValidity,
		uid,
	});
}

/**
 * Puts a window's earlier failures aside to be tried after the new work, unless they failed MAX_COPY_ATTEMPTS runs
 * already: those are reported failed with their attempts and not tried again. Known failures thus neither hold back
 * new items nor spend the error threshold before the new items ran.
 */
async function putAsideFailed(walk: WindowWalk, failed: readonly MessageMeta[]): Promise<void> {
	const { context, route, report, progress } = walk;
	for (const meta of failed) {
		const item = await ledgerItem(walk, meta.uid);
		const attempts = item?.attempts ?? 0;
		if (attempts < MAX_COPY_ATTEMPTS) {
			progress.retries.push({ meta, attempts });
			continue;
		}
		report.failed++;
		const reason = `${item?.reason ?? 'failed'} (failed ${attempts} runs; not tried again)`;
		listFailedItem(context, route, meta, reason, attempts);
	}
}

/** UIDs of a window that UID SEARCH listed (or an interrupted attempt left) and the metadata FETCH did not return. */
function unscanned(listed: Iterable<number>, metas: readonly MessageMeta[]): number[] {
	const scanned = new Set(metas.map((meta) => meta.uid));
	const missing: number[] = [];
	for (const uid of listed) if (!scanned.has(uid)) missing.push(uid);
	return missing;
}

/**
 * Walks the windows from where `progress` stands, then tries the items that failed in earlier runs again. `paused`:
 * the run was stopped with items left; the next run goes on from the ledger. A dry run only counts what it would
 * copy (`report.toCopy`).
 */
export async function walkWindows(walk: WindowWalk): Promise<'walked' | 'paused'> {
	const { context, route, source, target, uids, uidValidity, report, progress } = walk;
	const { ledger, migrationId, sourceAccount } = context;
	const windowItems = (range: { from: number; to: number }) =>
		ledger.getFolderItems(migrationId, sourceAccount, route.sourceRaw, uidValidity, range);
	const opened = new OpenedTarget(walk);
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
		// Records are read from the end of the last window: UIDs between windows are ones that left the folder.
		const recordsFrom = progress.unhandled ? range.from : progress.windowFrom;
		progress.windowFrom = range.from;
		progress.windowTo = range.to;
		const first = start;
		while (start < uids.length && uids[start] <= range.to) start++;
		const metas = await source.scan(range.from, range.to);
		const items = await windowItems({ from: recordsFrom, to: range.to });
		if (context.mode !== 'dryRun') await progress.returning.relink(walk, metas, items);
		// Items an interrupted attempt of this window already counted are not counted (or tried) again.
		const unhandled = progress.unhandled;
		const fresh = unhandled ? metas.filter((meta) => unhandled.has(meta.uid)) : metas;
		const listed = unhandled ?? uids.slice(first, start);
		if (fresh.length < (unhandled?.size ?? start - first)) {
			await accountForUnscanned(walk, unscanned(listed, metas));
		}
		const { todo, failed } = sortOutWindow(walk, fresh, items);
		if (context.mode === 'dryRun') {
			toCopy += todo.length;
			continue;
		}
		await putAsideFailed(walk, failed);
		progress.unhandled = new Set(todo.map((meta) => meta.uid));
		const copy = await opened.copy();
		let remaining = todo;
		if (todo.length > 0) {
			const reconciliation = await opened.reconciliation();
			if (reconciliation) {
				const matches = await reconciliation.match(source, target, todo, items);
				if (matches.size) {
					await copy.recordFound(todo, matches);
					remaining = todo.filter((meta) => !matches.has(meta.uid));
				}
			}
		}
		await copy.copy(remaining, opened.known ?? null);
		if (context.signal?.aborted && (progress.unhandled?.size ?? 0) > 0) return 'paused';
		const after = await windowItems(range);
		if (context.mode === 'delta') await copy.syncFlags(metas, after);
		progress.open += metas.filter(
			(meta) => !DONE_STATUSES.has(after.get(meta.uid)?.status ?? ''),
		).length;
		progress.windowFrom = range.to + 1;
		progress.unhandled = null;
	}
	if (context.mode === 'dryRun') {
		report.toCopy = toCopy;
		return 'walked';
	}
	return await retryFailed(walk, opened);
}

/**
 * The items of earlier runs' failures, once the new work is done: their failures are reported again (with one
 * attempt more) but do not count toward the error threshold. Those that succeed now are no longer open.
 */
async function retryFailed(walk: WindowWalk, opened: OpenedTarget): Promise<'walked' | 'paused'> {
	const { context, report, progress } = walk;
	if (progress.retries.length === 0) return 'walked';
	// A pass resumed on a new session tries only what the interrupted attempt did not try again yet.
	const due: MessageMeta[] = [];
	for (const retry of progress.retries) {
		const item = await ledgerItem(walk, retry.meta.uid);
		if (item?.status === 'failed' && item.attempts === retry.attempts) due.push(retry.meta);
	}
	const doneBefore = report.copied + report.alreadyPresent + report.skipped;
	const copy = await opened.copy();
	const reconciliation = due.length ? await opened.reconciliation() : null;
	await copy.copy(due, reconciliation, true);
	progress.open -= report.copied + report.alreadyPresent + report.skipped - doneBefore;
	progress.retries = [];
	return context.signal?.aborted ? 'paused' : 'walked';
}

/** The pass's target folder, opened when the first item needs it, with what copying into it needs. */
class OpenedTarget {
	private folderCopy: FolderCopy | null = null;
	private targetStatus: TargetFolderStatus | null = null;
	/** Undefined until decided; null when the ledger and the target agree (nothing to reconcile). */
	known: TargetReconciliation | null | undefined;

	constructor(private readonly walk: WindowWalk) {}

	async copy(): Promise<FolderCopy> {
		if (!this.folderCopy) {
			this.targetStatus = await this.walk.target.openFolder(this.walk.route.targetRaw);
			this.folderCopy = new FolderCopy({ ...this.walk, targetStatus: this.targetStatus });
		}
		return this.folderCopy;
	}

	/** What the target holds beyond the ledger, when it may hold copies the ledger does not know of. */
	async reconciliation(): Promise<TargetReconciliation | null> {
		const status = this.targetStatus;
		if (!status || status.exists === 0) return null;
		if (this.known === undefined) {
			const { context, route, target, uidValidity } = this.walk;
			this.known = await TargetReconciliation.prepare(context, route, target, status, uidValidity);
		}
		return this.known;
	}
}
