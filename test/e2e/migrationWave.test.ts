/**
 * The nightly migration wave template in real n8n against the wave servers (test/e2e/waveServers.ts): slapd, the
 * old and the new Dovecot, Postfix routing by mailHost, the OSS receiver and the DL mailbox. Three users on the
 * roster, two of them due today in the ops time zone: what the template did is read where it happened (the new
 * platform's directory and mailboxes, the MTA's routing entries and deliveries, the OSS's requests, the DL's INBOX).
 */
import fs from 'node:fs';

import { simpleParser, type ParsedMail } from 'mailparser';

import { snapshotMailbox } from '../harness/imap-fixtures';
import { TestServices } from '../harness/services';
import {
	executeWorkflow,
	n8nHomeWithCredentials,
	removeN8nHome,
	runWorkflow,
	type N8nHome,
	type WorkflowRun,
} from './n8nRuntime';
import { NEW_HOST, OLD_HOST, startWaveServers, type WaveServers } from './waveServers';
import { opsClock, waveWorkflow, type OpsClock } from './waveWorkflows';
import {
	expectFoldersCopied,
	expectNoSecretsPrinted,
	messagesIn,
	type OutputItem,
	type Snapshot,
} from './workflowFixtures';

const MIGRATION = 'wave-e2e';
const DUE = ['alice', 'bob'];

