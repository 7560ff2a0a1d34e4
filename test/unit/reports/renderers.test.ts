/**
 * The renderers and the digest's marks on a ledger seeded through the LedgerStore API: CSV quoting and its formula
 * guard, HTML escaping of ledger text, and a failure written with a time from before a digest read past it.
 */
import { openLedger, type LedgerStore } from '../../../nodes/lib/ledger';
import {
	buildErrorDigest,
	buildNotMigrated,
	renderCsv,
	renderHtml,
} from '../../../nodes/lib/reports';
import { csvCell } from '../../../nodes/lib/reports/render/csv';
import { csvRows } from '../../integration/reports/reportReading';
import { MIGRATION, outcome, tempLedgerDir } from '../ledger/ledgerFixtures';

const later = (ms: number) => new Date(Date.now() + ms).toISOString();

describe('report renderers and digest marks', () => {
	const dir = tempLedgerDir();
	let ledger: LedgerStore;

	beforeEach(async () => {
		ledger = await openLedger({ kind: 'sqlite', path: dir.path(`r${Math.random()}.sqlite`) });
	});
	afterEach(async () => ledger.close());
	afterAll(() => dir.remove());

	it('quotes CSV as RFC 4180 says and keeps cells from being formulas', () => {
		expect(csvCell('plain')).toBe('plain');
		expect(csvCell('a,b')).toBe('"a,b"');
		expect(csvCell('say "hi"')).toBe('"say ""hi"""');
		expect(csvCell('two\r\nlines')).toBe('"two\r\nlines"');
		for (const formula of ['=1+1', '+1', '-1', '@SUM(A1)', '\t=1', '\r=1']) {
			expect(csvCell(formula).replace(/^"/, '').startsWith("'")).toBe(true);
		}
		expect(csvCell('=HYPERLINK("http://x","y")')).toBe('"\'=HYPERLINK(""http://x"",""y"")"');
		expect(csvCell(-5)).toBe('-5');
		expect(csvCell(null)).toBe('');
	});

	it('renders hostile folder names and reasons as text in HTML, and guarded in CSV', async () => {
		await ledger.recordOutcomes([
			outcome(1, 'failed', {
				sourceFolder: '<img src=x onerror=alert(1)>',
				reason: '[CANNOT] <script>alert("x")</script>',
			}),
			outcome(2, 'failed', { sourceFolder: '=cmd|" /C calc"!A0', reason: '@evil' }),
		]);
		const report = await buildNotMigrated(ledger, {
			migrationId: MIGRATION,
			users: null,
			limit: 10,
			sortBy: 'mailbox',
		});
		const html = renderHtml(report);
		expect(html).not.toMatch(/<script|<img/);
		expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
		expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
		const rows = csvRows(renderCsv(report));
		expect(rows.map((row) => [row.folder, row.reason])).toEqual([
			['<img src=x onerror=alert(1)>', '[CANNOT] <script>alert("x")</script>'],
			['\'=cmd|" /C calc"!A0', "'@evil"],
		]);
	});

	it('a failure written with a time before the last digest’s end is in the next digest, once', async () => {
		await ledger.recordOutcomes([outcome(1, 'failed')]);
		const request = { migrationId: MIGRATION, users: null, since: 'lastDigest', limit: 10 };
		// This digest read 30 s ahead of the writes: as if the next write had taken its time before it read.
		const first = await buildErrorDigest(ledger, { ...request, now: later(30_000) });
		expect(first.items.map((item) => item.uid)).toEqual([1]);
		await ledger.recordOutcomes([outcome(2, 'failed')]);
		const second = await buildErrorDigest(ledger, { ...request, now: later(40_000) });
		expect(second.items.map((item) => item.uid)).toEqual([2]);
		expect(second.total.items).toBe(1);
		const third = await buildErrorDigest(ledger, { ...request, now: later(50_000) });
		expect(third.total).toEqual({ failedRuns: 0, items: 0 });
		// A failure of uid 1 again (a new attempt) is a new failure.
		await ledger.recordOutcomes([outcome(1, 'failed')]);
		const fourth = await buildErrorDigest(ledger, { ...request, now: later(60_000) });
		expect(fourth.items.map((item) => [item.uid, item.attempts])).toEqual([[1, 2]]);
	});
});
