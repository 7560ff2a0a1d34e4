/**
 * The Microsoft 365 template in real n8n: two mailboxes from a Dovecot source into a Dovecot that checks bearer
 * tokens with its oauth2 passdb (standing in for Exchange Online IMAP), the tokens coming from the Microsoft
 * emulator's token endpoint by the Microsoft 365 (App) credential with its override URLs and trusted CA.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { DovecotServer } from '../harness/dovecot';
import { appendMessages, makeMessage, snapshotMailbox } from '../harness/imap-fixtures';
import { startMicrosoftEmulator, type MicrosoftEmulator } from '../harness/microsoftEmulator';
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
import { imapCredential, type OutputItem, type TemplateNode } from './workflowFixtures';

const MASTER = { user: 'migrator', password: 'm4ster-Secret-m365' };
const USER_PASSWORD = 'u5er-Secret-m365';
const CLIENT_ID = '6f1d2c3b-0000-4000-8000-00000000e2e1';
const CLIENT_SECRET = 'cl1ent~Secret-m365-e2e';

const day = (n: number) => new Date(Date.UTC(2022, 4, n, 9, 30, 0));

type Corpus = Record<string, { raw: Buffer; flags?: string[]; internalDate: Date }[]>;

/** Two mailboxes: nesting, umlauts, flags and keywords, an attachment, a message without Message-ID. */
const corpora: Record<string, Corpus> = {
	anna: {
		INBOX: [
			{
				raw: makeMessage({ subject: 'Willkommen', date: day(1) }),
				flags: ['\\Seen'],
				internalDate: day(1),
			},
			{
				raw: makeMessage({
					subject: 'Angebot',
					date: day(2),
					attachments: [{ name: 'angebot.pdf', bytes: Buffer.alloc(90_000, 7) }],
				}),
				flags: ['\\Flagged', '$Forwarded'],
				internalDate: day(2),
			},
		],
		'Kunden/Müller': [
			{
				raw: makeMessage({ subject: 'Vertrag', date: day(3) }),
				flags: ['\\Answered'],
				internalDate: day(3),
			},
		],
	},
	ben: {
		INBOX: [
			{
				raw: makeMessage({ subject: 'ohne ID', messageId: null, date: day(4) }),
				internalDate: day(4),
			},
		],
		Archiv: [
			{
				raw: makeMessage({ subject: 'Alt', date: day(5) }),
				flags: ['\\Seen', 'Wichtig'],
				internalDate: day(5),
			},
		],
	},
};

const messagesIn = (corpus: Corpus) =>
	Object.values(corpus).reduce((sum, messages) => sum + messages.length, 0);

type Snapshot = Awaited<ReturnType<typeof snapshotMailbox>>;

/** Per folder, the sorted (bytes hash, flags, internal date) of every message. */
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

