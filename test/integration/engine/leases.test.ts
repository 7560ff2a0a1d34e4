/**
 * Who may write a mailbox, and where its items went: one lease per mailbox job, checked before every write-ahead
 * record, and ledger records bound to the target they were copied to. Each test ends on what the target holds.
 */
import { DatabaseSync } from 'node:sqlite';

import type { ImapEndpoint } from '../../../nodes/lib/imap/endpoint';
import { openLedger } from '../../../nodes/lib/ledger';
import {
	runExecution,
	type ExecutionEvent,
	type MailboxJob,
} from '../../../nodes/lib/migration/execution/runExecution';
import { newOwnerId } from '../../../nodes/lib/migration/migrateMailbox';
import { sourceAccountOf } from '../../../nodes/lib/migration/stores/imap/imapSides';
import type { MailboxReport } from '../../../nodes/lib/migration/types';
import type { DovecotServer } from '../../harness/dovecot';
import { appendMessages, makeMessage, snapshotMailbox } from '../../harness/imap-fixtures';
import { TestServices } from '../../harness/services';
import {
	comparable,
	endpointOf,
	migrate,
	PASSWORD,
	tempLedgerPath,
	uniqueUser,
} from './engineFixtures';

const MESSAGES = 60;

/**
 * Each with a fixed arrival date: a copy that reached a target some other way keeps it, and without one Dovecot would
 * stamp each APPEND's own second, so source and target copies would differ whenever the two fell in different seconds.
 */
function messages(tag: string) {
	return Array.from({ length: MESSAGES }, (_, index) => ({
		raw: makeMessage({ subject: `${tag} ${index}`, messageId: `<${tag}.${index}@example.com>` }),
		flags: index % 2 ? ['\\Seen'] : [],
		internalDate: new Date(Date.UTC(2024, 0, 1, 9, 0, index)),
	}));
}

