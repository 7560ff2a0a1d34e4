/**
 * The error digest: mailboxes that could not start and items that failed, recorded since a time or since the last
 * digest of the same name. Each failure is in exactly one digest of a name:
 * - a digest reads up to its own start (`until`) and the next one from there;
 * - a write may carry a time from before it committed (a batch takes its time, then waits for the file's write lock,
 *   up to the ledger's busy timeout), so it can land behind a digest that already read past its time. The next
 *   digest therefore reads again from `SETTLE_MS` before the mark, and leaves out what the mark says it showed.
 * Marks are per name and scope, and move as the digest is built or once it is acknowledged (see ./digestMarks).
 */
import type { ReportMark } from '../ledger/reporting';
import type { LedgerItem, LedgerStore, RunRecord } from '../ledger/types';
import type { ErrorDigest, FailedRunEntry } from './model';
import { digestMarkName, writeDigestMark, type DigestMarkMode } from './digestMarks';
import { itemEntryOf } from './itemEntries';
import { accountScope } from './userScope';
import type { ReportRequest } from './waveSummary';

/** Longer than a write can wait for the file (the SQLite ledger's busy timeout is 10 s by default). */
export const SETTLE_MS = 60_000;

export const DEFAULT_DIGEST_NAME = 'errorDigest';

export interface ErrorDigestRequest extends ReportRequest {
	/** `lastDigest`: from where the last digest of `digestName` ended (the beginning for the first); else ISO 8601. */
	since: 'lastDigest' | string;
	/** Digests of one name and scope share a mark, e.g. one per distribution list. */
	digestName?: string;
	/** Most failed items listed (the count covers them all). */
	limit: number;
	/**
	 * When the mark moves to this digest's end, so the next `lastDigest` digest starts there: `advance` (default) as it
	 * is built; `pending` when its `markToken` is acknowledged (acknowledgeDigest), after delivery; `keep`: never.
	 */
	mark?: DigestMarkMode;
}

const seenKey = (record: LedgerItem | RunRecord): string =>
	'runId' in record
		? `run ${record.runId} ${record.finishedAt}`
		: JSON.stringify([
				record.sourceAccount,
				record.sourceFolder,
				record.uidValidity,
				record.uid,
				record.updatedAt,
			]);

function earlier(time: string, ms: number): string {
	return new Date(Date.parse(time) - ms).toISOString();
}

export async function buildErrorDigest(
	ledger: LedgerStore,
	request: ErrorDigestRequest,
): Promise<ErrorDigest> {
	const { migrationId } = request;
	const until = request.now ?? new Date().toISOString();
	const { accounts: scope, nameOf } = await accountScope(ledger, migrationId, request.users);
	const name = digestMarkName(request.digestName ?? DEFAULT_DIGEST_NAME, scope);
	const mark =
		request.since === 'lastDigest' ? await ledger.getReportMark(migrationId, name) : null;
	const since = request.since === 'lastDigest' ? (mark?.until ?? null) : request.since;
	const seen = new Set(mark?.seen ?? []);
	const isNew = (record: LedgerItem | RunRecord) => !seen.has(seenKey(record));
	// The settling stretch before the mark: read whole (it is short), less what the last digest showed.
	const settling = mark ? { since: earlier(mark.until, SETTLE_MS), until: mark.until } : null;
	const window = { since, until };
	const empty = scope !== undefined && scope.length === 0;

	const runs = empty
		? []
		: [
				...(settling ? await ledger.listFailedRunsIn(migrationId, settling, scope) : []),
				...(await ledger.listFailedRunsIn(migrationId, window, scope)),
			];
	const lateItems =
		settling && !empty
			? (await ledger.listFailedItemsIn(migrationId, settling, { sourceAccounts: scope })).filter(
					isNew,
				)
			: [];
	const items = empty
		? []
		: await ledger.listFailedItemsIn(migrationId, window, {
				sourceAccounts: scope,
				limit: request.limit + 1,
			});
	const itemCount =
		lateItems.length + (empty ? 0 : await ledger.countFailedItemsIn(migrationId, window, scope));
	const newRuns = runs.filter(isNew);
	const listed = [...lateItems, ...items].slice(0, request.limit);

	let markToken: string | null = null;
	if (!empty && (request.mark ?? 'advance') !== 'keep') {
		// What the next digest reads again: the last stretch up to `until`, all of it shown by now (by this digest or,
		// following the last one, by those before it), so all of it goes in the mark.
		const recent = earlier(until, SETTLE_MS);
		const chained = request.since === 'lastDigest';
		const tail = { since: !chained && since !== null && since > recent ? since : recent, until };
		const tailItems = await ledger.listFailedItemsIn(migrationId, tail, { sourceAccounts: scope });
		const tailRuns = runs.filter((run) => (run.finishedAt ?? '') > tail.since);
		markToken = await writeDigestMark(
			ledger,
			migrationId,
			name,
			{ until, seen: [...tailRuns, ...tailItems].map(seenKey) } satisfies ReportMark,
			request.mark ?? 'advance',
		);
	}
	return {
		kind: 'errorDigest',
		migrationId,
		generatedAt: until,
		users: request.users,
		since,
		until,
		failedRuns: newRuns.map((run): FailedRunEntry => ({
			user: nameOf(run.sourceAccount),
			ledgerAccount: run.sourceAccount,
			runId: run.runId,
			mode: run.mode,
			startedAt: run.startedAt,
			finishedAt: run.finishedAt,
			reason: typeof run.summary?.reason === 'string' ? run.summary.reason : null,
		})),
		items: listed.map((item) => itemEntryOf(item, nameOf(item.sourceAccount))),
		total: { failedRuns: newRuns.length, items: itemCount },
		truncated: itemCount > listed.length,
		markToken,
	};
}
