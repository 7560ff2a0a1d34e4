/**
 * Verify for one folder: every source item is accounted for (in the target at the UID the ledger recorded, or
 * skipped or failed with a reason), and every target message belongs to some source item. A copy the target stores
 * at another size than the source's is present, counted as rewritten by the target. Writes nothing to either
 * side; items found missing are marked failed in the ledger so the next Full run copies them again. The source, its
 * records and the target are read a window at a time: across windows only the claimed target UIDs and the target
 * messages no record claims by UID are kept.
 */
import type { ItemOutcome } from '../../ledger/types';
import { FlagPolicy, flagsKey } from '../flagPolicy';
import type { MailSource, MailTarget, MessageMeta } from '../mailStore';
import { KeyedBag } from '../multiset';
import type { FolderReport, FolderRoute, VerifyDifference } from '../types';
import { emptyReport, noteSkip, type FolderSyncContext } from './context';
import { uidWindows } from './folderWindows';
import { factsOf } from './ledgerOutcomes';
import { keyOfMeta, keyOfRecord, keyOfTargetMessage } from './matchKeys';
import { TargetClaims } from './targetClaims';

export async function verifyFolder(
	context: FolderSyncContext,
	route: FolderRoute,
	source: MailSource,
	target: MailTarget,
	targetExists: boolean,
): Promise<FolderReport> {
	const { ledger, migrationId, sourceAccount } = context;
	const report = { ...emptyReport(route, 'verified'), rewrittenByTarget: 0 };
	const status = await source.openFolder(route.sourceRaw);
	const uids = status.exists > 0 ? await source.uids() : [];
	const counts = await ledger.countsByStatus(
		migrationId,
		sourceAccount,
		route.sourceRaw,
		status.uidValidity,
	);
	report.ledgerItems = Object.values(counts).reduce((sum, count) => sum + count, 0);
	const targetStatus = targetExists ? await target.openFolder(route.targetRaw) : null;
	const claims = targetStatus
		? await TargetClaims.load(context, route, targetStatus.uidValidity, status.uidValidity, target)
		: TargetClaims.none();
	// Target messages no record claims by UID: those of items recorded without one, and extras.
	const { messages: keyless, scanned } = targetStatus
		? await claims.unclaimed(context, target)
		: { messages: new KeyedBag<MessageMeta>(), scanned: 0 };
	report.targetItems = scanned;
	const policy = new FlagPolicy(targetStatus?.permanentFlags ?? []);
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

	let missingCount = 0;
	for (const range of uidWindows(uids, context.tuning.windowMessages)) {
		const metas = await source.scan(range.from, range.to);
		report.sourceItems += metas.length;
		const items = await ledger.getFolderItems(
			migrationId,
			sourceAccount,
			route.sourceRaw,
			status.uidValidity,
			range,
		);
		const targetUids: number[] = [];
		for (const item of items.values()) {
			if (item.targetUid && item.targetUidValidity === targetStatus?.uidValidity)
				targetUids.push(item.targetUid);
		}
		const targetByUid = new Map(
			(targetStatus ? await target.scanUids(targetUids) : []).map((message) => [
				message.uid,
				message,
			]),
		);
		const missing: ItemOutcome[] = [];
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
			// The UID the target gave the copy names it for good, whatever size the target reports for it now.
			const found =
				item.targetUid && item.targetUidValidity === targetStatus?.uidValidity
					? targetByUid.get(item.targetUid)
					: target.sourceKeyed
						? keyless.take(keyOfRecord(target, item))
						: (keyless.take(keyOfMeta(meta), (message) => message.size === meta.size) ??
							keyless.take(keyOfMeta(meta)));
			if (!found) {
				report.failed++;
				difference(meta, 'missing', 'deleted from the target after it was copied');
				missing.push({
					migrationId,
					sourceAccount,
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
			// A zipped copy is smaller by design; any other size difference is the target's rewriting.
			if (found.size !== meta.size && item.oversize?.handling !== 'zipped') {
				report.rewrittenByTarget++;
			}
			if (flagsKey(policy.split(meta.flags).kept) !== flagsKey(policy.split(found.flags).kept)) {
				difference(
					meta,
					'flags',
					`flags differ: source (${meta.flags.join(' ')}) target (${found.flags.join(' ')})`,
				);
			}
		}
		if (missing.length) await ledger.recordOutcomes(missing);
		missingCount += missing.length;
	}
	// Target messages that no item of this migration claims are extra.
	if (targetStatus) {
		// This folder's items without a target UID already took their messages above; other folders' take theirs here.
		const byKeyClaims = new KeyedBag<boolean>();
		for (const claim of claims.byKey) if (!claim.ownFolder) byKeyClaims.add(claim.key, true);
		for (const message of keyless.values()) {
			if (byKeyClaims.take(keyOfTargetMessage(target, message))) continue;
			difference(message, 'extra', 'in the target but not from this migration', message.uid);
		}
	}
	if (missingCount) {
		// Reopen the folder for the next Full or Delta pass, which would otherwise see it as unchanged.
		const state = await ledger.getFolderState(migrationId, sourceAccount, route.sourceRaw);
		if (state) {
			await ledger.setFolderState({
				...state,
				counts: { ...state.counts, open: (state.counts.open ?? 0) + missingCount },
			});
		}
	}
	return report;
}
