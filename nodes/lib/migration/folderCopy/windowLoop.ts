/**
 * The UID-window loop of a folder pass: large folders are walked in windows of UIDs, so memory follows the window,
 * not the folder. Per window: what the ledger says is left, what reconciliation finds already in the target, the
 * copy of the rest, and (Delta) the flag changes. An interrupted window goes on over the same range.
 */
import type { FolderItems } from '../../ledger/types';
import type { MessageMeta, TargetFolderStatus } from '../mailStore';
import { noteSkip, type CopyPass } from './context';
import { FolderCopy } from './folderCopy';
import { retryableOversize } from './oversizeRules';
import { TargetReconciliation } from './reconciliation';

const DONE_STATUSES = new Set(['copied', 'present', 'skipped']);

/** What walking one folder's windows works on: the pass before its target folder is open, and the folder's UIDs. */
export interface WindowWalk extends Omit<CopyPass, 'targetStatus'> {
	/** The source folder's UIDs, ascending. */
	uids: readonly number[];
}

/** Items of a window still to do; the others are counted in the report as already there or skipped. */
function sortOutWindow(walk: WindowWalk, fresh: MessageMeta[], items: FolderItems): MessageMeta[] {
	const { context, target, report } = walk;
	const appendLimit = target.appendLimit;
	const todo: MessageMeta[] = [];
	for (const meta of fresh) {
		const item = items.get(meta.uid);
		if (
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
	return todo;
}

/**
 * Walks the windows from where `progress` stands. `paused`: the run was stopped with items of a window left; the
 * next run goes on from the ledger. A dry run only counts what it would copy (`report.toCopy`).
 */
export async function walkWindows(walk: WindowWalk): Promise<'walked' | 'paused'> {
	const { context, route, source, target, uids, uidValidity, report, progress } = walk;
	const { ledger, migrationId, sourceAccount } = context;
	const windowItems = (range: { from: number; to: number }) =>
		ledger.getFolderItems(migrationId, sourceAccount, route.sourceRaw, uidValidity, range);
	let copy: FolderCopy | null = null;
	let targetStatus: TargetFolderStatus | null = null;
	let reconciliation: TargetReconciliation | null | undefined;
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
		while (start < uids.length && uids[start] <= range.to) start++;
		const metas = await source.scan(range.from, range.to);
		const items = await windowItems({ from: recordsFrom, to: range.to });
		if (context.mode !== 'dryRun') await progress.returning.relink(walk, metas, items);
		// Items an interrupted attempt of this window already counted are not counted (or tried) again.
		const unhandled = progress.unhandled;
		const fresh = unhandled ? metas.filter((meta) => unhandled.has(meta.uid)) : metas;
		const todo = sortOutWindow(walk, fresh, items);
		if (context.mode === 'dryRun') {
			toCopy += todo.length;
			continue;
		}
		progress.unhandled = new Set(todo.map((meta) => meta.uid));
		if (!copy || !targetStatus) {
			targetStatus = await target.openFolder(route.targetRaw);
			copy = new FolderCopy({ ...walk, targetStatus });
		}
		let remaining = todo;
		if (todo.length > 0 && targetStatus.exists > 0) {
			if (reconciliation === undefined) {
				reconciliation = await TargetReconciliation.prepare(
					context,
					route,
					target,
					targetStatus,
					uidValidity,
				);
			}
			if (reconciliation) {
				const matches = await reconciliation.match(source, target, todo);
				if (matches.size) {
					await copy.recordFound(todo, matches);
					remaining = todo.filter((meta) => !matches.has(meta.uid));
				}
			}
		}
		await copy.copy(remaining, reconciliation ?? null);
		if (context.signal?.aborted && (progress.unhandled?.size ?? 0) > 0) return 'paused';
		const after = await windowItems(range);
		if (context.mode === 'delta') await copy.syncFlags(metas, after);
		progress.open += metas.filter(
			(meta) => !DONE_STATUSES.has(after.get(meta.uid)?.status ?? ''),
		).length;
		progress.windowFrom = range.to + 1;
		progress.unhandled = null;
	}
	if (context.mode === 'dryRun') report.toCopy = toCopy;
	return 'walked';
}
