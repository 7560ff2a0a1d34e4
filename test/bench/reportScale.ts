/**
 * The reports on a large generated ledger: a million items over thousands of mailboxes, seeded through the
 * LedgerStore API (no engine run makes that many in a test). Prints how long each report takes to build and render,
 * and how much memory the process held at most, so "never loaded whole" is measured rather than assumed.
 *   npm run build:scripts && node .build/test/bench/reportScale.js [--mailboxes 2000] [--items 1000000] [--ledger file]
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { openLedger, type ItemOutcome, type LedgerStore } from '../../nodes/lib/ledger';
import {
	buildErrorDigest,
	buildNotMigrated,
	buildWaveSummary,
	renderCsv,
	renderHtml,
	renderJson,
	type Report,
} from '../../nodes/lib/reports';

const MIGRATION = 'scale';

function arg(name: string, fallback: number): number {
	const index = process.argv.indexOf(`--${name}`);
	return index > 0 ? Number(process.argv[index + 1]) : fallback;
}

/** Every 100th item failed (half with a code), every 500th oversize, the rest copied; 3 folders per mailbox. */
function outcomeOf(mailbox: number, uid: number): ItemOutcome {
	const failed = uid % 100 === 0;
	const oversize = uid % 500 === 1;
	return {
		migrationId: MIGRATION,
		sourceAccount: `user${mailbox}@example.com@imap.example.com:993`,
		sourceFolder: ['INBOX', 'Archive', 'Sent'][uid % 3],
		uidValidity: 1,
		uid,
		messageId: `<${mailbox}.${uid}@example.com>`,
		size: 20_000 + (uid % 7) * 1000,
		internalDate: '2024-01-01T00:00:00.000Z',
		fingerprint: null,
		targetFolder: 'INBOX',
		flags: '',
		modseq: null,
		status: failed ? 'failed' : oversize ? 'skipped' : 'copied',
		reason: failed
			? uid % 200 === 0
				? '[OVERQUOTA] Quota exceeded'
				: 'read failed'
			: oversize
				? 'oversize'
				: null,
		targetUidValidity: failed || oversize ? null : 7,
		targetUid: failed || oversize ? null : uid,
		oversize: oversize ? { handling: 'skipped', limitBytes: 25_000, zipping: false } : null,
	};
}

async function seed(ledger: LedgerStore, mailboxes: number, items: number): Promise<void> {
	const perMailbox = Math.ceil(items / mailboxes);
	let batch: ItemOutcome[] = [];
	for (let mailbox = 0; mailbox < mailboxes; mailbox++) {
		const account = `user${mailbox}@example.com@imap.example.com:993`;
		await ledger.bindMailboxTarget(MIGRATION, account, `user${mailbox}@new.example.com:993`);
		const run = await ledger.startRun({
			migrationId: MIGRATION,
			sourceAccount: account,
			mode: 'full',
		});
		for (let uid = 1; uid <= perMailbox; uid++) {
			batch.push(outcomeOf(mailbox, uid));
			if (batch.length === 5000) {
				await ledger.recordOutcomes(batch);
				batch = [];
			}
		}
		await ledger.finishRun(run.runId, {
			status: 'completedWithErrors',
			summary: {
				status: 'partial',
				seconds: 60,
				unfinishedFolders: 0,
				counts: { copied: perMailbox },
			},
		});
	}
	if (batch.length) await ledger.recordOutcomes(batch);
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;

async function timed(label: string, build: () => Promise<Report>): Promise<void> {
	const started = performance.now();
	const report = await build();
	const built = performance.now();
	const sizes = [renderHtml(report), renderCsv(report), renderJson(report)].map(
		(text) => text.length,
	);
	const rendered = performance.now();
	const { heapUsed } = process.memoryUsage();
	process.stdout.write(
		`${label}: built ${(built - started).toFixed(0)} ms, rendered ${(rendered - built).toFixed(0)} ms (html/csv/json ${sizes.map(mb).join('/')}), heap after ${mb(heapUsed)}, max RSS so far ${mb(process.resourceUsage().maxRSS * 1024)}\n`,
	);
}

async function main(): Promise<void> {
	const mailboxes = arg('mailboxes', 2000);
	const items = arg('items', 1_000_000);
	const fileIndex = process.argv.indexOf('--ledger');
	const file =
		fileIndex > 0
			? process.argv[fileIndex + 1]
			: join(mkdtempSync(join(tmpdir(), 'mm-report-scale-')), 'ledger.sqlite');
	const ledger = await openLedger({ kind: 'sqlite', path: file });
	try {
		if (
			(await ledger.listRuns(MIGRATION, 'user0@example.com@imap.example.com:993', 1)).length === 0
		) {
			const started = performance.now();
			await seed(ledger, mailboxes, items);
			process.stdout.write(
				`seeded ${items} items over ${mailboxes} mailboxes in ${((performance.now() - started) / 1000).toFixed(1)} s: ${file}\n`,
			);
		}
		process.stdout.write(
			`before the reports: max RSS ${mb(process.resourceUsage().maxRSS * 1024)}\n`,
		);
		const base = { migrationId: MIGRATION, users: null };
		await timed('wave summary, whole migration', () => buildWaveSummary(ledger, base));
		await timed('wave summary, 20 users', () =>
			buildWaveSummary(ledger, {
				...base,
				users: Array.from({ length: 20 }, (_, i) => `user${i * 7}@example.com`),
			}),
		);
		await timed('not migrated, first 1000 by mailbox', () =>
			buildNotMigrated(ledger, { ...base, limit: 1000, sortBy: 'mailbox' }),
		);
		await timed('not migrated, 1000 largest', () =>
			buildNotMigrated(ledger, { ...base, limit: 1000, sortBy: 'size' }),
		);
		await timed('error digest, first (all failures)', () =>
			buildErrorDigest(ledger, { ...base, since: 'lastDigest', limit: 1000 }),
		);
		await timed('error digest, next (none new)', () =>
			buildErrorDigest(ledger, { ...base, since: 'lastDigest', limit: 1000 }),
		);
	} finally {
		await ledger.close();
	}
}

main().catch((error: unknown) => {
	process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
	process.exit(1);
});