describe('mailbox leases and target bindings against real Dovecot', () => {
	const services = new TestServices();
	let source: DovecotServer;
	let target: DovecotServer;

	beforeAll(async () => {
		[source, target] = await Promise.all([
			services.dovecot({ name: 'source' }),
			services.dovecot({ name: 'target' }),
		]);
	}, 120_000);

	afterAll(async () => await services.stopAll());

	/** A source mailbox of MESSAGES messages in INBOX. */
	async function sourceMailbox(): Promise<{ user: string; endpoint: ImapEndpoint }> {
		const user = uniqueUser('src');
		await source.addUser(user, PASSWORD);
		await appendMessages(source, user, PASSWORD, 'INBOX', messages(user));
		return { user, endpoint: endpointOf(source, user) };
	}

	async function targetMailbox(): Promise<{ user: string; endpoint: ImapEndpoint }> {
		const user = uniqueUser('dst');
		await target.addUser(user, PASSWORD);
		return { user, endpoint: endpointOf(target, user) };
	}

	const contentOf = async (server: DovecotServer, user: string) =>
		comparable(await snapshotMailbox(server, user, PASSWORD));

	function job(position: number, from: ImapEndpoint, to: ImapEndpoint): MailboxJob {
		return {
			position,
			source: { kind: 'imap', endpoint: from },
			target: { kind: 'imap', endpoint: to },
			migrationId: 'test',
			mode: 'full',
			folderRules: { specialUse: true },
			// Small batches, so jobs running at once interleave their writes.
			tuning: { batchMessages: 5, windowMessages: 20 },
		};
	}

	/** One execution as the node runs it (in-process here); the report or failure of each job by position. */
	async function execute(
		jobs: MailboxJob[],
		ledgerPath: string,
		mailboxesInParallel = jobs.length,
	): Promise<(MailboxReport | string)[]> {
		const results: (MailboxReport | string)[] = [];
		await runExecution(
			{
				jobs,
				mailboxesInParallel,
				controls: { timeZone: 'UTC', profiles: [], stop: {} },
				ledger: { kind: 'sqlite', path: ledgerPath },
				limiter: { kind: 'process' },
				guard: { kind: 'process' },
				owner: newOwnerId('test-execution'),
			},
			(event: ExecutionEvent) => {
				if (event.type === 'report') results[event.position] = event.report;
				if (event.type === 'failure') results[event.position] = event.failure.message;
			},
		);
		return results;
	}

	it('copies a mailbox listed twice in one execution once, and reports the later row as a duplicate', async () => {
		const from = await sourceMailbox();
		const to = await targetMailbox();
		const [first, second] = await execute(
			[job(0, from.endpoint, to.endpoint), job(1, from.endpoint, to.endpoint)],
			tempLedgerPath(),
		);
		expect(await contentOf(target, to.user)).toEqual(await contentOf(source, from.user));
		expect(first).toMatchObject({ status: 'completed', counts: { copied: MESSAGES } });
		expect(second).toMatchObject({
			status: 'locked',
			reason: expect.stringMatching(/duplicate of row 1/),
			counts: { copied: 0 },
		});
	});

	it.each([2, 1])(
		'fills two targets of the same source, each exactly (mailboxes in parallel: %i)',
		async (parallel) => {
			const from = await sourceMailbox();
			const bob = await targetMailbox();
			const carol = await targetMailbox();
			const ledgerPath = tempLedgerPath();
			const reports = await execute(
				[job(0, from.endpoint, bob.endpoint), job(1, from.endpoint, carol.endpoint)],
				ledgerPath,
				parallel,
			);
			const expected = await contentOf(source, from.user);
			expect(await contentOf(target, bob.user)).toEqual(expected);
			expect(await contentOf(target, carol.user)).toEqual(expected);
			for (const report of reports) {
				expect(report).toMatchObject({ status: 'completed', counts: { copied: MESSAGES } });
			}
			// A rerun finds both complete; neither target's records stand in for the other's.
			const rerun = await execute(
				[job(0, from.endpoint, bob.endpoint), job(1, from.endpoint, carol.endpoint)],
				ledgerPath,
				parallel,
			);
			for (const report of rerun) {
				expect(report).toMatchObject({ status: 'completed', counts: { copied: 0 } });
			}
			expect(await contentOf(target, carol.user)).toEqual(expected);
		},
	);

	it('notices a changed target: the new one is reconciled and filled, and the report says so', async () => {
		const from = await sourceMailbox();
		const typo = await targetMailbox();
		const meant = await targetMailbox();
		// Part of the mailbox already reached the meant target some other way: it must be found, not copied again.
		await appendMessages(target, meant.user, PASSWORD, 'INBOX', messages(from.user).slice(0, 10));
		const ledgerPath = tempLedgerPath();
		const first = await migrate(from.endpoint, typo.endpoint, ledgerPath);
		expect(first).toMatchObject({ status: 'completed', counts: { copied: MESSAGES } });
		expect(first.target).toMatchObject({ changed: false, earlierTargets: [] });

		const fixed = await migrate(from.endpoint, meant.endpoint, ledgerPath);
		expect(fixed).toMatchObject({
			status: 'completed',
			counts: { copied: MESSAGES - 10, alreadyPresent: 10 },
			target: {
				account: sourceAccountOf(meant.endpoint),
				changed: true,
				earlierTargets: [sourceAccountOf(typo.endpoint)],
			},
		});
		expect(await contentOf(target, meant.user)).toEqual(await contentOf(source, from.user));
		const again = await migrate(from.endpoint, meant.endpoint, ledgerPath);
		expect(again).toMatchObject({ counts: { copied: 0 }, target: { changed: false } });
	});

	it('lets two executions at once on the same mailbox copy every message once', async () => {
		const from = await sourceMailbox();
		const to = await targetMailbox();
		const ledgerPath = tempLedgerPath();
		const results = await Promise.all([
			execute([job(0, from.endpoint, to.endpoint)], ledgerPath),
			execute([job(0, from.endpoint, to.endpoint)], ledgerPath),
		]);
		expect(await contentOf(target, to.user)).toEqual(await contentOf(source, from.user));
		const reports = results.map(([report]) => report as MailboxReport);
		// Whichever came second was either kept out or found nothing left to do.
		const copied = reports.map((report) => report.counts.copied).sort((a, b) => a - b);
		expect(copied).toEqual([0, MESSAGES]);
		for (const report of reports) expect(['completed', 'locked']).toContain(report.status);
	});

	it('ends a mailbox another run holds as locked, naming that run, and writes nothing', async () => {
		const from = await sourceMailbox();
		const to = await targetMailbox();
		const ledgerPath = tempLedgerPath();
		const ledger = await openLedger({ kind: 'sqlite', path: ledgerPath });
		const other = newOwnerId('n8n-execution-77');
		try {
			await ledger.acquireMailboxLock('test', sourceAccountOf(from.endpoint), other, 600_000);
		} finally {
			await ledger.close();
		}
		const [report] = await execute([job(0, from.endpoint, to.endpoint)], ledgerPath);
		expect(report).toMatchObject({
			status: 'locked',
			reason: expect.stringContaining('n8n-execution-77'),
			counts: { copied: 0 },
		});
		expect(await contentOf(target, to.user)).toEqual({ INBOX: [] });
	});

	it('stops writing before its next batch once another run has taken its lease', async () => {
		const from = await sourceMailbox();
		const to = await targetMailbox();
		const ledgerPath = tempLedgerPath();
		const thief = newOwnerId('n8n-execution-99');
		let batches = 0;
		const report = await migrate(from.endpoint, to.endpoint, ledgerPath, 'full', {
			tuning: { connections: 1, pipelineDepth: 1, batchMessages: 5, windowMessages: 20 },
			afterAppend: () => {
				batches++;
				if (batches > 1) return;
				// Another run takes the mailbox over (as if this one's lease had run out): in a connection of its own.
				const db = new DatabaseSync(ledgerPath);
				try {
					db.prepare('UPDATE mailbox_locks SET owner = ?, token = ?').run(thief, 'stolen');
				} finally {
					db.close();
				}
			},
		});
		expect(report).toMatchObject({
			status: 'locked',
			reason: expect.stringContaining('n8n-execution-99'),
			counts: { copied: 5 },
		});
		expect(batches).toBe(1);
		expect((await contentOf(target, to.user)).INBOX).toHaveLength(5);

		const db = new DatabaseSync(ledgerPath);
		db.prepare('DELETE FROM mailbox_locks').run();
		db.close();
		const resumed = await migrate(from.endpoint, to.endpoint, ledgerPath);
		expect(resumed).toMatchObject({ status: 'completed', counts: { copied: MESSAGES - 5 } });
		expect(await contentOf(target, to.user)).toEqual(await contentOf(source, from.user));
	});
});
