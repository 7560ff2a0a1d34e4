import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';

import type { ImapFlow } from 'imapflow';

import type { DovecotServer } from '../harness/dovecot';
import { startDovecot } from '../harness/dovecot';
import {
	appendMessages,
	imapClient,
	logsIn,
	makeMessage,
	snapshotMailbox,
} from '../harness/imap-fixtures';
import { isAlive } from '../harness/processes';
import { TestServices } from '../harness/services';

jest.setTimeout(60_000);

const PASSWORD = 'user:Secret-1';
const MASTER = { user: 'migrator', password: 'master:Secret-2' };

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

async function eventually<T>(
	probe: () => Promise<T>,
	accept: (value: T) => boolean,
	timeoutMs = 5000,
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await probe();
		if (accept(value) || Date.now() > deadline) return value;
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
}

function closed(client: ImapFlow): Promise<void> {
	return new Promise((resolve) => {
		if (!client.usable) resolve();
		else client.once('close', () => resolve());
	});
}

function refusesConnections(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = net.connect({ host: '127.0.0.1', port });
		socket.once('connect', () => {
			socket.destroy();
			resolve(false);
		});
		socket.once('error', () => resolve(true));
	});
}

describe('test harness: private Dovecot instances', () => {
	const services = new TestServices();
	let main: DovecotServer;
	let dotted: DovecotServer;

	beforeAll(async () => {
		[main, dotted] = await Promise.all([
			services.dovecot({ name: 'main', master: MASTER }),
			services.dovecot({ name: 'dotted', separator: '.' }),
		]);
		await main.addUser('alice', PASSWORD);
	}, 60_000);

	afterAll(async () => {
		await services.stopAll();
	});

	it('listens on 127.0.0.1 only, on distinct free ports, in its own folder', () => {
		expect(new Set([main.port, main.tlsPort, dotted.port, dotted.tlsPort]).size).toBe(4);
		expect(main.dir).not.toBe(dotted.dir);
		expect(fs.readFileSync(`${main.dir}/dovecot.conf`, 'utf8')).toMatch(/^listen = 127\.0\.0\.1$/m);
	});

	it('logs in over plain IMAP, STARTTLS and implicit TLS with the self-signed certificate, and offers QUOTA', async () => {
		for (const security of ['plain', 'starttls', 'tls'] as const) {
			const client = await imapClient(main, 'alice', PASSWORD, { security });
			try {
				expect({ security, secure: client.secureConnection }).toEqual({
					security,
					secure: security !== 'plain',
				});
				expect(client.capabilities.has('QUOTA')).toBe(true);
				const quota = await client.getQuota('INBOX');
				expect(quota && quota.storage?.limit).toBe(1024 * 1024 * 1024);
			} finally {
				await client.logout();
			}
		}
	});

	it('rejects implicit TLS for a client that does not trust the test certificate', async () => {
		const { ImapFlow } = await import('imapflow');
		const client = new ImapFlow({
			host: main.host,
			port: main.tlsPort,
			secure: true,
			auth: { user: 'alice', pass: PASSWORD },
			logger: false,
		});
		client.on('error', () => undefined);
		await expect(client.connect()).rejects.toThrow(/self[- ]signed|certificate/i);
	});

	it('adds, replaces and removes users without a restart', async () => {
		expect(await logsIn(main, 'bob', 'first-pw')).toBe(false);
		await main.addUser('bob', 'first-pw');
		expect(await logsIn(main, 'bob', 'first-pw')).toBe(true);
		// Same length, same second: the harness must still make Dovecot notice the change.
		await main.addUser('bob', 'other-pw');
		expect(await logsIn(main, 'bob', 'first-pw')).toBe(false);
		expect(await logsIn(main, 'bob', 'other-pw')).toBe(true);
		await main.removeUser('bob');
		expect(await logsIn(main, 'bob', 'other-pw')).toBe(false);
		expect(await logsIn(main, 'alice', PASSWORD)).toBe(true);
	});

	it('lets the master user into a mailbox as mailbox*master, and not with a wrong master password', async () => {
		const raw = makeMessage({ subject: 'for the master user' });
		await main.addUser('carol', PASSWORD);
		await appendMessages(main, 'carol', PASSWORD, 'INBOX', [{ raw }]);
		const client = await imapClient(main, `carol*${MASTER.user}`, MASTER.password);
		try {
			const status = await client.status('INBOX', { messages: true });
			expect(status && status.messages).toBe(1);
		} finally {
			await client.logout();
		}
		expect(await logsIn(main, `carol*${MASTER.user}`, 'wrong-master-pw')).toBe(false);
		expect(await logsIn(main, `carol*${MASTER.user}`, PASSWORD)).toBe(false);
		expect(await logsIn(dotted, `carol*${MASTER.user}`, MASTER.password)).toBe(false);
	});

	it('appends and snapshots exact bytes, flags, keywords and internal dates in every folder', async () => {
		await main.addUser('dave', PASSWORD);
		const eightBit = Buffer.from(
			'Subject: caf\xe9\r\nMessage-ID: <8bit@example.com>\r\n\r\n\xe4\xf6\xfc\r\n',
			'latin1',
		);
		const attachment = makeMessage({
			subject: 'Grüße mit Anhang',
			attachments: [{ name: 'a.bin', bytes: Buffer.alloc(100_000, 3) }],
		});
		const date = new Date('2019-03-04T05:06:07.000Z');
		const corpus = {
			INBOX: [
				{ raw: eightBit, flags: ['\\Seen', '$Forwarded', 'Work'], internalDate: date },
				{ raw: attachment, flags: [] },
			],
			'a.b': [
				{
					raw: makeMessage({ subject: 'dot in a name' }),
					flags: ['\\Flagged'],
					internalDate: date,
				},
			],
			'Projects/Alpha': [{ raw: makeMessage({ subject: 'nested' }), internalDate: date }],
			Entwürfe: [{ raw: makeMessage({ subject: 'Entwurf', body: 'Grüße\n' }), flags: ['\\Draft'] }],
			Empty: [],
		};
		for (const [folder, messages] of Object.entries(corpus)) {
			const appended = await appendMessages(main, 'dave', PASSWORD, folder, messages);
			expect(appended).toHaveLength(messages.length);
		}
		const snapshot = await snapshotMailbox(main, 'dave', PASSWORD);
		expect(Object.keys(snapshot).sort()).toEqual([
			'Empty',
			'Entwürfe',
			'INBOX',
			'Projects/Alpha',
			'a.b',
		]);
		for (const [folder, messages] of Object.entries(corpus)) {
			expect(snapshot[folder].map(({ sha256: hash, size }) => ({ hash, size }))).toEqual(
				messages.map(({ raw }) => ({ hash: sha256(raw), size: raw.length })),
			);
		}
		expect(snapshot.INBOX[0]).toMatchObject({
			flags: ['$Forwarded', 'Work', '\\Seen'],
			internalDate: date.toISOString(),
		});
		expect(snapshot['a.b'][0].flags).toEqual(['\\Flagged']);
		expect(snapshot.INBOX[1].uid).toBeGreaterThan(snapshot.INBOX[0].uid);
		// Maildir++ on disk: the '.' inside a name is escaped, '/' becomes the Maildir++ '.'.
		const onDisk = fs.readdirSync(main.mailboxPath('dave'));
		expect(onDisk).toEqual(expect.arrayContaining(['.a\\2eb', '.Projects.Alpha', 'cur', 'new']));
	});

	it("keeps '/' inside names and nests on '.' in the dot-separated instance", async () => {
		await dotted.addUser('erin', PASSWORD);
		await appendMessages(dotted, 'erin', PASSWORD, 'a/b', [
			{ raw: makeMessage({ subject: 'slash' }) },
		]);
		await appendMessages(dotted, 'erin', PASSWORD, 'Kunden.Müller GmbH', [
			{ raw: makeMessage({ subject: 'x' }) },
		]);
		const snapshot = await snapshotMailbox(dotted, 'erin', PASSWORD);
		expect(Object.keys(snapshot).sort()).toEqual(['INBOX', 'Kunden.Müller GmbH', 'a/b']);
		const client = await imapClient(dotted, 'erin', PASSWORD);
		try {
			const folders = await client.list();
			expect(folders.find((folder) => folder.path === 'a/b')?.delimiter).toBe('.');
			expect(folders.find((folder) => folder.path === 'Kunden.Müller GmbH')?.parent).toEqual([
				'Kunden',
			]);
		} finally {
			await client.logout();
		}
	});

	it('counts live IMAP sessions per user', async () => {
		await main.addUser('frank', PASSWORD);
		const clients = await Promise.all([1, 2, 3].map(() => imapClient(main, 'frank', PASSWORD)));
		expect(
			await eventually(
				() => main.imapConnections('frank'),
				(count) => count === 3,
			),
		).toBe(3);
		expect(await main.imapConnections()).toBeGreaterThanOrEqual(3);
		await Promise.all(clients.slice(0, 2).map((client) => client.logout()));
		expect(
			await eventually(
				() => main.imapConnections('frank'),
				(count) => count === 1,
			),
		).toBe(1);
		await clients[2].logout();
		expect(
			await eventually(
				() => main.imapConnections('frank'),
				(count) => count === 0,
			),
		).toBe(0);
	});

	it('restarts on the same ports with the same data', async () => {
		const before = await snapshotMailbox(main, 'dave', PASSWORD);
		const [port, tlsPort, oldPids] = [main.port, main.tlsPort, main.pids()];
		await main.restart();
		expect([main.port, main.tlsPort]).toEqual([port, tlsPort]);
		expect(main.pids()[0]).not.toBe(oldPids[0]);
		expect(await snapshotMailbox(main, 'dave', PASSWORD)).toEqual(before);
		expect(await logsIn(main, `dave*${MASTER.user}`, MASTER.password)).toBe(true);
	});

	it('passes traffic through the fault proxy, and cutAll() drops live connections', async () => {
		const proxy = await services.faultProxy(main.port);
		const client = await imapClient(main, 'alice', PASSWORD, { port: proxy.port });
		await client.noop();
		expect(await client.status('INBOX', { messages: true })).toMatchObject({ messages: 0 });
		expect(proxy.connections).toBe(1);
		const whenClosed = closed(client);
		proxy.cutAll();
		await whenClosed;
		expect(client.usable).toBe(false);
		await expect(client.noop()).rejects.toThrow();
		// The server notices the dropped session too.
		expect(
			await eventually(
				() => main.imapConnections('alice'),
				(count) => count === 0,
			),
		).toBe(0);
		const again = await imapClient(main, 'alice', PASSWORD, { port: proxy.port });
		await again.logout();
		expect(proxy.connections).toBe(2);
	});

	it('cuts after a byte budget, and stalls traffic between pause() and resume()', async () => {
		const proxy = await services.faultProxy(main.port);
		const big = makeMessage({
			subject: 'big',
			attachments: [{ name: 'b.bin', bytes: Buffer.alloc(200_000, 9) }],
		});
		await appendMessages(main, 'alice', PASSWORD, 'Cut', [{ raw: big }]);
		const client = await imapClient(main, 'alice', PASSWORD, { port: proxy.port });
		await client.mailboxOpen('Cut');
		proxy.cutAfterBytes(1000, 'down');
		await expect(client.fetchOne('1', { source: true })).rejects.toThrow();
		expect(client.usable).toBe(false);

		const stalled = await imapClient(main, 'alice', PASSWORD, { port: proxy.port });
		proxy.pause();
		let answered = false;
		const noop = stalled.noop().then(() => (answered = true));
		await new Promise((resolve) => setTimeout(resolve, 300));
		expect(answered).toBe(false);
		proxy.resume();
		await noop;
		expect(answered).toBe(true);
		await stalled.logout();
	});

	it('applies extraConf (a per-message size limit here) on top of the generated config', async () => {
		const limited = await services.dovecot({
			name: 'limited',
			extraConf: 'plugin {\n  quota_max_mail_size = 1M\n}\n',
		});
		await limited.addUser('gina', PASSWORD);
		const small = makeMessage({ subject: 'small' });
		const large = makeMessage({
			subject: 'large',
			attachments: [{ name: 'x', bytes: Buffer.alloc(2e6, 1) }],
		});
		await appendMessages(limited, 'gina', PASSWORD, 'INBOX', [{ raw: small }]);
		await expect(
			appendMessages(limited, 'gina', PASSWORD, 'INBOX', [{ raw: large }]),
		).rejects.toThrow();
		expect((await snapshotMailbox(limited, 'gina', PASSWORD)).INBOX).toHaveLength(1);
		await limited.stop();
	});

	it('surfaces the log in the error when Dovecot cannot start', async () => {
		const error = await services
			.dovecot({ name: 'broken', extraConf: 'no_such_setting = 1\n' })
			.then(() => null)
			.catch((failure: Error) => failure);
		expect(error?.message).toMatch(/failed to start[\s\S]*no_such_setting/);
	});

	it('stops by PID and leaves no process of the instance and no listener', async () => {
		const pids = dotted.pids();
		expect(pids.length).toBeGreaterThan(2);
		await dotted.stop();
		expect(pids.filter(isAlive)).toEqual([]);
		expect(dotted.pids()).toEqual([]);
		expect(await refusesConnections(dotted.port)).toBe(true);
		expect(await refusesConnections(dotted.tlsPort)).toBe(true);
		await dotted.stop();
	});

	it('starts an instance in well under a second (median of 5)', async () => {
		const durations: number[] = [];
		for (let round = 0; round < 5; round++) {
			const started = performance.now();
			const server = await startDovecot({ name: `timing${round}` });
			durations.push(performance.now() - started);
			await server.remove();
			expect(fs.existsSync(server.dir)).toBe(process.env.KEEP_TEST_SERVICES === '1');
		}
		const median = [...durations].sort((a, b) => a - b)[2];
		process.stderr.write(
			`dovecot startup: median ${median.toFixed(0)} ms of ${durations.map(Math.round).join(', ')}\n`,
		);
		expect(median).toBeLessThan(3000);
	});
});
