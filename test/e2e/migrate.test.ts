import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { DovecotServer } from '../harness/dovecot';
import { appendMessages, makeMessage, snapshotMailbox } from '../harness/imap-fixtures';
import { TestServices } from '../harness/services';
import {
	createN8nHome,
	executeWorkflow,
	importCredentials,
	importWorkflow,
	loadTemplate,
	packPackage,
	removeN8nHome,
	type N8nHome,
	type WorkflowRun,
} from './n8nRuntime';
import { imapCredential, type TemplateNode, type OutputItem } from './workflowFixtures';

const MASTER = { user: 'migrator', password: 'm4ster-Secret-e2e' };
const USER_PASSWORD = 'u5er-Secret-e2e';

type Corpus = Record<string, { raw: Buffer; flags?: string[]; internalDate?: Date }[]>;

const day = (n: number) => new Date(Date.UTC(2021, 2, n, 8, 15, 0));

/** Two mailboxes with what real ones hold: umlauts, nesting, spaces, flags, keywords, an attachment. */
const corpora: Record<string, Corpus> = {
	alice: {
		INBOX: [
			{
				raw: makeMessage({ subject: 'Angebot', date: day(1) }),
				flags: ['\\Seen'],
				internalDate: day(1),
			},
			{
				raw: makeMessage({ subject: 'Rückfrage', date: day(2) }),
				flags: ['\\Flagged', '$Forwarded'],
				internalDate: day(2),
			},
			{ raw: makeMessage({ subject: 'Neu', date: day(3) }), internalDate: day(3) },
		],
		Entwürfe: [
			{
				raw: makeMessage({ subject: 'Entwurf', date: day(4) }),
				flags: ['\\Draft'],
				internalDate: day(4),
			},
		],
		'Kunden/Müller GmbH': [
			{
				raw: makeMessage({
					subject: 'Vertrag',
					date: day(5),
					attachments: [{ name: 'vertrag.pdf', bytes: Buffer.alloc(120_000, 3) }],
				}),
				flags: ['\\Seen', '\\Answered'],
				internalDate: day(5),
			},
		],
		'Projekte/2021/Alpha': [
			{
				raw: makeMessage({ subject: 'Plan', date: day(6) }),
				flags: ['Wichtig'],
				internalDate: day(6),
			},
		],
	},
	bob: {
		INBOX: [
			{
				raw: makeMessage({ subject: 'Hallo Bob', date: day(7) }),
				flags: ['\\Seen'],
				internalDate: day(7),
			},
			{
				raw: makeMessage({ subject: 'ohne ID', messageId: null, date: day(8) }),
				internalDate: day(8),
			},
		],
		Entwürfe: [
			{
				raw: makeMessage({ subject: 'Notiz', date: day(9) }),
				flags: ['\\Draft', '\\Seen'],
				internalDate: day(9),
			},
		],
		'Archiv/2020': [
			{
				raw: makeMessage({ subject: 'Alt', date: day(10) }),
				flags: ['\\Seen'],
				internalDate: day(10),
			},
		],
	},
};

const messagesIn = (corpus: Corpus) =>
	Object.values(corpus).reduce((sum, messages) => sum + messages.length, 0);

/** The shipped template with the wave list and a private ledger file: what an integration team edits. */
function migrateWorkflow(
	mailboxes: Record<string, string>[],
	ledgerPath: string,
): Record<string, unknown> {
	const workflow = structuredClone(loadTemplate('migrate.json'));
	const nodes = workflow.nodes as TemplateNode[];
	const byName = (name: string) => {
		const node = nodes.find((candidate) => candidate.name === name);
		if (!node) throw new Error(`template has no "${name}" node`);
		return node;
	};
	byName('Mailboxes to migrate').parameters.jsonOutput = JSON.stringify({ mailboxes });
	for (const name of ['Migrate', 'Verify'])
		byName(name).parameters.ledgerOptions = { path: ledgerPath };
	return workflow;
}

type Snapshot = Awaited<ReturnType<typeof snapshotMailbox>>;

/** Per folder, the sorted (bytes hash, flags, internal date) of every message: what a migration must keep. */
function comparable(snapshot: Snapshot): Record<string, string[]> {
	return Object.fromEntries(
		Object.entries(snapshot).map(([folder, messages]) => [
			folder,
			messages
				.map(
					(message) =>
						`${message.sha256} ${[...message.flags].sort().join(',')} ${message.internalDate}`,
				)
				.sort(),
		]),
	);
}

