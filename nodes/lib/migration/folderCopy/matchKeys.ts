/** Match keys of source messages, target messages and ledger records, and fingerprints for when a key is not enough. */
import type { FolderItemState } from '../../ledger/types';
import type { MailSource, MailTarget, MessageMeta } from '../mailStore';
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

/**
 * The key a target copy is claimed under: its source key on a source-keyed target (one that carries none, an
 * interrupted or foreign message, matches nothing), its match key elsewhere.
 */
export function keyOfTargetMessage(
	target: Pick<MailTarget, 'sourceKeyed'>,
	message: MessageMeta,
): string {
	if (!target.sourceKeyed) return keyOfMeta(message);
	return message.sourceKey ? sourceKeyOf(message.sourceKey) : `\u0001unkeyed\u0000${message.uid}`;
}

/** The key a ledger record claims its target copy under (see keyOfTargetMessage). */
export function keyOfRecord(
	target: Pick<MailTarget, 'sourceKeyed'>,
	state: FolderItemState,
): string {
	if (!target.sourceKeyed) return keyOfState(state);
	return state.fingerprint
		? sourceKeyOf(state.fingerprint)
		: `\u0001unprinted\u0000${keyOfState(state)}`;
}

/** A source key as a claim key: apart from match keys, which start with a Message-ID or NUL. */
export function sourceKeyOf(fingerprint: string): string {
	return `\u0001${fingerprint}`;
}
