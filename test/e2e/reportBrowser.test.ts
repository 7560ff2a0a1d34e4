/**
 * The HTML reports in Debian's chromium: rendered from a ledger seeded through the LedgerStore API, opened as files
 * (as from a mail attachment), the totals visible as the ledger counts them, markup from the ledger shown as text
 * and never run, nothing loaded from outside. Screenshots are kept in `<artifacts>/screenshots/reports/` (see artifacts.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { openLedger, type LedgerStore } from '../../nodes/lib/ledger';
import { buildNotMigrated, buildWaveSummary, renderHtml } from '../../nodes/lib/reports';
import { outcome } from '../unit/ledger/ledgerFixtures';
import { freshScreenshotFolder } from './artifacts';
import { launchChromium, type EditorBrowser } from './n8nEditor';

const MIGRATION = 'acme-2025';
const MARKUP = '<script>document.title="pwned";alert(1)</script>';

async function seed(ledger: LedgerStore): Promise<void> {
	const account = (name: string) => `${name}@example.com@imap.legacy.example:993`;
	const run = async (
		name: string,
		status: 'completed' | 'completedWithErrors' | 'failed',
		summary: Record<string, unknown>,
	) => {
		const started = await ledger.startRun({
			migrationId: MIGRATION,
			sourceAccount: account(name),
			mode: 'full',
		});
		await ledger.finishRun(started.runId, {
			status,
			summary: { seconds: 42, unfinishedFolders: 0, ...summary },
		});
	};
	const items = (
		name: string,
		from: number,
		to: number,
		status: 'copied' | 'failed' | 'skipped',
		extra = {},
	) =>
		Array.from({ length: to - from + 1 }, (_, index) =>
			outcome(from + index, status, { sourceAccount: account(name), ...extra }),
		);
	await ledger.recordOutcomes(items('alice', 1, 120, 'copied'));
	await run('alice', 'completed', { status: 'completed' });
	await ledger.recordOutcomes([
		...items('bob', 1, 80, 'copied'),
		...items('bob', 81, 83, 'failed', {
			reason: '[OVERQUOTA] Quota exceeded',
			sourceFolder: MARKUP,
		}),
		...items('bob', 84, 84, 'skipped', {
			reason: 'oversize',
			oversize: { handling: 'skipped', limitBytes: 1000, zipping: true },
		}),
	]);
	await run('bob', 'completedWithErrors', { status: 'partial' });
	await ledger.recordOutcomes(items('carol', 1, 30, 'copied'));
	await run('carol', 'completedWithErrors', {
		status: 'paused',
		reason: 'outside the run windows (Mon-Sun 22:00-06:00)',
	});
	await run('dave', 'failed', {
		status: 'failed',
		reason: 'source: login failed: [AUTHENTICATIONFAILED]',
	});
}

describe('the HTML reports in a real browser', () => {
	let shots: string;
	let browser: EditorBrowser;
	let ledger: LedgerStore;
	const dialogs: string[] = [];
	const requests: string[] = [];

	beforeAll(async () => {
		shots = freshScreenshotFolder('reports');
		ledger = await openLedger({
			kind: 'sqlite',
			path: path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mm-report-')), 'ledger.sqlite'),
		});
		await seed(ledger);
		browser = await launchChromium('http://127.0.0.1:9');
		browser.page.on('dialog', (dialog) => {
			dialogs.push(dialog.message());
			void dialog.dismiss();
		});
		browser.page.on('request', (request) => {
			if (!request.url().startsWith('file:')) requests.push(request.url());
		});
	}, 5 * 60_000);

	afterAll(async () => {
		await browser?.close();
		await ledger?.close();
		process.stderr.write(`[report-e2e] report screenshots kept in ${shots}\n`);
	});

	async function open(name: string, html: string): Promise<void> {
		const file = path.join(shots, `${name}.html`);
		fs.writeFileSync(file, html);
		await browser.page.goto(`file://${file}`);
		await browser.page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
	}

	it('shows the wave summary’s totals, failures first, as the ledger counts them', async () => {
		const report = await buildWaveSummary(ledger, { migrationId: MIGRATION, users: null });
		await open('wave-summary', renderHtml(report));
		const { page } = browser;
		const tile = (metric: string) => page.locator(`.tile[data-metric="${metric}"] .tile-value`);
		await expect(tile('users').innerText()).resolves.toBe('4');
		await expect(tile('migrated').innerText()).resolves.toBe('230');
		await expect(tile('notMigrated').innerText()).resolves.toBe('4');
		await expect(
			page.locator('.tile[data-metric="migrated"] .tile-note').innerText(),
		).resolves.toBe('of 234 (98.2 %)');
		const rows = page.locator('#mailboxes tbody tr');
		await expect(rows.locator('td:first-child > div:first-child').allInnerTexts()).resolves.toEqual(
			['dave@example.com', 'carol@example.com', 'bob@example.com', 'alice@example.com'],
		);
		await expect(rows.locator('.badge').allInnerTexts()).resolves.toEqual([
			'Failed',
			'Paused',
			'Completed with errors',
			'Completed',
		]);
		await expect(page.locator('#attention').isVisible()).resolves.toBe(true);
		await expect(page.locator('svg[aria-label="Items by status"]').isVisible()).resolves.toBe(true);
		const box = await page.locator('svg[aria-label="Mailboxes by status"]').boundingBox();
		expect(box?.width).toBeGreaterThan(200);
	});

	it('shows markup from the ledger as text and runs nothing', async () => {
		const report = await buildNotMigrated(ledger, {
			migrationId: MIGRATION,
			users: null,
			limit: 100,
			sortBy: 'kind',
		});
		await open('not-migrated', renderHtml(report));
		const { page } = browser;
		await expect(page.title()).resolves.toBe('Not migrated');
		await expect(page.locator('#items td.mono', { hasText: MARKUP }).count()).resolves.toBe(3);
		await expect(page.locator('script').count()).resolves.toBe(0);
		await expect(page.locator('.tile[data-metric="items"] .tile-value').innerText()).resolves.toBe(
			'4',
		);
		expect(dialogs).toEqual([]);
		expect(requests).toEqual([]);
	});
});