describe('Migrate into Microsoft 365 template in real n8n (oauth2 Dovecot, Microsoft emulator)', () => {
	const services = new TestServices();
	let emulator: MicrosoftEmulator;
	let source: DovecotServer;
	let target: DovecotServer;
	let home: N8nHome;
	let ledgerDir: string;
	let run: WorkflowRun;
	/** The stand-in's log right after the run, before the assertions' own (password) logins. */
	let targetLogAfterRun: string;
	const upn = (user: string) => `${user}@${emulator.tenantDomain}`;

	beforeAll(async () => {
		emulator = await startMicrosoftEmulator();
		emulator.addApp({ clientId: CLIENT_ID, secret: CLIENT_SECRET, roles: ['IMAP.AccessAsApp'] });
		emulator.grantAllMailboxes(CLIENT_ID);
		[source, target] = await Promise.all([
			services.dovecot({ name: 'source', master: MASTER }),
			services.dovecot({
				name: 'target',
				oauth2: { introspectionUrl: emulator.introspectionUrl },
			}),
		]);
		for (const [user, corpus] of Object.entries(corpora)) {
			await source.addUser(user, USER_PASSWORD);
			await target.addUser(upn(user), USER_PASSWORD);
			for (const [folder, messages] of Object.entries(corpus)) {
				await appendMessages(source, user, USER_PASSWORD, folder, messages);
			}
		}
		ledgerDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-e2e-m365-'));
		home = await createN8nHome(packPackage());
		await importCredentials(home, [
			imapCredential('mailSource', 'Mail Source (IMAP)', 'mailSourceImap', source),
			{
				id: 'microsoft365',
				name: 'Microsoft 365 (App)',
				type: 'microsoft365App',
				data: {
					tenant: emulator.tenantId,
					clientId: CLIENT_ID,
					authentication: 'clientSecret',
					clientSecret: CLIENT_SECRET,
					cloud: 'global',
					customEndpoints: true,
					loginUrl: emulator.baseUrl,
					imapHost: target.host,
					imapPort: target.tlsPort,
					// One bundle trusts both: the emulator's token endpoint and the stand-in's IMAP certificate.
					trustedCaPem: `${emulator.caPem}\n${target.certPem}`,
				},
			},
		]);
		const workflow = structuredClone(loadTemplate('migrate-microsoft365.json'));
		const nodes = workflow.nodes as TemplateNode[];
		const byName = (name: string) => nodes.find((node) => node.name === name) as TemplateNode;
		byName('Mailboxes to migrate').parameters.jsonOutput = JSON.stringify({
			mailboxes: Object.keys(corpora).map((user) => ({
				sourceMailbox: user,
				targetMailbox: upn(user),
			})),
		});
		for (const name of ['Migrate', 'Verify'])
			byName(name).parameters.ledgerOptions = { path: path.join(ledgerDir, 'ledger.sqlite') };
		await importWorkflow(home, workflow);
		run = await executeWorkflow(home, workflow.id as string);
		targetLogAfterRun = target.log();
	}, 20 * 60_000);

	afterAll(async () => {
		if (home) removeN8nHome(home);
		if (ledgerDir && process.env.KEEP_TEST_SERVICES !== '1')
			fs.rmSync(ledgerDir, { recursive: true, force: true });
		await services.stopAll();
		await emulator?.stop();
	});

	it('migrates both mailboxes completely, logged in with app tokens from the token endpoint', async () => {
		expect(run.error).toBeNull();
		const reports = run.nodes.Migrate as OutputItem[];
		expect(reports.map((report) => [report.mailbox, report.targetMailbox, report.status])).toEqual(
			Object.keys(corpora).map((user) => [user, upn(user), 'completed']),
		);
		for (const report of reports) {
			expect(report.counts.copied).toBe(messagesIn(corpora[report.mailbox as string]));
			expect(report.counts.failed).toBe(0);
		}
		expect(emulator.issuedTokenCount(CLIENT_ID)).toBeGreaterThan(0);
		// Every login on the stand-in during the run was XOAUTH2, as each mailbox: the template has no target password.
		const logins = [...targetLogAfterRun.matchAll(/Login: user=<([^>]+)>, method=([A-Z0-9-]+)/g)];
		expect(logins.length).toBeGreaterThan(0);
		expect(new Set(logins.map(([, , method]) => method))).toEqual(new Set(['XOAUTH2']));
		expect(new Set(logins.map(([, user]) => user))).toEqual(new Set(Object.keys(corpora).map(upn)));
	});

	it('leaves each target mailbox equal to its source: bytes, flags and dates in every folder', async () => {
		for (const report of run.nodes.Migrate as OutputItem[]) {
			const user = report.mailbox as string;
			const sourceFolders = comparable(await snapshotMailbox(source, user, USER_PASSWORD));
			const targetFolders = comparable(await snapshotMailbox(target, upn(user), USER_PASSWORD));
			for (const folder of Object.keys(corpora[user])) {
				const route = (report.folders as Array<{ source: string; target: string }>).find(
					(candidate) => candidate.source === folder,
				);
				expect({ folder, messages: targetFolders[route!.target] }).toEqual({
					folder,
					messages: sourceFolders[folder],
				});
				expect(sourceFolders[folder]).toHaveLength(corpora[user][folder].length);
			}
		}
	});

	it('verifies both mailboxes clean and sends them to the verified branch', () => {
		const verified = run.nodes.Verify as OutputItem[];
		expect(verified).toHaveLength(2);
		for (const report of verified) {
			expect(report.status).toBe('completed');
			expect(report.differences).toEqual([]);
		}
		const [complete, needsAttention] = run.outputs['All verified?'];
		expect(complete.map((report) => report.mailbox)).toEqual(Object.keys(corpora));
		expect(needsAttention ?? []).toEqual([]);
	});

	it('never prints a secret or a token', () => {
		for (const output of [run.stdout, run.stderr]) {
			expect(output).not.toContain(CLIENT_SECRET);
			expect(output).not.toContain(MASTER.password);
			expect(output).not.toMatch(/eyJ[\w-]{10,}\.[\w-]{10,}\./);
		}
	});
});
