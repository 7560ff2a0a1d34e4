/** Match keys of source messages, target messages and ledger records, and fingerprints for when a key is not enough. */
import type { FolderItemState } from '../../ledger/types';
import type { MailSource, MessageMeta } from '../mailStore';
import { fingerprintOf, matchKey, parseImapDate } from '../messageIdentity';

export function keyOfMeta(meta: MessageMeta): string {
	return matchKey({
		messageId: meta.messageId,
		size: meta.size,
		internalDateMs: parseImapDate(meta.internalDate),
	});
}

export function keyOfState(state: FolderItemState): string {
	return matchKey({
		messageId: state.messageId,
		size: state.size,
		internalDateMs: Date.parse(state.internalDate),
	});
}

/** Fetches bodies and returns their fingerprints, for items whose identity needs the bytes. */
export async function fetchFingerprints(
	side: Pick<MailSource, 'fetchBodies'>,
	uids: readonly number[],
): Promise<Map<number, string>> {
	const result = new Map<number, string>();
	if (uids.length === 0) return result;
	await side.fetchBodies(uids, (body) => result.set(body.uid, fingerprintOf(body.raw)));
	return result;
}
