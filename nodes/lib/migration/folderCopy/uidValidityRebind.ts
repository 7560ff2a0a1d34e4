/** What follows a change of the source folder's UIDVALIDITY: its records are tied to the new UIDs, not copied again. */
import type { FolderItemState } from '../../ledger/types';
import type { MailSource, MessageMeta } from '../mailStore';
import { KeyedBag } from '../multiset';
import type { FolderRoute } from '../types';
import type { FolderSyncContext } from './context';
import { fetchFingerprints, keyOfMeta, keyOfState } from './matchKeys';

/**
 * Ties the new UIDs to the records of the old ones by match key (and fingerprint for items without a Message-ID),
 * so the folder is not copied again.
 */
export async function rebindAfterUidValidityChange(
	context: FolderSyncContext,
	route: FolderRoute,
	source: MailSource,
	change: { oldUidValidity: number; newUidValidity: number },
	metas: MessageMeta[],
): Promise<void> {
	const old = await context.ledger.getFolderItems(
		context.migrationId,
		context.sourceAccount,
		route.sourceRaw,
		change.oldUidValidity,
	);
	const bag = new KeyedBag<{ uid: number; state: FolderItemState }>();
	for (const [uid, state] of old) bag.add(keyOfState(state), { uid, state });
	const needPrints = metas.filter(
		(meta) => !meta.messageId && bag.peek(keyOfMeta(meta)).length > 0,
	);
	const prints = await fetchFingerprints(
		source,
		needPrints.map((meta) => meta.uid),
	);
	const mapping: { oldUid: number; newUid: number }[] = [];
	for (const meta of metas) {
		// Both sides are the source, so its size is a fair test too.
		const found = bag.take(
			keyOfMeta(meta),
			(candidate) =>
				candidate.state.size === meta.size &&
				(meta.messageId ? true : candidate.state.fingerprint === prints.get(meta.uid)),
		);
		if (found) mapping.push({ oldUid: found.uid, newUid: meta.uid });
	}
	await context.ledger.rebindUidValidity(
		context.migrationId,
		context.sourceAccount,
		route.sourceRaw,
		change.oldUidValidity,
		change.newUidValidity,
		mapping,
	);
}
