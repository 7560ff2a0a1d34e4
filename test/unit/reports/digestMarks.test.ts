/**
 * The error digest's marks on a real SQLite ledger seeded through the LedgerStore API: a digest of some users keeps
 * its own mark and leaves the whole migration's where it was, and a digest built with a pending mark moves it only
 * when its token is acknowledged (after delivery), never backwards. Digest times (`now`) are chosen, not waited for:
 * each digest ends minutes after the failures were recorded, past the settling stretch it reads again.
 */
import { openLedger, type LedgerStore } from '../../../nodes/lib/ledger';
import {
	acknowledgeDigest,
	buildErrorDigest,
	DigestMarkTokenError,
	type ErrorDigestRequest,
} from '../../../nodes/lib/reports';
import { MIGRATION, outcome, tempLedgerDir } from '../ledger/ledgerFixtures';

const ALICE = 'alice@imap.example.com:993';
const BOB = 'bob@imap.example.com:993';

const minutesFromNow = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();

describe('error digest marks', () => {
	const dir = tempLedgerDir();
	let ledger: LedgerStore;

	beforeEach(async () => {
		ledger = await openLedger({ kind: 'sqlite', path: dir.path(`d${Math.random()}.sqlite`) });
		await ledger.recordOutcomes([
			outcome(1, 'failed', { sourceAccount: ALICE }),
			outcome(2, 'failed', { sourceAccount: BOB }),
		]);
	});
	afterEach(async () => ledger.close());
	afterAll(() => dir.remove());

	const digest = (now: string, overrides: Partial<ErrorDigestRequest> = {}) =>
		buildErrorDigest(ledger, {
			migrationId: MIGRATION,
			users: null,
			since: 'lastDigest',
			limit: 100,
			now,
			...overrides,
		});
	const accountsOf = (report: Awaited<ReturnType<typeof digest>>) =>
		report.items.map((item) => item.ledgerAccount).sort();

	it('a digest of some users keeps its own mark: the whole migration’s next digest still has the others’ failures', async () => {
		const tonight = await digest(minutesFromNow(5), { users: ['alice@imap.example.com:993'] });
		expect(accountsOf(tonight)).toEqual([ALICE]);

		const whole = await digest(minutesFromNow(10));
		expect(accountsOf(whole)).toEqual([ALICE, BOB]);
		expect(whole.since).toBeNull();
		expect(accountsOf(await digest(minutesFromNow(15)))).toEqual([]);

		// The same users again continue their own chain; another set starts from the beginning of its failures.
		const again = await digest(minutesFromNow(20), { users: ['ALICE@imap.example.com:993'] });
		expect(accountsOf(again)).toEqual([]);
		expect(again.since).toBe(tonight.until);
		expect(accountsOf(await digest(minutesFromNow(25), { users: [BOB] }))).toEqual([BOB]);
	});

	it('a pending mark moves only when its digest is acknowledged, so an undelivered digest is read again', async () => {
		const undelivered = await digest(minutesFromNow(5), { mark: 'pending' });
		expect(undelivered.markToken).toEqual(expect.any(String));
		expect(accountsOf(undelivered)).toEqual([ALICE, BOB]);

		// Its email failed: nobody acknowledged it. The next digest reads the same failures.
		const retried = await digest(minutesFromNow(10), { mark: 'pending' });
		expect(retried.since).toBeNull();
		expect(accountsOf(retried)).toEqual([ALICE, BOB]);

		expect(await acknowledgeDigest(ledger, MIGRATION, retried.markToken ?? '')).toEqual({
			markName: 'errorDigest',
			until: retried.until,
		});
		// Acknowledging the older digest afterwards leaves the newer one's mark.
		await acknowledgeDigest(ledger, MIGRATION, undelivered.markToken ?? '');
		const next = await digest(minutesFromNow(15));
		expect(next.since).toBe(retried.until);
		expect(accountsOf(next)).toEqual([]);
		expect(next.markToken).toBeNull();

		await expect(acknowledgeDigest(ledger, MIGRATION, retried.markToken ?? '')).rejects.toThrow(
			/used already/,
		);
		await expect(acknowledgeDigest(ledger, MIGRATION, 'bm90IGEgdG9rZW4')).rejects.toThrow(
			DigestMarkTokenError,
		);
	});
});
