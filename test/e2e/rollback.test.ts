/**
 * The rollback template in real n8n, after the wave template switched alice and bob (both templates against the wave
 * servers): bob is routed back to the old platform, told through the CRM webhook, and ops get a line about him; alice
 * stays switched. Where mail lands after it, read from both Dovecots, proves the routing; the CRM receiver's log and the
 * ops mailbox prove the rest. A second rollback of bob (and of carol, never switched) changes and tells nothing.
 */
import { simpleParser } from 'mailparser';

import { TestServices } from '../harness/services';
import { WebhookReceiver } from '../harness/webhookReceiver';
import {
	n8nHomeWithCredentials,
	removeN8nHome,
	runWorkflow,
	type N8nHome,
	type WorkflowRun,
} from './n8nRuntime';
import { NEW_HOST, OLD_HOST, startWaveServers, type WaveServers } from './waveServers';
import {
	opsClock,
	rollbackWorkflow,
	waveWorkflow,
	type OpsClock,
	type RollbackRow,
} from './waveWorkflows';
import { expectNoSecretsPrinted, type OutputItem } from './workflowFixtures';

const MIGRATION = 'wave-rollback-e2e';
const REASON = 'Shared calendar not migrated yet';

describe('Rollback template in real n8n, after a wave', () => {
	const services = new TestServices();
	let wave: WaveServers;
	let home: N8nHome;
	let clock: OpsClock;
	let waveRun: WorkflowRun;
	let rollbackRun: WorkflowRun;
	/** The new platform's passwords Provision Target generated, to read the new mailboxes as their users. */
	const passwords = new Map<string, string>();

	const toRollBack = (uid: string): RollbackRow => {
		const { sourceMailbox, email, name, timeZone } = wave.user(uid).rosterRow(clock.today);
		return { sourceMailbox, email, name, timeZone, reason: REASON };
	};

	beforeAll(async () => {
		wave = await startWaveServers(services);
		home = await n8nHomeWithCredentials(wave.credentials);
		clock = opsClock();
		waveRun = await runWorkflow(
			home,
			waveWorkflow(
				wave,
				['alice', 'bob'].map((uid) => wave.user(uid).rosterRow(clock.today)),
				clock,
				MIGRATION,
			),
		);
		for (const item of waveRun.nodes['Provision Target'] as OutputItem[])
			passwords.set(item.account, item.password);
		rollbackRun = await runWorkflow(
			home,
			rollbackWorkflow(wave, [toRollBack('bob')], clock, MIGRATION),
		);
	}, 20 * 60_000);

	afterAll(async () => {
		if (home) removeN8nHome(home);
		await services.stopAll();
	});

	it('starts from a wave that switched alice and bob', async () => {
		expect(waveRun.error).toBeNull();
		expect(
			(waveRun.nodes['Set Routing (Switch)'] as OutputItem[]).map((item) => [
				item.user,
				item.status,
			]),
		).toEqual([
			['alice', 'switched'],
			['bob', 'switched'],
		]);
	});

	it('routes bob back to the old server and leaves alice switched', async () => {
		expect(rollbackRun.error).toBeNull();
		expect(rollbackRun.nodes['Set Routing (Rollback)']).toEqual([
			expect.objectContaining({
				user: 'bob',
				status: 'rolledBack',
				snapshotState: 'rolledBack',
				changes: [{ attribute: 'mailHost', before: [NEW_HOST], after: [OLD_HOST] }],
			}),
		]);
		expect(await wave.mailHostOf('bob')).toEqual([OLD_HOST]);
		expect(await wave.mailHostOf('alice')).toEqual([NEW_HOST]);

		const from = 'after-rollback@outside.example.net';
		await wave.mailTo('bob', 'after the rollback, for bob', from);
		await wave.mailTo('alice', 'after the rollback, for alice', from);
		const bob = wave.user('bob');
		await wave.arrives(wave.oldServer, 'bob', bob.password, 'after the rollback, for bob');
		expect(
			await wave.inboxSubjects(wave.newServer, 'bob', passwords.get('bob') as string),
		).not.toContain('after the rollback, for bob');
		await wave.arrives(
			wave.newServer,
			'alice',
			passwords.get('alice') as string,
			'after the rollback, for alice',
		);
	});

	it('tells bob through the CRM webhook, once, signed and with its idempotency key', () => {
		expect(
			(rollbackRun.nodes['Notify CRM'] as OutputItem[]).map((item) => [
				item.email,
				item.stage,
				item.status,
			]),
		).toEqual([['bob@example.com', 'Move postponed', 'sent']]);
		const [request, ...others] = wave.crm.requests();
		expect(others).toEqual([]);
		expect(request.delivered).toBe(true);
		expect(request.headers.authorization).toMatch(/^Bearer crm-/);
		expect(request.idempotencyKey).toEqual(expect.any(String));
		const signingSecret = wave.credentials.find((credential) => credential.id === 'crmSigning')
			?.data.secret as string;
		expect(WebhookReceiver.signatureValid(request, signingSecret)).toBe(true);
		expect(JSON.parse(request.body)).toMatchObject({
			migration: MIGRATION,
			stage: 'Move postponed',
			email: 'bob@example.com',
			name: wave.user('bob').name,
			subject: 'Your mailbox move is postponed',
			migrationDate: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
		});
	});

	it('emails ops one line per user: the routing restored, that bob was told, and why', async () => {
		const subject = 'Rollback: 1 of 1 users routed back to the old platform';
		await wave.arrives(wave.ops.server, wave.ops.uid, wave.ops.password, subject);
		const [message] = await wave.inboxMessages(wave.ops.server, wave.ops.uid, wave.ops.password);
		const text = (await simpleParser(message.raw)).text ?? '';
		expect(text).toContain(`Migration ${MIGRATION}, rollback of `);
		expect(text).toContain(
			`bob <bob@example.com>: rolled back (mailHost: ${NEW_HOST} → ${OLD_HOST}); user told: sent; reason: ${REASON}`,
		);
	});

	it('a second rollback changes and tells nothing; a user never switched fails alone', async () => {
		const again = await runWorkflow(
			home,
			rollbackWorkflow(wave, [toRollBack('bob'), toRollBack('carol')], clock, MIGRATION),
		);
		expect(again.error).toBeNull();
		const [bob, carol] = again.nodes['Set Routing (Rollback)'] as OutputItem[];
		expect(bob).toMatchObject({ user: 'bob', status: 'unchanged', changes: [] });
		expect(carol.error).toMatch(/carol/);
		expect(again.nodes['Notify CRM'] ?? []).toEqual([]);
		expect(wave.crm.requests()).toHaveLength(1);
		expect(await wave.mailHostOf('bob')).toEqual([OLD_HOST]);
		expect(await wave.mailHostOf('carol')).toEqual([OLD_HOST]);

		const subject = 'Rollback: 0 of 2 users routed back to the old platform';
		await wave.arrives(wave.ops.server, wave.ops.uid, wave.ops.password, subject);
		const messages = await wave.inboxMessages(wave.ops.server, wave.ops.uid, wave.ops.password);
		const text =
			(await simpleParser(messages.find((found) => found.subject === subject)!.raw)).text ?? '';
		expect(text).toContain('bob <bob@example.com>: unchanged; user told: no');
		expect(text).toMatch(/carol <carol@example\.com>: failed: .*carol.*; user told: no/);
		expectNoSecretsPrinted([waveRun, rollbackRun, again], wave.secrets);
	});
});
