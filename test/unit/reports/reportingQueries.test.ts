/**
 * The migration-wide ledger queries (ledger/reporting) against a real SQLite file seeded through the LedgerStore API:
 * counts and bytes per mailbox, the newest runs, not-migrated pages in key order, failures in a time window, marks.
 */
import { openLedger, type LedgerStore } from '../../../nodes/lib/ledger';
import { MIGRATION, outcome, tempLedgerDir } from '../ledger/ledgerFixtures';

const BOB = 'bob@imap.example.com:993';
const ALICE = 'alice@imap.example.com:993';

describe('ledger reporting queries', () => {
	const dir = tempLedgerDir();
	let ledger: LedgerStore;

	beforeEach(async () => {
		ledger = await openLedger({ kind: 'sqlite', path: dir.path(`l${Math.random()}.sqlite`) });
	});
	afterEach(async () => ledger.close());
	afterAll(() => dir.remove());

	async function seed(): Promise<void> {
		await ledger.bindMailboxTarget(MIGRATION, ALICE, 'alice@new.example.com:993');
		await ledger.recordOutcomes([
			outcome(1, 'copied'),
			outcome(2, 'copied'),
			outcome(3, 'present'),
			outcome(4, 'failed', { reason: '[OVERQUOTA] Quota exceeded' }),
			outcome(5, 'skipped', { oversize: { handling: 'skipped', limitBytes: 1000, zipping: true } }),
		]);
		await ledger.recordOutcomes([
			outcome(1, 'copied', { sourceAccount: BOB }),
			outcome(2, 'failed', { sourceAccount: BOB, sourceFolder: 'Archive' }),
		]);
		const full = await ledger.startRun({
			migrationId: MIGRATION,
			sourceAccount: ALICE,
			mode: 'full',
			startedAt: '2025-01-01T10:00:00.000Z',
		});
		await ledger.finishRun(full.runId, {
			status: 'completedWithErrors',
			summary: { status: 'partial', seconds: 12.5, counts: { copied: 2 } },
			finishedAt: '2025-01-01T10:00:12.500Z',
		});
		const delta = await ledger.startRun({
			migrationId: MIGRATION,
			sourceAccount: ALICE,
			mode: 'delta',
			startedAt: '2025-01-02T10:00:00.000Z',
		});
		await ledger.finishRun(delta.runId, {
			status: 'completedWithErrors',
			summary: { status: 'partial', seconds: 2, counts: { copied: 0 } },
			finishedAt: '2025-01-02T10:00:02.000Z',
		});
		const verify = await ledger.startRun({
			migrationId: MIGRATION,
			sourceAccount: ALICE,
			mode: 'verify',
			startedAt: '2025-01-02T11:00:00.000Z',
		});
		await ledger.finishRun(verify.runId, {
			status: 'completed',
			summary: { status: 'completed', seconds: 1, differences: 0 },
			finishedAt: '2025-01-02T11:00:01.000Z',
		});
		const failed = await ledger.startRun({
			migrationId: MIGRATION,
			sourceAccount: 'carol@imap.example.com:993',
			mode: 'full',
			startedAt: '2025-01-03T10:00:00.000Z',
		});
		await ledger.finishRun(failed.runId, {
			status: 'failed',
			summary: { status: 'failed', reason: 'source: login failed' },
			finishedAt: '2025-01-03T10:00:00.100Z',
		});
		// Another migration in the same file is never counted.
		await ledger.recordOutcomes([outcome(9, 'failed', { migrationId: 'other' })]);
	}

	it('gives each mailbox its counts, bytes, newest runs, duration and binding', async () => {
		await seed();
		const overviews = await ledger.listMailboxOverviews(MIGRATION);
		expect(overviews.map((one) => one.sourceAccount)).toEqual([
			ALICE,
			BOB,
			'carol@imap.example.com:993',
		]);
		const [alice, bob, carol] = overviews;
		expect(alice.items).toEqual({ pending: 0, copied: 2, present: 1, skipped: 1, failed: 1 });
		// Sizes are 1000 + uid (ledgerFixtures).
		expect(alice.bytes).toEqual({
			pending: 0,
			copied: 1001 + 1002,
			present: 1003,
			skipped: 1005,
			failed: 1004,
		});
		expect(alice.lastCopyRun?.mode).toBe('delta');
		expect(alice.lastVerifyRun?.summary).toMatchObject({ differences: 0 });
		expect({ runs: alice.copyRuns, seconds: alice.copySeconds }).toEqual({
			runs: 2,
			seconds: 14.5,
		});
		expect(alice.firstStartedAt).toBe('2025-01-01T10:00:00.000Z');
		expect(alice.lastFinishedAt).toBe('2025-01-02T11:00:01.000Z');
		expect(alice.binding).toEqual({
			sourceAccount: ALICE,
			targetAccount: 'alice@new.example.com:993',
		});
		expect(bob.lastCopyRun).toBeNull();
		expect(carol.lastCopyRun?.status).toBe('failed');
		expect(
			(await ledger.listMailboxOverviews(MIGRATION, [BOB])).map((one) => one.sourceAccount),
		).toEqual([BOB]);
	});

	it('pages not-migrated items in key order and counts them all, grouped', async () => {
		await seed();
		const first = await ledger.listNotMigrated(MIGRATION, { limit: 2 });
		expect(first.map((item) => [item.sourceAccount, item.uid])).toEqual([
			[ALICE, 4],
			[ALICE, 5],
		]);
		const next = await ledger.listNotMigrated(MIGRATION, { limit: 2, after: first[1] });
		expect(next.map((item) => [item.sourceAccount, item.sourceFolder, item.uid])).toEqual([
			[BOB, 'Archive', 2],
		]);
		expect(await ledger.countNotMigrated(MIGRATION)).toEqual([
			{ sourceAccount: ALICE, status: 'failed', oversize: false, count: 1, bytes: 1004 },
			{ sourceAccount: ALICE, status: 'skipped', oversize: true, count: 1, bytes: 1005 },
			{ sourceAccount: BOB, status: 'failed', oversize: false, count: 1, bytes: 1002 },
		]);
	});

	it('finds failures in a time window, and keeps report marks', async () => {
		await seed();
		const now = new Date(Date.now() + 1000).toISOString();
		expect(await ledger.countFailedItemsIn(MIGRATION, { since: null, until: now })).toBe(2);
		expect(await ledger.countFailedItemsIn(MIGRATION, { since: now, until: now })).toBe(0);
		const runs = await ledger.listFailedRunsIn(MIGRATION, {
			since: '2025-01-03T00:00:00.000Z',
			until: now,
		});
		expect(runs.map((run) => run.summary?.reason)).toEqual(['source: login failed']);
		expect(await ledger.getReportMark(MIGRATION, 'digest')).toBeNull();
		await ledger.setReportMark(MIGRATION, 'digest', { until: now, seen: ['a'] });
		expect(await ledger.getReportMark(MIGRATION, 'digest')).toEqual({ until: now, seen: ['a'] });
		await expect(
			ledger.setReportMark(MIGRATION, 'digest', { until: 'yesterday', seen: [] }),
		).rejects.toThrow(/ISO 8601/);
	});
});
