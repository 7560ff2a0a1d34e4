/**
 * Where an error digest's "since the last digest" chain is kept, and how it moves:
 * - a chain per digest name and scope: a digest of the whole migration has the name's mark; one limited to some
 *   mailboxes (tonight's users) has a mark of its own for exactly that set, so it never moves the migration-wide mark
 *   past failures of other mailboxes. A new set of mailboxes starts from the beginning of their failures.
 * - the mark moves when the digest is built, or (`pending`) only once the digest is acknowledged with its mark token,
 *   e.g. after its email went out, so a digest whose delivery failed is read again by the next one.
 */
import { createHash, randomUUID } from 'node:crypto';

import type { ReportMark } from '../ledger/reporting';
import type { LedgerStore } from '../ledger/types';

/** When a digest moves its mark: as it is built, once acknowledged by its token, or never. */
export type DigestMarkMode = 'advance' | 'pending' | 'keep';

const PENDING = ' #pending ';
const PENDING_KEY = /^(.+) #pending [0-9a-f-]{36}$/;

/** The mark of a digest name over the whole migration (accounts undefined) or over exactly these ledger accounts. */
export function digestMarkName(
	digestName: string,
	accounts: readonly string[] | undefined,
): string {
	if (accounts === undefined) return digestName;
	const set = [...new Set(accounts.map((account) => account.toLowerCase()))].sort().join('\n');
	return `${digestName} #mailboxes ${createHash('sha256').update(set).digest('hex').slice(0, 24)}`;
}

/** Moves the mark now, or keeps the move aside and answers the token that makes it; null when nothing is written. */
export async function writeDigestMark(
	ledger: LedgerStore,
	migrationId: string,
	markName: string,
	mark: ReportMark,
	mode: DigestMarkMode,
): Promise<string | null> {
	if (mode === 'keep') return null;
	if (mode === 'advance') {
		await advanceTo(ledger, migrationId, markName, mark);
		return null;
	}
	const pendingName = `${markName}${PENDING}${randomUUID()}`;
	await ledger.setReportMark(migrationId, pendingName, mark);
	return Buffer.from(pendingName, 'utf8').toString('base64url');
}

/** The token was not made by a digest of this migration in this ledger, or was acknowledged already. */
export class DigestMarkTokenError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'DigestMarkTokenError';
	}
}

/** Moves a digest's mark to where its digest ended (never backwards), as its token says; answers that end. */
export async function acknowledgeDigest(
	ledger: LedgerStore,
	migrationId: string,
	markToken: string,
): Promise<{ markName: string; until: string }> {
	const pendingName = Buffer.from(markToken.trim(), 'base64url').toString('utf8');
	const markName = PENDING_KEY.exec(pendingName)?.[1];
	if (!markName) throw new DigestMarkTokenError('the mark token is not one an error digest gave');
	const mark = await ledger.getReportMark(migrationId, pendingName);
	if (!mark) {
		throw new DigestMarkTokenError(
			`the mark token is not known for migration "${migrationId}" in this ledger, or was used already`,
		);
	}
	await advanceTo(ledger, migrationId, markName, mark);
	await ledger.deleteReportMark(migrationId, pendingName);
	return { markName, until: mark.until };
}

/** An older digest acknowledged after a newer one leaves the newer one's mark. */
async function advanceTo(
	ledger: LedgerStore,
	migrationId: string,
	markName: string,
	mark: ReportMark,
): Promise<void> {
	const current = await ledger.getReportMark(migrationId, markName);
	if (current && current.until >= mark.until) return;
	await ledger.setReportMark(migrationId, markName, mark);
}
