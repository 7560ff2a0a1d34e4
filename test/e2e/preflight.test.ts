import type { DovecotServer } from '../harness/dovecot';
import { appendMessages, makeMessage } from '../harness/imap-fixtures';
import { TestServices } from '../harness/services';
import { imapCredential, withMailboxes, type OutputItem } from './workflowFixtures';
import {
	createN8nHome,
	executeWorkflow,
	importCredentials,
	importWorkflow,
	loadTemplate,
	packPackage,
	removeN8nHome,
	type N8nHome,
} from './n8nRuntime';

describe('Pre-flight template in real n8n', () => {
	const services = new TestServices();
	let source: DovecotServer;
	let target: DovecotServer;
	let home: N8nHome;

	beforeAll(async () => {
		const master = { user: 'migrator', password: 'm4ster-secret' };
		[source, target] = await Promise.all([
			services.dovecot({ name: 'source', master }),
			services.dovecot({ name: 'target', master }),
		]);
		for (const user of ['alice', 'bob']) {
			await source.addUser(user, 'user-pass');
			await target.addUser(user, 'user-pass');
		}
		const message = (subject: string, bytes = 0) => ({
			raw: makeMessage({ subject, body: `${subject}\r\n${'x'.repeat(bytes)}` }),
		});
		await appendMessages(source, 'alice', 'user-pass', 'INBOX', [
			message('one'),
			message('two'),
			message('three'),
		]);
		await appendMessages(source, 'alice', 'user-pass', 'Projects/Alpha', [message('spec', 50_000)]);
		await appendMessages(source, 'bob', 'user-pass', 'Entwürfe', [
			message('draft'),
			message('draft 2'),
		]);
		home = await createN8nHome(packPackage());
		await importCredentials(home, [
			imapCredential('mailSource', 'Mail Source (IMAP)', 'mailSourceImap', source),
			imapCredential('mailTarget', 'Mail Target (IMAP)', 'mailTargetImap', target),
		]);
	}, 20 * 60_000);

	afterAll(async () => {
		if (home) removeN8nHome(home);
		await services.stopAll();
	});

	it('reports folders, counts and sizes per mailbox, and an error for an unknown mailbox without stopping the others', async () => {
		const workflow = withMailboxes(loadTemplate('preflight.json'), [
			{ sourceMailbox: 'alice', targetMailbox: 'alice' },
			{ sourceMailbox: 'nobody-here', targetMailbox: 'nobody-here' },
			{ sourceMailbox: 'bob', targetMailbox: 'bob' },
		]);
		await importWorkflow(home, workflow);
		const run = await executeWorkflow(home, workflow.id as string);
		expect(run.error).toBeNull();
		const results = run.nodes['Pre-flight'];
		expect(results).toHaveLength(3);

		const [alice, nobody, bob] = results as Array<OutputItem>;
		expect(alice.mailbox).toBe('alice');
		const aliceFolders = Object.fromEntries(
			(alice.source.folders as Array<{ path: string; messages: number; bytes: number }>).map(
				(folder) => [folder.path, folder.messages],
			),
		);
		expect(aliceFolders).toMatchObject({ INBOX: 3, 'Projects/Alpha': 1 });
		expect(alice.source.totals.messages).toBe(4);
		expect(alice.source.largestMessage.folder).toBe('Projects/Alpha');
		expect(alice.source.largestMessage.bytes).toBeGreaterThan(50_000);
		expect(alice.source.capabilities.uidplus).toBe(true);
		expect(alice.target.login).toBe('ok');
		expect(alice.estimate.seconds).toBeGreaterThanOrEqual(1);

		expect(nobody.error).toMatch(/nobody-here/);
		expect(nobody.error).toMatch(/Authentication|rejected/i);
		expect(JSON.stringify(results)).not.toContain('m4ster-secret');

		expect(
			bob.source.folders.find((folder: { path: string }) => folder.path === 'Entwürfe').messages,
		).toBe(2);
	});
});
