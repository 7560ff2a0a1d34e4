/**
 * The reports from a ledger the engine wrote for real, against real Dovecot: a completed and verified mailbox, one
 * with messages the target refuses (with a response code, in a folder named like markup), one with a message over
 * the target's size limit, one paused by a byte budget, one stopped mid-run (partial), and one whose login fails.
 * What the HTML, CSV and JSON say must be what the ledger file says, read here with plain SQL.
 */
import { DatabaseSync } from 'node:sqlite';

import { openLedger, type LedgerStore } from '../../../nodes/lib/ledger';
import { RunGuard } from '../../../nodes/lib/limits/stopConditions';
import { sourceAccountOf } from '../../../nodes/lib/migration/stores/imap/imapSides';
import {
	buildErrorDigest,
	buildNotMigrated,
	buildWaveSummary,
	renderCsv,
	renderHtml,
	renderJson,
	type WaveSummary,
} from '../../../nodes/lib/reports';
import type { DovecotServer } from '../../harness/dovecot';
import { testEndpoint } from '../../harness/endpoints';
import { makeMessage } from '../../harness/imap-fixtures';
import { TestServices } from '../../harness/services';
import { refuse, refuseAppendsDated } from '../../harness/throttleRules';
import { startThrottlingProxy } from '../../harness/throttlingProxy';
import {
	endpointOf,
	migrate,
	seedPair,
	tempLedgerPath,
	type SeededPair,
} from '../engine/engineFixtures';
import { tooBigMessage } from '../engine/oversizeFixtures';
import { csvRows, htmlMetric, htmlRowStatuses } from './reportReading';

const LIMIT = 300_000;
const MARKUP_FOLDER = '<script>alert(1)</script>';
const WRONG_PASSWORD = 'wrong-Pw-Secret-9';

const day = (index: number, year = 2021) => new Date(Date.UTC(year, 0, 1 + index, 9, 0, 0));

function messages(count: number, tag: string, year = 2021) {
	return Array.from({ length: count }, (_, index) => ({
		raw: makeMessage({
			subject: `${tag} ${index + 1}`,
			date: day(index, year),
			messageId: `<${tag}.${index + 1}@example.com>`,
		}),
		internalDate: day(index, year),
	}));
}

interface LedgerCounts {
	items: Record<string, Record<string, { count: number; bytes: number }>>;
}

/** The ledger file's own word: counts and bytes per account and status, by plain SQL. */
function ledgerCounts(file: string): LedgerCounts {
	const db = new DatabaseSync(file, { readOnly: true });
	try {
		const items: LedgerCounts['items'] = {};
		for (const row of db
			.prepare(
				`SELECT source_account, status, COUNT(*) AS count, SUM(size) AS bytes FROM items WHERE migration_id = 'test' GROUP BY 1, 2`,
			)
			.all()) {
			const account = String(row.source_account);
			items[account] ??= {};
			items[account][String(row.status)] = { count: Number(row.count), bytes: Number(row.bytes) };
		}
		return { items };
	} finally {
		db.close();
	}
}