describe('Migrate template (nightly wave) in real n8n', () => {
	const services = new TestServices();
	let source: DovecotServer;
	let target: DovecotServer;
	let home: N8nHome;
	let ledgerDir: string;
	let workflowId: string;
	let firstRun: WorkflowRun;
	let targetAfterFirstRun: Record<string, Snapshot>;

	beforeAll(async () => {
		[source, target] = await Promise.all([
			services.dovecot({ name: 'source', master: MASTER }),
			services.dovecot({ name: 'target', master: MASTER }),
		]);
		for (const [user, corpus] of Object.entries(corpora)) {
			await source.addUser(user, USER_PASSWORD);
			await target.addUser(user, USER_PASSWORD);
			for (const [folder, messages] of Object.entries(corpus)) {
				await appendMessages(source, user, USER_PASSWORD, folder, messages);
			}
		}
		ledgerDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-e2e-ledger-'));
		home = await createN8nHome(packPackage());
		await importCredentials(home, [
			imapCredential('mailSource', 'Mail Source (IMAP)', 'mailSourceImap', source),
			imapCredential('mailTarget', 'Mail Target (IMAP)', 'mailTargetImap', target),
		]);
		const workflow = migrateWorkflow(
			[
				{ sourceMailbox: 'alice', targetMailbox: 'alice' },
				{ sourceMailbox: 'ghost', targetMailbox: 'ghost' },
				{ sourceMailbox: 'bob', targetMailbox: 'bob' },
			],
			path.join(ledgerDir, 'ledger.sqlite'),
		);
		workflowId = workflow.id as string;
		await importWorkflow(home, workflow);
		firstRun = await executeWorkflow(home, workflowId);
		targetAfterFirstRun = {};
		for (const user of Object.keys(corpora)) {
			targetAfterFirstRun[user] = await snapshotMailbox(target, user, USER_PASSWORD);
		}
	}, 20 * 60_000);

	afterAll(async () => {
		if (home) removeN8nHome(home);
		if (ledgerDir && process.env.KEEP_TEST_SERVICES !== '1')
			fs.rmSync(ledgerDir, { recursive: true, force: true });
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
			expect(report.counts.copied).toBe(messagesIn(corpora[user]));
			expect(report.counts.failed).toBe(0);
			expect(report.failedItems).toEqual([]);
		}
		expect(ghost.status).toBe('failed');
		expect(ghost.error).toMatch(/ghost/);
		expect(ghost.counts).toBeUndefined();
	});

	it('leaves each target mailbox equal to its source: bytes, flags and dates in every folder', async () => {
		const reports = firstRun.nodes.Migrate as Array<OutputItem>;
		for (const user of Object.keys(corpora)) {
			const report = reports.find((candidate) => candidate.mailbox === user) as OutputItem;
			const sourceFolders = comparable(await snapshotMailbox(source, user, USER_PASSWORD));
			const targetFolders = comparable(targetAfterFirstRun[user]);
			const routes = report.folders as Array<{ source: string; target: string }>;
			for (const folder of Object.keys(corpora[user])) {
				const route = routes.find((candidate) => candidate.source === folder);
				expect(route).toBeDefined();
				expect({ folder, messages: targetFolders[route!.target] }).toEqual({
					folder,
					messages: sourceFolders[folder],
				});
				expect(sourceFolders[folder]).toHaveLength(corpora[user][folder].length);
			}
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
		expect(fs.statSync(path.join(ledgerDir, 'ledger.sqlite')).size).toBeGreaterThan(0);
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
		for (const user of Object.keys(corpora)) {
			expect(await snapshotMailbox(target, user, USER_PASSWORD)).toEqual(targetAfterFirstRun[user]);
		}
		for (const output of [firstRun, rerun].flatMap((run) => [run.stdout, run.stderr])) {
			expect(output).not.toContain(MASTER.password);
			expect(output).not.toContain(USER_PASSWORD);
		}
	});

	it('pauses at the byte budget with the reason, skips Verify, and the next run finishes exactly', async () => {
		await source.addUser('carol', USER_PASSWORD);
		await target.addUser('carol', USER_PASSWORD);
		const messages = Array.from({ length: 24 }, (_, index) => ({
			raw: makeMessage({
				subject: `Bericht ${index}`,
				date: day(index + 1),
				attachments: [{ name: `anhang-${index}.bin`, bytes: Buffer.alloc(100_000, index) }],
			}),
			internalDate: day(index + 1),
		}));
		await appendMessages(source, 'carol', USER_PASSWORD, 'INBOX', messages);
		const sourceBytes = messages.reduce((sum, message) => sum + message.raw.length, 0);

		const workflow = migrateWorkflow(
			[{ sourceMailbox: 'carol', targetMailbox: 'carol' }],
			path.join(ledgerDir, 'budget.sqlite'),
		);
		const nodes = workflow.nodes as TemplateNode[];
		const migrateNode = nodes.find((node) => node.name === 'Migrate') as TemplateNode;
		migrateNode.parameters.stopOptions = { maxMegabytes: 1 };
		migrateNode.parameters.performance = { batchMessages: 2, pipelineDepth: 1 };
		workflow.id = 'mmBudgetTest1';
		await importWorkflow(home, workflow);

		const budgeted = await executeWorkflow(home, 'mmBudgetTest1');
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
		await importWorkflow(home, workflow);
		const finished = await executeWorkflow(home, 'mmBudgetTest1');
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
