import { checkImapAccount } from '../../nodes/lib/imap/checkAccount';
import type { ImapAccountSettings } from '../../nodes/lib/imap/endpoint';
import { runPreflight } from '../../nodes/lib/preflight/preflight';
import { endpointFor } from '../../nodes/lib/imap/endpoint';
import type { DovecotServer } from '../harness/dovecot';
import { appendMessages, makeMessage } from '../harness/imap-fixtures';
import { freePort } from '../harness/ports';
import { TestServices } from '../harness/services';

const MASTER = { user: 'migrator', password: 'Master-Pass-7' };

describe('credential tests and pre-flight against real Dovecot', () => {
	const services = new TestServices();
	let server: DovecotServer;

	beforeAll(async () => {
		server = await services.dovecot({ name: 'creds', master: MASTER });
		await server.addUser('alice', 'Alice-Pass-1');
		await appendMessages(server, 'alice', 'Alice-Pass-1', 'INBOX', [
			{ raw: makeMessage({ subject: 'one' }) },
		]);
		await appendMessages(server, 'alice', 'Alice-Pass-1', 'Archive/2020', [
			{ raw: makeMessage({ subject: 'two', body: 'z'.repeat(30_000) }) },
			{ raw: makeMessage({ subject: 'three' }) },
		]);
	}, 120_000);

	afterAll(async () => {
		await services.stopAll();
	});

	const account = (overrides: Partial<ImapAccountSettings> = {}): ImapAccountSettings => ({
		host: '127.0.0.1',
		port: server.port,
		security: 'none',
		allowSelfSigned: false,
		loginMode: 'user',
		user: 'alice',
		password: 'Alice-Pass-1',
		connectTimeoutMs: 3000,
		...overrides,
	});

	it('logs in over plain IMAP, STARTTLS and implicit TLS when the certificate is allowed', async () => {
		expect(await checkImapAccount(account(), '')).toMatchObject({ ok: true });
		expect(
			await checkImapAccount(account({ security: 'starttls', allowSelfSigned: true }), ''),
		).toMatchObject({ ok: true });
		expect(
			await checkImapAccount(
				account({ security: 'tls', port: server.tlsPort, allowSelfSigned: true }),
				'',
			),
		).toMatchObject({ ok: true });
	});

	it('names the layer that failed: auth, TCP, TLS certificate, TLS on a plain port, plain on a TLS port', async () => {
		const badPassword = await checkImapAccount(account({ password: 'Wrong-Pass-2' }), '');
		expect(badPassword.ok).toBe(false);
		expect(badPassword.message).toMatch(/^Authentication/);
		expect(badPassword.message).not.toContain('Wrong-Pass-2');

		const closed = await checkImapAccount(account({ port: await freePort() }), '');
		expect(closed.message).toMatch(/^TCP: .* refused/);

		const untrusted = await checkImapAccount(
			account({ security: 'tls', port: server.tlsPort }),
			'',
		);
		expect(untrusted.message).toMatch(/^TLS: .*not trusted/);

		const tlsToPlain = await checkImapAccount(
			account({ security: 'tls', allowSelfSigned: true }),
			'',
		);
		expect(tlsToPlain.message).toMatch(/^TLS: .*does not speak TLS/);

		const plainToTls = await checkImapAccount(account({ port: server.tlsPort }), '');
		expect(plainToTls.message).toMatch(/^Timeout: .*implicit TLS/);
	}, 60_000);

	it('checks a master login on its test mailbox, or only the connection without one', async () => {
		const master = account({
			loginMode: 'dovecotMaster',
			user: MASTER.user,
			password: MASTER.password,
		});
		expect(await checkImapAccount(master, 'alice')).toMatchObject({
			ok: true,
			message: /as alice/,
		});
		const connectionOnly = await checkImapAccount(master, '');
		expect(connectionOnly.ok).toBe(true);
		expect(connectionOnly.message).toMatch(/login was not tried/);
		const wrongMaster = await checkImapAccount({ ...master, password: 'nope-Nope-3' }, 'alice');
		expect(wrongMaster.message).toMatch(/^Authentication/);
	});

	it('pre-flight reports folders, counts, sizes, the largest message and capabilities', async () => {
		const source = endpointFor(
			account({ loginMode: 'dovecotMaster', user: MASTER.user, password: MASTER.password }),
			'alice',
		);
		const report = await runPreflight(
			source,
			{ kind: 'imap', endpoint: source },
			{
				messagesPerSecond: 100,
				megabytesPerSecond: 10,
			},
		);
		const folders = Object.fromEntries(
			report.source.folders.map((folder) => [folder.path, folder.messages]),
		);
		expect(folders).toMatchObject({ INBOX: 1, 'Archive/2020': 2 });
		expect(report.source.totals.messages).toBe(3);
		expect(report.source.largestMessage).toMatchObject({ folder: 'Archive/2020' });
		expect(report.source.largestMessage?.bytes).toBeGreaterThan(30_000);
		expect(report.source.capabilities).toMatchObject({
			uidplus: true,
			multiappend: true,
			quota: true,
		});
		expect(report.target.quota?.limitBytes).toBeGreaterThan(0);
		expect(JSON.stringify(report)).not.toContain(MASTER.password);
	});
});
