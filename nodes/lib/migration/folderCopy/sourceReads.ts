/**
 * Source messages a read did not bring back: listed by UID SEARCH but missing from the metadata FETCH, or without a
 * body in the body FETCH. Each is accounted for: expunged meanwhile (vanished, with the reason) or, while the folder
 * still holds it, failed with what the server said, so the folder is not reported complete without it.
 */
import type { MessageMeta, UnreadableMessage } from '../mailStore';
import type { FolderRoute } from '../types';
import type { Tally } from './admission';
import type { CopyPass, FolderSyncContext } from './context';
import type { ItemRecords } from './ledgerOutcomes';

/** A reason as the ledger stores it, `[CODE] text`: its code for the report. */
const CODE_IN_REASON = /^\[([^\]\s]+)\] /;

/** Lists a failed item in the report, while the list has room. */
export function listFailedItem(
	context: FolderSyncContext,
	route: FolderRoute,
	item: { uid: number; messageId: string | null; size: number },
	reason: string,
	attempts: number,
): void {
	if (context.failedItems.length >= context.maxFailedItemsReported) return;
	context.failedItems.push({
		folder: route.sourcePath,
		uid: item.uid,
		messageId: item.messageId,
		size: item.size,
		code: CODE_IN_REASON.exec(reason)?.[1] ?? null,
		reason,
		attempts,
	});
}

/** Counts source UIDs that were expunged during the pass, and lists them with the reason. */
export function noteVanished(
	pass: Pick<CopyPass, 'context' | 'route' | 'report'>,
	uids: readonly number[],
	reason: string,
): void {
	const { context, route, report } = pass;
	report.vanished += uids.length;
	for (const uid of uids) {
		if (context.vanishedItems.length >= context.maxFailedItemsReported) break;
		context.vanishedItems.push({ folder: route.sourcePath, uid, reason });
	}
}

/**
 * UIDs of a window that UID SEARCH listed and the metadata FETCH did not return: expunged since (vanished), or
 * withheld by the server. The latter have no facts to record, so they are counted failed and left open: the folder
 * is not complete and the next run reads them again.
 */
export async function accountForUnscanned(
	pass: Pick<CopyPass, 'context' | 'route' | 'report' | 'source' | 'progress'>,
	missing: readonly number[],
): Promise<void> {
	const still = await pass.source.existing(missing);
	noteVanished(
		pass,
		missing.filter((uid) => !still.has(uid)),
		'expunged from the source before its metadata was read',
	);
	for (const uid of missing) {
		if (!still.has(uid)) continue;
		pass.report.failed++;
		pass.progress.open++;
		const reason = "listed by UID SEARCH, but the source's FETCH did not return it";
		listFailedItem(pass.context, pass.route, { uid, messageId: null, size: 0 }, reason, 0);
	}
}

/**
 * Items of a body FETCH that came back without content: `unreadable` are those the server refused or sent empty,
 * the others it did not answer for. Gone from the folder: vanished. Still there: failed with the server's reason.
 */
export async function settleUnread(
	pass: CopyPass,
	records: ItemRecords,
	unread: readonly MessageMeta[],
	unreadable: readonly UnreadableMessage[],
	tally: Tally,
): Promise<void> {
	if (unread.length === 0) return;
	const still = await pass.source.existing(unread.map((meta) => meta.uid));
	records.vanished(
		unread.filter((meta) => !still.has(meta.uid)),
		'expunged from the source before its body was read',
	);
	const reasons = new Map(unreadable.map((item) => [item.uid, item.reason]));
	const failed = unread.filter((meta) => still.has(meta.uid));
	if (failed.length === 0) return;
	const outcomes = failed.map((meta) =>
		records.failed(
			meta,
			{
				code: null,
				message: reasons.get(meta.uid) ?? "the source's FETCH did not return this message",
			},
			null,
		),
	);
	await records.recordAppended(outcomes, failed, 0, tally);
}
