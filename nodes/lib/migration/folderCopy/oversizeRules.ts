/**
 * The decisions about messages over the target's size limit: which limit applies, how a skip or a zipped copy is
 * recorded (as fields, with a reason for people), and when a skipped message is worth trying again.
 */
import type { FolderItemState, OversizeRecord } from '../../ledger/types';
import type { OversizePolicy } from '../types';

/** Ledger reason of an item copied with its attachments zipped: its target copy is smaller than the source. */
export const ZIPPED_REASON_PREFIX = 'zipped:';

/** The largest message the target takes: its own limit or the configured one, whichever is smaller. */
export function sizeLimitOf(policy: OversizePolicy, appendLimit: number | null): number | null {
	const limits = [appendLimit, policy.maxMessageBytes].filter(
		(limit): limit is number => limit !== null && limit > 0,
	);
	return limits.length ? Math.min(...limits) : null;
}

/**
 * The ledger reason and record of a message skipped as over `limitBytes` (null: refused for its size without the
 * target announcing a limit). `why`: what zipping found, when it was on.
 */
export function skippedOversize(
	size: number,
	limitBytes: number | null,
	zipping: boolean,
	why: string,
): { reason: string; oversize: OversizeRecord } {
	const bound = limitBytes === null ? 'target limit not announced' : `target limit ${limitBytes}`;
	const detail = zipping ? why : 'zipping attachments is off';
	return {
		reason: `oversize ${size} bytes (${bound})${detail ? `: ${detail}` : ''}`,
		oversize: { handling: 'skipped', limitBytes, zipping },
	};
}

export function zippedReason(zippedParts: number, size: number, zippedSize: number): string {
	const parts = `${zippedParts} attachment${zippedParts === 1 ? '' : 's'}`;
	return `${ZIPPED_REASON_PREFIX} ${parts} packed into one zip, ${size} -> ${zippedSize} bytes`;
}

/**
 * An item skipped as oversize is tried again once the settings would let it through: a higher limit than the one
 * it was skipped under, or zipping turned on. Otherwise it stays skipped, without being fetched again every run.
 */
export function retryableOversize(
	policy: OversizePolicy,
	appendLimit: number | null,
	state: FolderItemState | undefined,
): boolean {
	const oversize = state?.oversize;
	if (oversize?.handling !== 'skipped' || state?.status !== 'skipped') return false;
	if (!oversize.zipping && policy.zipAttachments) return true;
	if (oversize.limitBytes === null) return false;
	const limit = sizeLimitOf(policy, appendLimit);
	return limit === null || limit > oversize.limitBytes;
}