describe('reports from a ledger the engine wrote, against real Dovecot', () => {
	const services = new TestServices();
	let source: DovecotServer;
	let target: DovecotServer;
	let limited: DovecotServer;
	const ledgerPath = tempLedgerPath();
	const pairs: Record<string, SeededPair> = {};
	let ledger: LedgerStore;

	beforeAll(async () => {
		[source, target, limited] = await Promise.all([
			services.dovecot({ name: 'source' }),
			services.dovecot({ name: 'target' }),
			services.dovecot({
				name: 'limited',
				extraConf: `imap_capability = +APPENDLIMIT=${LIMIT}\nplugin {\n  quota_max_mail_size = ${LIMIT}\n}\n`,
			}),
		]);
		// Completed, then verified.
		pairs.done = await seedPair(
			source,
			target,
			{ INBOX: messages(4, 'done'), Archive: messages(2, 'done-a') },
			'done',
		);
		expect(
			(await migrate(pairs.done.sourceEndpoint, pairs.done.targetEndpoint, ledgerPath)).status,
		).toBe('completed');
		expect(
			(await migrate(pairs.done.sourceEndpoint, pairs.done.targetEndpoint, ledgerPath, 'verify'))
				.status,
		).toBe('completed');

		// Two messages (dated 1999) refused by the target with a response code, one in a folder named like markup.
		pairs.refused = await seedPair(
			source,
			target,
			{
				INBOX: [...messages(3, 'ok'), ...messages(1, 'old', 1999)],
				[MARKUP_FOLDER]: messages(1, 'old-x', 1999),
			},
			'ref',
		);
		const proxy = services.add(await startThrottlingProxy(target.port, [refuseAppendsDated(1999)]));
		const refusedTarget = endpointOf(target, pairs.refused.targetUser, proxy.port);
		const refusedRun = await migrate(
			pairs.refused.sourceEndpoint,
			refusedTarget,
			ledgerPath,
			'full',
			{ tuning: { batchMessages: 1 } },
		);
		expect(refusedRun.counts.failed).toBe(2);

		// One message over the target's announced limit, attachments not zippable: skipped.
		pairs.oversize = await seedPair(
			source,
			limited,
			{ INBOX: [...messages(2, 'small'), { raw: tooBigMessage(LIMIT).raw }] },
			'big',
		);
		expect(
			(await migrate(pairs.oversize.sourceEndpoint, pairs.oversize.targetEndpoint, ledgerPath))
				.counts.skippedByReason,
		).not.toEqual({});

		// A byte budget of about two messages: paused with the rest left.
		pairs.paused = await seedPair(source, target, { INBOX: messages(8, 'budget') }, 'pau');
		const guard = new RunGuard({ timeZone: 'UTC', maxBytesPerExecution: 1200 });
		try {
			const run = await migrate(
				pairs.paused.sourceEndpoint,
				pairs.paused.targetEndpoint,
				ledgerPath,
				'full',
				{
					tuning: { batchMessages: 1, pipelineDepth: 1, connections: 1 },
					controls: { sourceHost: 'source', targetHost: 'target', guard },
				},
			);
			expect(run.status).toBe('paused');
		} finally {
			guard.dispose();
		}

		// Cancelled after the first batch reached the target: partial, the next run resumes.
		pairs.partial = await seedPair(source, target, { INBOX: messages(6, 'cut') }, 'par');
		const cancel = new AbortController();
		const cut = await migrate(
			pairs.partial.sourceEndpoint,
			pairs.partial.targetEndpoint,
			ledgerPath,
			'full',
			{
				tuning: { batchMessages: 1, pipelineDepth: 1, connections: 1 },
				signal: cancel.signal,
				afterAppend: () => cancel.abort(),
			},
		);
		expect(cut.status).toBe('partial');

		// The source login fails: nothing starts.
		pairs.failed = await seedPair(source, target, { INBOX: messages(1, 'nologin') }, 'fail');
		await expect(
			migrate(
				testEndpoint(source, pairs.failed.sourceUser, WRONG_PASSWORD),
				pairs.failed.targetEndpoint,
				ledgerPath,
			),
		).rejects.toThrow(/source/);

		ledger = await openLedger({ kind: 'sqlite', path: ledgerPath });
		// Set Routing's record of a switch, as its node writes it (write-ahead, then switched).
		const switched = {
			migrationId: 'test',
			user: pairs.done.sourceUser,
			wave: null,
			dn: `uid=${pairs.done.sourceUser},ou=people,dc=example,dc=test`,
		};
		await ledger.recordRoutingSwitch({
			...switched,
			current: { mailHost: ['old.mail.test'] },
			applied: { mailHost: ['new.mail.test'] },
		});
		await ledger.markRoutingState({ migrationId: 'test', user: switched.user }, 'switched');
	}, 240_000);

	afterAll(async () => {
		await ledger?.close();
		await services.stopAll();
	});

	const userOf = (key: string) => pairs[key].sourceUser;
	const accountOf = (key: string) => sourceAccountOf(pairs[key].sourceEndpoint);

	it('the wave summary gives each mailbox its status, and its numbers are the ledger’s in HTML, CSV and JSON', async () => {
		const report = await buildWaveSummary(ledger, { migrationId: 'test', users: null });
		const statusOf = Object.fromEntries(report.rows.map((row) => [row.user, row.status]));
		expect(statusOf).toEqual({
			[userOf('done')]: 'completed',
			[userOf('refused')]: 'completedWithErrors',
			[userOf('oversize')]: 'completedWithErrors',
			[userOf('paused')]: 'paused',
			[userOf('partial')]: 'partial',
			[userOf('failed')]: 'failed',
		});
		// Failures first.
		expect(report.rows.map((row) => row.status)).toEqual([
			'failed',
			'partial',
			'paused',
			'completedWithErrors',
			'completedWithErrors',
			'completed',
		]);
		const done = report.rows.find((row) => row.user === userOf('done'));
		expect(done).toMatchObject({
			verification: 'verified',
			routing: 'switched',
			itemsTotal: 6,
			migrated: 6,
			copyRuns: 1,
		});
		// Every other mailbox has no routing record: not switched.
		expect(new Set(report.rows.filter((row) => row !== done).map((row) => row.routing))).toEqual(
			new Set(['notSwitched']),
		);
		expect(report.rows.find((row) => row.user === userOf('paused'))?.reason).toMatch(
			/MB|bytes|budget/i,
		);
		expect(report.rows.find((row) => row.user === userOf('failed'))?.reason).toMatch(/source/);

		const sql = ledgerCounts(ledgerPath);
		const html = renderHtml(report);
		const csv = csvRows(renderCsv(report));
		const json = JSON.parse(renderJson(report)) as WaveSummary;
		let migrated = 0;
		let total = 0;
		for (const key of Object.keys(pairs)) {
			const counts = sql.items[accountOf(key)] ?? {};
			const of = (status: string) => counts[status]?.count ?? 0;
			const expected = {
				copied: of('copied'),
				present: of('present'),
				skipped: of('skipped'),
				failed: of('failed'),
				pending: of('pending'),
				bytes: Object.values(counts).reduce((sum, one) => sum + one.bytes, 0),
			};
			migrated += expected.copied + expected.present;
			total +=
				expected.copied + expected.present + expected.skipped + expected.failed + expected.pending;
			const jsonRow = json.rows.find((row) => row.user === userOf(key));
			expect({ key, ...jsonRow?.items, bytes: jsonRow?.bytesTotal }).toEqual({ key, ...expected });
			const csvRow = csv.find((row) => row.user === userOf(key));
			expect({
				key,
				copied: Number(csvRow?.copied),
				present: Number(csvRow?.present),
				skipped: Number(csvRow?.skipped),
				failed: Number(csvRow?.failed),
				pending: Number(csvRow?.pending),
				bytes: Number(csvRow?.bytes),
			}).toEqual({ key, ...expected });
		}
		expect(migrated).toBeGreaterThan(0);
		expect(htmlMetric(html, 'migrated')).toBe(migrated);
		expect(htmlMetric(html, 'users')).toBe(6);
		expect(json.totals).toMatchObject({ migrated, itemsTotal: total, users: 6 });
		expect(htmlRowStatuses(html)).toEqual(report.rows.map((row) => [row.user, row.status]));
		// Nothing secret: the failed login's password is nowhere.
		for (const text of [html, renderCsv(report), renderJson(report)])
			expect(text).not.toContain(WRONG_PASSWORD);
	});

	it('filtered to the input users, a user the ledger does not know is not started', async () => {
		const report = await buildWaveSummary(ledger, {
			migrationId: 'test',
			users: [userOf('done').toUpperCase(), 'nobody@example.com', userOf('paused')],
		});
		expect(report.rows.map((row) => [row.user, row.status])).toEqual([
			[userOf('paused'), 'paused'],
			['nobody@example.com', 'notStarted'],
			[userOf('done'), 'completed'],
		]);
		expect(report.totals.users).toBe(3);
	});

	it('not migrated lists each item with its reason: refused with the code, oversize with size and limit; markup stays text', async () => {
		const report = await buildNotMigrated(ledger, {
			migrationId: 'test',
			users: null,
			limit: 100,
			sortBy: 'kind',
		});
		const refused = report.items.filter((item) => item.kind === 'refused');
		expect(refused.map((item) => [item.user, item.code, item.attempts]).sort()).toEqual([
			[userOf('refused'), 'CANNOT', 1],
			[userOf('refused'), 'CANNOT', 1],
		]);
		expect(refused.map((item) => item.folder).sort()).toEqual([MARKUP_FOLDER, 'INBOX'].sort());
		const oversize = report.items.filter((item) => item.kind === 'oversize');
		expect(oversize).toHaveLength(1);
		expect(oversize[0]).toMatchObject({ user: userOf('oversize'), limitBytes: LIMIT });
		expect(oversize[0].size).toBeGreaterThan(LIMIT);
		const sql = ledgerCounts(ledgerPath);
		const notMigratedInLedger = Object.values(sql.items).reduce(
			(sum, counts) =>
				sum +
				(counts.failed?.count ?? 0) +
				(counts.skipped?.count ?? 0) +
				(counts.pending?.count ?? 0),
			0,
		);
		expect(report.total.items).toBe(notMigratedInLedger);
		expect(report.items).toHaveLength(notMigratedInLedger);
		const html = renderHtml(report);
		expect(html).not.toContain('<script');
		expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
		expect(htmlMetric(html, 'items')).toBe(notMigratedInLedger);
		expect(csvRows(renderCsv(report)).map((row) => row.folder)).toContain(MARKUP_FOLDER);
	});

	it('the error digest since the last digest shows each failure once across two runs', async () => {
		const first = await buildErrorDigest(ledger, {
			migrationId: 'test',
			users: null,
			since: 'lastDigest',
			limit: 100,
			digestName: 'ops',
		});
		expect(first.failedRuns.map((run) => run.user)).toEqual([userOf('failed')]);
		expect(first.items.map((item) => item.user)).toEqual([userOf('refused'), userOf('refused')]);
		expect(first.total).toEqual({ failedRuns: 1, items: 2 });

		// A second wave: another mailbox with a refused message, and the failed login tried again.
		pairs.second = await seedPair(
			source,
			target,
			{ INBOX: [...messages(1, 'ok2'), ...messages(1, 'old2', 1999)] },
			'two',
		);
		const proxy = services.add(
			await startThrottlingProxy(target.port, [
				refuse({
					command: 'APPEND',
					when: (line) => line.includes('-1999 '),
					code: 'OVERQUOTA',
					text: 'Quota exceeded',
				}),
			]),
		);
		await migrate(
			pairs.second.sourceEndpoint,
			endpointOf(target, pairs.second.targetUser, proxy.port),
			ledgerPath,
			'full',
			{ tuning: { batchMessages: 1 } },
		);
		await expect(
			migrate(
				testEndpoint(source, pairs.failed.sourceUser, WRONG_PASSWORD),
				pairs.failed.targetEndpoint,
				ledgerPath,
			),
		).rejects.toThrow(/source/);

		const second = await buildErrorDigest(ledger, {
			migrationId: 'test',
			users: null,
			since: 'lastDigest',
			limit: 100,
			digestName: 'ops',
		});
		expect(second.since).toBe(first.until);
		expect(second.items.map((item) => [item.user, item.code])).toEqual([
			[userOf('second'), 'OVERQUOTA'],
		]);
		expect(second.failedRuns.map((run) => run.user)).toEqual([userOf('failed')]);
		expect(second.failedRuns[0].runId).not.toBe(first.failedRuns[0].runId);
		const third = await buildErrorDigest(ledger, {
			migrationId: 'test',
			users: null,
			since: 'lastDigest',
			limit: 100,
			digestName: 'ops',
		});
		expect(third.total).toEqual({ failedRuns: 0, items: 0 });
		// Another digest name has its own mark: it starts from the beginning.
		const other = await buildErrorDigest(ledger, {
			migrationId: 'test',
			users: null,
			since: 'lastDigest',
			limit: 100,
			digestName: 'dl',
		});
		expect(other.total).toEqual({ failedRuns: 2, items: 3 });
	}, 120_000);
});