describe('Migration wave template (nightly) in real n8n', () => {
	const services = new TestServices();
	let wave: WaveServers;
	let home: N8nHome;
	let clock: OpsClock;
	let workflowId: string;
	let firstRun: WorkflowRun;
	let secondRun: WorkflowRun;
	/** Each due user's generated password, from Provision Target's output (its one intended field). */
	const passwords = new Map<string, string>();
	const targetAfterFirstRun = new Map<string, Snapshot>();

	const asMaster = (uid: string) => `${uid}*${wave.master.user}`;
	const targetSnapshot = (uid: string) =>
		snapshotMailbox(wave.newServer, asMaster(uid), wave.master.password);

	beforeAll(async () => {
		wave = await startWaveServers(services);
		home = await n8nHomeWithCredentials(wave.credentials);
		clock = opsClock();
		const roster = [
			wave.user('alice').rosterRow(clock.today),
			wave.user('carol').rosterRow(clock.tomorrow),
			wave.user('bob').rosterRow(clock.today),
		];
		const workflow = waveWorkflow(wave, roster, clock, MIGRATION);
		workflowId = workflow.id as string;
		firstRun = await runWorkflow(home, workflow);
		for (const item of firstRun.nodes['Provision Target'] as OutputItem[])
			if (typeof item.password === 'string') passwords.set(item.account, item.password);
		for (const uid of DUE) targetAfterFirstRun.set(uid, await targetSnapshot(uid));
	}, 20 * 60_000);

	afterAll(async () => {
		if (home) removeN8nHome(home);
		await services.stopAll();
	});

	it('runs to the end, taking the two users due today in the ops time zone', () => {
		expect(firstRun.error).toBeNull();
		expect(
			(firstRun.nodes['Users due tonight'] as OutputItem[]).map((row) => row.sourceMailbox),
		).toEqual(DUE);
	});

	it('provisions the due users in the new platform directory, and their logins work on the new server', async () => {
		const provisioned = firstRun.nodes['Provision Target'] as OutputItem[];
		expect(provisioned.map((item) => [item.account, item.status, item.loginVerified])).toEqual([
			['alice', 'created', true],
			['bob', 'created', true],
		]);
		for (const uid of DUE) {
			const user = wave.user(uid);
			const entry = await wave.accountOf(uid);
			expect(entry?.attributes).toMatchObject({
				uid: [uid],
				cn: [user.name],
				sn: [user.surname],
				mail: [user.email],
			});
			expect(entry?.attributes.userPassword?.[0]).toMatch(/^\{SSHA\}/);
			expect(await wave.logsIn(wave.newServer, uid, passwords.get(uid) as string)).toBe(true);
			expect(await wave.logsIn(wave.newServer, uid, user.password)).toBe(false);
		}
	});

	it('copies each due mailbox into the new server exactly: bytes, flags and dates in every folder', async () => {
		const reports = firstRun.nodes['Migrate (Full)'] as OutputItem[];
		expect(reports.map((report) => [report.mailbox, report.status])).toEqual([
			['alice', 'completed'],
			['bob', 'completed'],
		]);
		for (const report of reports) {
			const user = wave.user(report.mailbox as string);
			expect(report.counts.copied).toBe(messagesIn(user.corpus));
			expect(report.counts.failed).toBe(0);
			const source = await snapshotMailbox(wave.oldServer, user.uid, user.password);
			expectFoldersCopied(report, user.corpus, source, targetAfterFirstRun.get(user.uid)!);
		}
	});

	it('verifies both without a difference, and the final delta finds nothing left to copy', () => {
		const verified = firstRun.nodes.Verify as OutputItem[];
		expect(verified.map((report) => [report.mailbox, report.status, report.differences])).toEqual(
			DUE.map((uid) => [uid, 'completed', []]),
		);
		expect(firstRun.outputs['Verified?'][1] ?? []).toEqual([]);
		const delta = firstRun.nodes['Migrate (Delta, final)'] as OutputItem[];
		expect(delta.map((report) => [report.mailbox, report.mode, report.status])).toEqual(
			DUE.map((uid) => [uid, 'delta', 'completed']),
		);
		for (const report of delta) expect(report.counts.copied).toBe(0);
	});

	it('switches the routing of the verified users: mail to them lands on the new server, mail to carol on the old', async () => {
		const switched = firstRun.nodes['Set Routing (Switch)'] as OutputItem[];
		expect(switched.map((item) => [item.user, item.status, item.wave])).toEqual(
			DUE.map((uid) => [uid, 'switched', `${MIGRATION}/${clock.today}`]),
		);
		for (const uid of DUE) expect(await wave.mailHostOf(uid)).toEqual([NEW_HOST]);
		expect(await wave.mailHostOf('carol')).toEqual([OLD_HOST]);

		for (const uid of [...DUE, 'carol'])
			await wave.mailTo(uid, `after the wave, for ${uid}`, 'partner@outside.example.net');
		for (const uid of DUE) {
			const subject = `after the wave, for ${uid}`;
			await wave.arrives(wave.newServer, uid, passwords.get(uid) as string, subject);
			expect(await wave.inboxSubjects(wave.oldServer, uid, wave.user(uid).password)).not.toContain(
				subject,
			);
		}
		const carol = wave.user('carol');
		await wave.arrives(wave.oldServer, 'carol', carol.password, 'after the wave, for carol');
	});

	it('tells the OSS each due user was provisioned, then migrated, with the OSS credential', () => {
		const calls = wave.oss.requests().map((request) => ({
			method: request.method,
			authorization: request.headers.authorization,
			body: JSON.parse(request.body) as Record<string, string>,
		}));
		const expected = (step: string, extra: (uid: string) => Record<string, string>) =>
			DUE.map((uid) => ({
				method: 'POST',
				authorization: expect.stringMatching(/^Bearer oss-/),
				body: {
					user: wave.user(uid).email,
					mailbox: uid,
					migration: MIGRATION,
					step,
					...extra(uid),
				},
			}));
		expect(calls.slice(0, 4)).toEqual([
			...expected('provisioned', (uid) => ({ status: 'created', account: uid })),
			...expected('migrated', () => ({ status: 'completed', routing: 'switched' })),
		]);
		expect(calls).toHaveLength(4);
	});

	it('emails the wave report to the DL: the totals of the two users, with the HTML, CSV and JSON attached', async () => {
		const [summary] = firstRun.nodes.Report as OutputItem[];
		expect(summary.headline).toBe(`Migration ${MIGRATION}: 2 mailboxes, 2 completed`);
		expect(summary.totals).toMatchObject({
			users: 2,
			verified: 2,
			routingSwitched: 2,
			migrated: DUE.reduce((sum, uid) => sum + messagesIn(wave.user(uid).corpus), 0),
			notMigrated: 0,
		});
		const dl = wave.reportsDl;
		await wave.arrives(dl.server, dl.uid, dl.password, summary.headline);
		const [message] = await reportEmails(wave);
		expect(message.from?.text).toContain('migration@example.com');
		expect(message.html).toContain('alice');
		expect(message.html).toContain('bob');
		expect(message.html).not.toContain('carol');
		expect(message.attachments.map((attachment) => attachment.filename).sort()).toEqual([
			'report.csv',
			'report.html',
			'report.json',
		]);
		const json = JSON.parse(attachment(message, 'report.json')) as OutputItem;
		expect(json.totals).toEqual(summary.totals);
		expect(json.rows.map((row: OutputItem) => [row.user, row.status, row.routing])).toEqual([
			['alice', 'completed', 'switched'],
			['bob', 'completed', 'switched'],
		]);
		const csv = attachment(message, 'report.csv').trim().split(/\r?\n/);
		expect(csv).toHaveLength(3);
	});

	it('leaves carol, due another day, untouched', async () => {
		expect(await wave.accountOf('carol')).toBeNull();
		expect(wave.oss.requests().some((request) => request.body.includes('carol'))).toBe(false);
		expect(fs.existsSync(wave.newServer.mailboxPath('carol'))).toBe(false);
	});

	it('prints no secret; each generated password only in Provision Target’s output, as it flows to the next node', () => {
		expectNoSecretsPrinted([firstRun], wave.secrets);
		expect(passwords.size).toBe(2);
		for (const password of passwords.values()) {
			// Provision Target's item and the same item passed on by "Account ready?": nothing else holds it.
			expect(firstRun.stdout.split(password)).toHaveLength(3);
			expect(firstRun.stderr).not.toContain(password);
			for (const request of wave.oss.requests()) expect(request.body).not.toContain(password);
			expect(fs.readFileSync(wave.ledgerPath).includes(password)).toBe(false);
			expect(wave.directory.log()).not.toContain(password);
		}
	});

	it('converges when run again: nothing copied, routing and accounts unchanged, the same headline', async () => {
		const stamps = async () =>
			Promise.all(
				DUE.map(async (uid) => [
					(await wave.directory.entry(`uid=${uid},${wave.routingDn}`, ['entryCSN']))?.attributes,
					(await wave.directory.entry(`uid=${uid},${wave.accountsDn}`, ['entryCSN']))?.attributes,
				]),
			);
		const before = await stamps();
		secondRun = await executeWorkflow(home, workflowId);
		expect(secondRun.error).toBeNull();
		expect(
			(secondRun.nodes['Provision Target'] as OutputItem[]).map((item) => [
				item.account,
				item.status,
				item.password,
			]),
		).toEqual(DUE.map((uid) => [uid, 'unchanged', undefined]));
		for (const node of ['Migrate (Full)', 'Migrate (Delta, final)']) {
			for (const report of secondRun.nodes[node] as OutputItem[]) {
				expect(report.status).toBe('completed');
				expect(report.counts.copied).toBe(0);
			}
		}
		// The mail delivered to the new server since is extra to Verify, which does not hold back the switch.
		expect(
			(secondRun.nodes.Verify as OutputItem[]).map((report) =>
				report.differences.map((difference: OutputItem) => [difference.folder, difference.kind]),
			),
		).toEqual([[['INBOX', 'extra']], [['INBOX', 'extra']]]);
		expect(
			(secondRun.nodes['Set Routing (Switch)'] as OutputItem[]).map((item) => item.status),
		).toEqual(['unchanged', 'unchanged']);
		expect(await stamps()).toEqual(before);
		for (const uid of DUE) {
			expect(await wave.mailHostOf(uid)).toEqual([NEW_HOST]);
			// The new server holds what the first run copied, plus the one message delivered to it since.
			const snapshot = await targetSnapshot(uid);
			expect(snapshot.INBOX).toHaveLength(targetAfterFirstRun.get(uid)!.INBOX.length + 1);
			const first = targetAfterFirstRun.get(uid)!;
			expect(Object.keys(snapshot).sort()).toEqual(Object.keys(first).sort());
			for (const folder of Object.keys(first).filter((name) => name !== 'INBOX'))
				expect(snapshot[folder]).toEqual(first[folder]);
		}
		const [summary] = secondRun.nodes.Report as OutputItem[];
		expect(summary.headline).toBe(`Migration ${MIGRATION}: 2 mailboxes, 2 completed`);
		expectNoSecretsPrinted([secondRun], [...wave.secrets, ...passwords.values()]);
	});
});

/** The report emails in the DL's INBOX, parsed. */
async function reportEmails(wave: WaveServers): Promise<ParsedMail[]> {
	const dl = wave.reportsDl;
	const messages = await wave.inboxMessages(dl.server, dl.uid, dl.password);
	return Promise.all(messages.map((message) => simpleParser(message.raw)));
}

function attachment(message: ParsedMail, filename: string): string {
	const found = message.attachments.find((candidate) => candidate.filename === filename);
	if (!found) throw new Error(`no attachment ${filename}`);
	return found.content.toString('utf8');
}
