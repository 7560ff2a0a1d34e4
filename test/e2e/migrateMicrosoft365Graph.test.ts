/**
 * The Microsoft 365 template in real n8n on its Graph path: Target Type set to Microsoft 365 (Graph) on Migrate and
 * Verify, two mailboxes from a Dovecot source into the Microsoft emulator's Graph side, tokens from its token endpoint
 * by the Microsoft 365 (App) credential with its override URLs and trusted CA. What lands is read back through the
 * emulator's inspection API: non-draft messages (drafts only for \Draft) with their dates, flags and attachments.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';

import type { DovecotServer } from '../harness/dovecot';
import { sourceKeyOf, startGraphStandIn, type GraphStandIn } from '../harness/graphStandIn';
import { appendMessages } from '../harness/imap-fixtures';
import type { MicrosoftEmulator } from '../harness/microsoftEmulator';
import { TestServices } from '../harness/services';
import { removeN8nHome, type N8nHome, type WorkflowRun } from './n8nRuntime';
import {
	expectNoSecretsPrinted,
	expectWaveMigrated,
	expectWaveVerified,
	messagesIn,
	microsoft365Home,
	runMicrosoft365Wave,
	waveCorpora,
	type OutputItem,
} from './workflowFixtures';

const MASTER = { user: 'migrator', password: 'm4ster-Secret-graph' };
const USER_PASSWORD = 'u5er-Secret-graph';
const CLIENT_ID = '6f1d2c3b-0000-4000-9000-00000000e2e2';
const CLIENT_SECRET = 'cl1ent~Secret-graph-e2e';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('Migrate into Microsoft 365 template in real n8n, through Graph (Microsoft emulator)', () => {
	const services = new TestServices();
	let emulator: MicrosoftEmulator;
	let source: DovecotServer;
	let home: N8nHome;
	let run: WorkflowRun;
	const upn = (user: string) => `${user}@${emulator.tenantDomain}`;

	beforeAll(async () => {
		let m365: GraphStandIn;
		[source, m365] = await Promise.all([
			services.dovecot({ name: 'source', master: MASTER }),
			startGraphStandIn(services),
		]);
		emulator = m365.emulator;
		// The tenant by its domain name, as teams usually enter it.
		const app = {
			...m365.registerApp({ clientId: CLIENT_ID, secret: CLIENT_SECRET }),
			tenant: emulator.tenantDomain,
		};
		for (const [user, corpus] of Object.entries(waveCorpora)) {
			await source.addUser(user, USER_PASSWORD);
			for (const [folder, messages] of Object.entries(corpus)) {
				await appendMessages(source, user, USER_PASSWORD, folder, messages);
			}
			m365.addMailbox(user);
		}
		home = await microsoft365Home(source, app);
		run = await runMicrosoft365Wave(
			home,
			path.join(services.dir, 'ledger.sqlite'),
			upn,
			(nodes) => {
				// What the template's notes tell a team to do for the Graph path: one Target Type on Migrate and Verify.
				for (const node of nodes) {
					if (node.name === 'Migrate' || node.name === 'Verify')
						node.parameters.targetType = 'graph';
				}
			},
		);
	}, 20 * 60_000);

	afterAll(async () => {
		if (home) removeN8nHome(home);
		await services.stopAll();
	});

	it('migrates both mailboxes completely through Graph, with app tokens from the token endpoint', () => {
		for (const report of expectWaveMigrated(run, upn)) expect(report.rebuiltAs).toEqual({});
		expect(emulator.issuedTokenCount(CLIENT_ID)).toBeGreaterThan(0);
		// One create per message, through Graph's message route: none repeated, none lost.
		const total = Object.values(waveCorpora).reduce((sum, corpus) => sum + messagesIn(corpus), 0);
		expect(
			emulator.graph.counters().requests['POST /users/{id}/mailFolders/{id}/messages 201'],
		).toBe(total);
	});

	it('creates every message once, in its folder, non-draft unless \\Draft, with its dates, flags and attachments', () => {
		for (const report of run.nodes.Migrate as OutputItem[]) {
			const user = report.mailbox as string;
			const folders = emulator.graph.folders(upn(user));
			const pathOfTarget = (target: string) =>
				target === 'INBOX'
					? folders.find((folder) => folder.wellKnownName === 'inbox')?.path
					: target;
			const stored = emulator.graph.messages(upn(user));
			expect(stored).toHaveLength(messagesIn(waveCorpora[user]));
			const routes = report.folders as Array<{ source: string; target: string }>;
			for (const [folder, messages] of Object.entries(waveCorpora[user])) {
				const route = routes.find((candidate) => candidate.source === folder);
				expect(route).toBeDefined();
				for (const message of messages) {
					const key = sha256(message.raw);
					const copies = stored.filter((candidate) => sourceKeyOf(candidate) === key);
					expect(copies).toHaveLength(1);
					const [copy] = copies;
					const flags = message.flags ?? [];
					expect({
						folder: folders.find((candidate) => candidate.id === copy.folderId)?.path,
						isDraft: copy.isDraft,
						received: Date.parse(copy.receivedDateTime),
						sent: Date.parse(copy.sentDateTime ?? ''),
						isRead: copy.isRead,
						flagged: copy.flag.flagStatus === 'flagged',
						categories: copy.categories,
					}).toEqual({
						folder: pathOfTarget(route!.target),
						isDraft: flags.includes('\\Draft'),
						received: message.internalDate?.getTime(),
						// The wave's messages carry a Date header of the same moment as their INTERNALDATE.
						sent: message.internalDate?.getTime(),
						isRead: flags.includes('\\Seen'),
						flagged: flags.includes('\\Flagged'),
						categories: flags.filter((flag) => !flag.startsWith('\\') && !flag.startsWith('$')),
					});
				}
			}
		}
		const contract = emulator.graph
			.messages(upn('alice'))
			.find((message) => message.subject === 'Vertrag');
		expect(
			contract?.attachments.map((attachment) => [attachment.name, attachment.content]),
		).toEqual([['vertrag.pdf', Buffer.alloc(120_000, 3)]]);
	});

	it('verifies both mailboxes clean and sends them to the verified branch', () => {
		expectWaveVerified(run);
	});

	it('never prints a secret or a token, nor puts one in the output items', () => {
		expectNoSecretsPrinted([run], [CLIENT_SECRET, MASTER.password]);
		const outputs = JSON.stringify(run.nodes);
		expect(outputs).not.toContain(CLIENT_SECRET);
		expect(outputs).not.toMatch(/eyJ[\w-]{10,}\.[\w-]{10,}\./);
		// Upload-session URLs carry their authorisation in the query; none was printed.
		expect(`${run.stdout}${run.stderr}${outputs}`).not.toMatch(/\/api\/v2\.0\/Users\(/);
	});
});
