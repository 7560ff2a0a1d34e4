import fs from 'node:fs';
import path from 'node:path';

import type { DovecotServer } from '../harness/dovecot';
import { makeMessage, snapshotMailbox } from '../harness/imap-fixtures';
import { TestServices } from '../harness/services';
import {
	executeWorkflow,
	n8nHomeWithCredentials,
	removeN8nHome,
	runWorkflow,
	type N8nHome,
	type WorkflowRun,
} from './n8nRuntime';
import {
	comparable,
	expectFoldersCopied,
	expectNoSecretsPrinted,
	imapCredential,
	messagesIn,
	migrationWorkflow,
	seedMailboxes,
	waveCorpora,
	type OutputItem,
	type Snapshot,
	type TemplateNode,
} from './workflowFixtures';

const MASTER = { user: 'migrator', password: 'm4ster-Secret-e2e' };
const USER_PASSWORD = 'u5er-Secret-e2e';

const day = (n: number) => new Date(Date.UTC(2021, 2, n, 8, 15, 0));
describe('Migrate template (nightly wave) in real n8n', () => {
	const services = new TestServices();
	let source: DovecotServer;
	let target: DovecotServer;
	let home: N8nHome;
	let workflowId: string;
	let firstRun: WorkflowRun;
	let targetAfterFirstRun: Record<string, Snapshot>;
	/** Ledger files live with the servers, removed by stopAll (kept with KEEP_TEST_SERVICES=1). */
	const ledgerFile = (name: string) => path.join(services.dir, name);

	beforeAll(async () => {
		[source, target] = await Promise.all([
			services.dovecot({ name: 'source', master: MASTER }),
			services.dovecot({ name: 'target', master: MASTER }),
		]);
		await seedMailboxes(waveCorpora, USER_PASSWORD, source, target);
		home = await n8nHomeWithCredentials([
			imapCredential('mailSource', 'Mail Source (IMAP)', 'mailSourceImap', source),
			imapCredential('mailTarget', 'Mail Target (IMAP)', 'mailTargetImap', target),
		]);
		const workflow = migrationWorkflow(
			'migrate.json',
			[
				{ sourceMailbox: 'alice', targetMailbox: 'alice' },
				{ sourceMailbox: 'ghost', targetMailbox: 'ghost' },
				{ sourceMailbox: 'bob', targetMailbox: 'bob' },
			],
			ledgerFile('ledger.sqlite'),
		);
		workflowId = workflow.id as string;
		firstRun = await runWorkflow(home, workflow);
		targetAfterFirstRun = {};
		for (const user of Object.keys(waveCorpora)) {
			targetAfterFirstRun[user] = await snapshotMailbox(target, user, USER_PASSWORD);
		}
	}, 20 * 60_000);

	afterAll(async () => {
		if (home) removeN8nHome(home);
		await services.stopAll();
	});

	it('migrates every mailbox of the wave and reports the one that cannot log in without stopping the others', () => {
		expect(firstRun.error).toBeNull();
		const [alice, ghost, bob] = firstRun.nodes.Migrate as Array<OutputItem>;
		expect(firstRun.nodes.Migrate).toHaveLength(3);
		for (const [report, user] of [
			[alice, 'alice'],
			[bob, 'bob'],
		] as const) {
			expect(report).toMatchObject({
				mailbox: user,
				targetMailbox: user,
				migrationId: 'wave-1',
				mode: 'full',
			});
			expect(report.status).toBe('completed');
			expect(report.counts.copied).toBe(messagesIn(waveCorpora[user]));
			expect(report.counts.failed).toBe(0);
			expect(report.failedItems).toEqual([]);
		}
		expect(ghost.status).toBe('failed');
		expect(ghost.error).toMatch(/ghost/);
		expect(ghost.counts).toBeUndefined();
	});

	it('leaves each target mailbox equal to its source: bytes, flags and dates in every folder', async () => {
		const reports = firstRun.nodes.Migrate as Array<OutputItem>;
		for (const user of Object.keys(waveCorpora)) {
			const report = reports.find((candidate) => candidate.mailbox === user) as OutputItem;
			expectFoldersCopied(
				report,
				waveCorpora[user],
				await snapshotMailbox(source, user, USER_PASSWORD),
				targetAfterFirstRun[user],
			);
		}
	});

	it('verifies both mailboxes with no difference and sorts them from the failed one', () => {
		const [alice, ghost, bob] = firstRun.nodes.Verify as Array<OutputItem>;
		for (const report of [alice, bob]) {
			expect(report.mode).toBe('verify');
			expect(report.status).toBe('completed');
			expect(report.differences).toEqual([]);
		}
		expect(ghost.error).toMatch(/ghost/);
		const [verified, needsAttention] = firstRun.outputs['All verified?'];
		expect(verified.map((report) => report.mailbox)).toEqual(['alice', 'bob']);
		expect(needsAttention.map((report) => report.mailbox)).toEqual(['ghost']);
	});

	it('keeps the ledger in the file set on the node, not in the n8n folder', () => {
		expect(fs.statSync(ledgerFile('ledger.sqlite')).size).toBeGreaterThan(0);
		expect(fs.existsSync(path.join(home.folder, '.n8n', 'mailbox-migration'))).toBe(false);
	});

	it('copies nothing on the next night and leaves the targets unchanged', async () => {
		const rerun = await executeWorkflow(home, workflowId);
		expect(rerun.error).toBeNull();
		for (const report of rerun.nodes.Migrate.filter(
			(item) => item.mailbox !== 'ghost',
		) as Array<OutputItem>) {
			expect(report.status).toBe('completed');
			expect(report.counts.copied).toBe(0);
			expect(report.counts.failed).toBe(0);
		}
		for (const user of Object.keys(waveCorpora)) {
			expect(await snapshotMailbox(target, user, USER_PASSWORD)).toEqual(targetAfterFirstRun[user]);
		}
		expectNoSecretsPrinted([firstRun, rerun], [MASTER.password, USER_PASSWORD]);
	});

	it('pauses at the byte budget with the reason, skips Verify, and the next run finishes exactly', async () => {
		const messages = Array.from({ length: 24 }, (_, index) => ({
			raw: makeMessage({
				subject: `Bericht ${index}`,
				date: day(index + 1),
				attachments: [{ name: `anhang-${index}.bin`, bytes: Buffer.alloc(100_000, index) }],
			}),
			internalDate: day(index + 1),
		}));
		await seedMailboxes({ carol: { INBOX: messages } }, USER_PASSWORD, source, target);
		const sourceBytes = messages.reduce((sum, message) => sum + message.raw.length, 0);

		const workflow = migrationWorkflow(
			'migrate.json',
			[{ sourceMailbox: 'carol', targetMailbox: 'carol' }],
			ledgerFile('budget.sqlite'),
		);
		const nodes = workflow.nodes as TemplateNode[];
		const migrateNode = nodes.find((node) => node.name === 'Migrate') as TemplateNode;
		migrateNode.parameters.stopOptions = { maxMegabytes: 1 };
		migrateNode.parameters.performance = { batchMessages: 2, pipelineDepth: 1 };
		workflow.id = 'mmBudgetTest1';

		const budgeted = await runWorkflow(home, workflow);
		expect(budgeted.error).toBeNull();
		const [paused] = budgeted.nodes.Migrate as Array<OutputItem>;
		expect(paused.status).toBe('paused');
		expect(paused.reason).toBe('byte budget of 1 MB reached');
		expect(paused.resumesAt).toBeNull();
		expect(paused.bytes).toBeLessThanOrEqual(1_000_000);
		expect(paused.counts.copied).toBeGreaterThan(0);
		expect(paused.counts.copied).toBeLessThan(messages.length);
		expect(budgeted.nodes.Verify ?? []).toEqual([]);
		expect(budgeted.outputs['Paused: resumes next run']?.[0]?.[0]?.mailbox).toBe('carol');
		const afterBudget = await snapshotMailbox(target, 'carol', USER_PASSWORD);
		expect(afterBudget.INBOX).toHaveLength(paused.counts.copied);

		migrateNode.parameters.stopOptions = {};
		const finished = await runWorkflow(home, workflow);
		expect(finished.error).toBeNull();
		const [completed] = finished.nodes.Migrate as Array<OutputItem>;
		expect(completed.status).toBe('completed');
		expect(completed.counts.copied + paused.counts.copied).toBe(messages.length);
		expect(paused.bytes + completed.bytes).toBe(sourceBytes);
		const [verified] = finished.nodes.Verify as Array<OutputItem>;
		expect(verified.differences).toEqual([]);
		expect(comparable(await snapshotMailbox(target, 'carol', USER_PASSWORD))).toEqual(
			comparable(await snapshotMailbox(source, 'carol', USER_PASSWORD)),
		);
	});
});
