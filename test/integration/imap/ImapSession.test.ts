/**
 * Long on purpose (one server pair started once for every case): ImapSession against real Dovecot instances: connecting and authenticating every way, error classification,
 * MULTIAPPEND exactness, a 25 MB round trip, FETCH memory under a slow consumer, pipelining and a BYE mid-command.
 */
import { createHash } from 'node:crypto';
import net from 'node:net';
import v8 from 'node:v8';
import vm from 'node:vm';

import type { ImapEndpoint } from '../../../nodes/lib/imap/endpoint';
import { ImapAppendError, ImapError } from '../../../nodes/lib/imap/imapErrors';
import { ImapSession } from '../../../nodes/lib/imap/ImapSession';
import type { DovecotServer } from '../../harness/dovecot';
import { testEndpoint } from '../../harness/endpoints';
import { makeMessage, snapshotMailbox } from '../../harness/imap-fixtures';
import { TestServices } from '../../harness/services';

const PASSWORD = 'Pw-"odd"\\secret-7';
const MASTER = { user: 'migrator', password: 'Master-pw-99' };
let userCounter = 0;

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function endpoint(
	server: DovecotServer,
	user: string,
	overrides: Partial<ImapEndpoint> = {},
	login: Partial<ImapEndpoint['login']> = {},
): ImapEndpoint {
	return testEndpoint(server, user, PASSWORD, { ...overrides, login });
}

async function failure(promise: Promise<unknown>): Promise<ImapError> {
	try {
		await promise;
	} catch (error) {
		expect(error).toBeInstanceOf(ImapError);
		return error as ImapError;
	}
	throw new Error('expected a failure');
}

async function freeTcpPort(): Promise<number> {
	const server = net.createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as net.AddressInfo;
	await new Promise((resolve) => server.close(resolve));
	return port;
}

function firstLine(port: number): Promise<string> {
	return new Promise((resolve, reject) => {
		const socket = net.connect({ host: '127.0.0.1', port });
		let text = '';
		socket.on('data', (chunk) => {
			text += chunk.toString('latin1');
			const end = text.indexOf('\r\n');
			if (end >= 0) {
				socket.destroy();
				resolve(text.slice(0, end));
			}
		});
		socket.on('error', reject);
	});
}

/** Deterministic incompressible-ish payload of about `bytes` bytes as a base64 MIME body. */
function bigMessage(index: number, bytes: number): Buffer {
	const chunk = createHash('sha512').update(`seed-${index}`).digest('base64');
	const line = chunk.slice(0, 76);
	const lines = Math.ceil(bytes / 78);
	return makeMessage({
		subject: `big ${index}`,
		messageId: `<big-${index}@session.test>`,
		body: Array.from({ length: lines }, (_, i) => `${line.slice(i % 10)}${i}`).join('\n'),
	});
}

describe('ImapSession against Dovecot', () => {
	const services = new TestServices();
	let server: DovecotServer;
	const open: ImapSession[] = [];

	async function newUser(): Promise<string> {
		const user = `s${process.pid}u${++userCounter}`;
		await server.addUser(user, PASSWORD);
		return user;
	}

	async function connect(ep: ImapEndpoint): Promise<ImapSession> {
		const session = await ImapSession.connect(ep);
		open.push(session);
		return session;
	}

	beforeAll(async () => {
		server = await services.dovecot({ name: 'session', master: MASTER });
	});

	afterEach(async () => {
		for (const session of open.splice(0)) await session.close();
	});

	afterAll(async () => {
		await services.stopAll();
	});

	describe('connecting and authenticating', () => {
		it('logs in over plain TCP with AUTHENTICATE PLAIN and re-reads capabilities', async () => {
			const user = await newUser();
			const session = await connect(endpoint(server, user));
			expect(session.has('IMAP4rev1')).toBe(true);
			// Only the post-login capability list names these.
			expect(session.has('MULTIAPPEND')).toBe(true);
			expect(session.has('UIDPLUS')).toBe(true);
			expect(session.has('STARTTLS')).toBe(false);
			const inbox = await session.select('INBOX');
			expect(inbox.exists).toBe(0);
			await session.logout();
			expect(session.isClosed).toBe(true);
		});

		it('upgrades with STARTTLS and uses implicit TLS, refusing the self-signed certificate unless allowed', async () => {
			const user = await newUser();
			const starttls = await connect(
				endpoint(server, user, { security: 'starttls', allowSelfSigned: true }),
			);
			expect(starttls.has('MULTIAPPEND')).toBe(true);
			await starttls.noop();
			const implicit = await connect(
				endpoint(server, user, { security: 'tls', port: server.tlsPort, allowSelfSigned: true }),
			);
			await implicit.noop();

			for (const ep of [
				endpoint(server, user, { security: 'starttls' }),
				endpoint(server, user, { security: 'tls', port: server.tlsPort }),
			]) {
				const error = await failure(ImapSession.connect(ep));
				expect(error.kind).toBe('tls');
				expect(error.message).toMatch(/self[- ]signed|certificate|SELF_SIGNED/i);
			}
		});

		it('logs in with a SASL authorization identity (master user acting as the mailbox)', async () => {
			const user = await newUser();
			const session = await connect(
				endpoint(
					server,
					user,
					{},
					{ authUser: MASTER.user, password: MASTER.password, authzid: user },
				),
			);
			await session.append('INBOX', [{ raw: makeMessage({ subject: 'via authzid' }) }]);
			const direct = await connect(endpoint(server, user));
			expect((await direct.status('INBOX')).messages).toBe(1);
		});

		it('reports a wrong password as kind auth, without the password', async () => {
			const user = await newUser();
			const wrong = 'Wrong-"pw"-123456';
			const error = await failure(
				ImapSession.connect(endpoint(server, user, {}, { password: wrong })),
			);
			expect(error.kind).toBe('auth');
			expect(error.code).toBe('AUTHENTICATIONFAILED');
			expect(error.message).toContain(`${server.host}:${server.port}`);
			const everything = JSON.stringify({ ...error, message: error.message, stack: error.stack });
			expect(everything).not.toContain(wrong);
			expect(everything).not.toContain(Buffer.from(`\0${user}\0${wrong}`).toString('base64'));
		});

		it('classifies a closed port as tcp and an unknown host as dns', async () => {
			const user = await newUser();
			const port = await freeTcpPort();
			const refused = await failure(ImapSession.connect(endpoint(server, user, { port })));
			expect(refused.kind).toBe('tcp');
			expect(refused.message).toContain(`127.0.0.1:${port}`);

			const unknown = await failure(
				ImapSession.connect(endpoint(server, user, { host: 'no-such-host.invalid' })),
			);
			expect(unknown.kind).toBe('dns');
		});

		it('explains TLS spoken to a plain port and plain spoken to a TLS port', async () => {
			const user = await newUser();
			const tlsToPlain = await failure(
				ImapSession.connect(endpoint(server, user, { security: 'tls', allowSelfSigned: true })),
			);
			expect(['tls', 'timeout']).toContain(tlsToPlain.kind);
			expect(tlsToPlain.message).toMatch(/TLS/);

			const plainToTls = await failure(
				ImapSession.connect(
					endpoint(server, user, { port: server.tlsPort, connectTimeoutMs: 1500 }),
				),
			);
			expect(['timeout', 'closed']).toContain(plainToTls.kind);
			expect(plainToTls.message).toMatch(/TLS/);
		});
	});

	describe('mailbox commands', () => {
		it('lists with special use and subscription, and answers NAMESPACE, STATUS, QUOTA and ENABLE', async () => {
			const user = await newUser();
			const session = await connect(endpoint(server, user));
			await session.create('Sent');
			await session.create('Entw&APw-rfe/Alt');
			await session.subscribe('Sent');
			const entries = await session.list();
			const byName = new Map(entries.map((entry) => [entry.name, entry]));
			// The implicit parent 'Entw&APw-rfe' does not exist on Maildir++ and is left out.
			expect([...byName.keys()].sort()).toEqual(['Entw&APw-rfe/Alt', 'INBOX', 'Sent']);
			expect(byName.get('Sent')).toMatchObject({
				specialUse: '\\Sent',
				subscribed: true,
				delimiter: '/',
			});
			expect(byName.get('Entw&APw-rfe/Alt')).toMatchObject({ specialUse: null, subscribed: false });
			expect((await session.list('', 'Entw&APw-rfe/%')).map((entry) => entry.name)).toEqual([
				'Entw&APw-rfe/Alt',
			]);

			expect(await session.namespace()).toEqual({
				personal: [{ prefix: '', delimiter: '/' }],
				other: [],
				shared: [],
			});
			expect(await session.enable(['CONDSTORE'])).toEqual(['CONDSTORE']);
			const raw = makeMessage({ subject: 'status' });
			await session.append('Sent', [{ raw }]);
			const status = await session.status('Sent');
			expect(status).toMatchObject({ messages: 1, uidNext: 2, size: raw.length });
			expect(Number(status.highestModseq)).toBeGreaterThan(0);
			const quota = await session.getQuotaRoot('INBOX');
			expect(quota.roots).toEqual(['User quota']);
			expect(quota.quotas[0].resources[0]).toMatchObject({ name: 'STORAGE', limit: 1024 * 1024 });
		});

		it('fetches header fields and dates, and stores flags only where unchanged since a modseq', async () => {
			const user = await newUser();
			const session = await connect(endpoint(server, user));
			await session.enable(['CONDSTORE']);
			const [first, second] = await session.append('INBOX', [
				{
					raw: makeMessage({ messageId: '<one@session.test>' }),
					internalDate: '02-Feb-2022 10:11:12 -0300',
				},
				{
					raw: makeMessage({ messageId: '<two@session.test>' }),
					internalDate: '03-Feb-2022 10:11:12 +0000',
				},
			]);
			const selected = await session.select('INBOX');
			const fetched: { uid: number; header: string; date?: string; modseq?: string }[] = [];
			await session.uidFetch(
				'1:*',
				['UID', 'FLAGS', 'INTERNALDATE', 'MODSEQ', 'BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]'],
				(message) => {
					fetched.push({
						uid: message.uid,
						header: (message.header as Buffer).toString(),
						date: message.internalDateParsed?.toISOString(),
						modseq: message.modseq,
					});
				},
			);
			expect(fetched.map(({ uid, header, date }) => ({ uid, header, date }))).toEqual([
				{
					uid: first.uid,
					header: 'Message-ID: <one@session.test>\r\n\r\n',
					date: '2022-02-02T13:11:12.000Z',
				},
				{
					uid: second.uid,
					header: 'Message-ID: <two@session.test>\r\n\r\n',
					date: '2022-02-03T10:11:12.000Z',
				},
			]);
			await session.uidStore(String(second.uid), '+FLAGS', ['$Changed']);
			const { modified } = await session.uidStore(
				`${first.uid}:${second.uid}`,
				'+FLAGS',
				['\\Flagged'],
				{
					unchangedSince: fetched[1].modseq,
				},
			);
			expect(modified).toEqual([second.uid]);
			expect(await session.uidSearch('FLAGGED')).toEqual([first.uid]);
			expect(selected.uidValidity).toBe(first.uidValidity);
		});
	});

	describe('APPEND and FETCH', () => {
		it('MULTIAPPENDs 200 messages: 200 UIDs in order, exact bytes, flags and internal dates on the server', async () => {
			const user = await newUser();
			const session = await connect(endpoint(server, user));
			await session.create('Archive');
			await session.select('Archive');
			const flagsFor = (i: number) =>
				[['\\Seen'], [], ['\\Flagged', '$Forwarded'], ['\\Answered', '\\Seen', 'Work']][i % 4];
			const messages = Array.from({ length: 200 }, (_, i) => ({
				raw: makeMessage({
					subject: `message ${i} \u00fcber`,
					messageId: `<m${i}@session.test>`,
					body: `line 1 of ${i}\n${'x'.repeat(i * 37)}\n`,
				}),
				flags: flagsFor(i),
				// A server string keeps its offset; every other one is a Date.
				internalDate:
					i % 2 === 0
						? `${String((i % 28) + 1).padStart(2, '0')}-Mar-2019 08:15:${String(i % 60).padStart(2, '0')} +0530`
						: new Date(Date.UTC(2021, 5, 1, 12, 0, i % 60)),
			}));
			const started = process.hrtime.bigint();
			const results = await session.append('Archive', messages);
			const seconds = Number(process.hrtime.bigint() - started) / 1e9;
			process.stderr.write(`MULTIAPPEND 200 small messages: ${seconds.toFixed(3)} s\n`);
			expect(results).toHaveLength(200);
			const uidValidity = results[0].uidValidity;
			expect(results.every((r) => r.uidValidity === uidValidity)).toBe(true);

			const snapshot = (await snapshotMailbox(server, user, PASSWORD)).Archive;
			expect(snapshot).toHaveLength(200);
			const byUid = new Map(snapshot.map((m) => [m.uid, m]));
			messages.forEach((message, i) => {
				const stored = byUid.get(results[i].uid as number);
				expect(stored?.sha256).toBe(sha256(message.raw));
				expect(stored?.flags).toEqual([...flagsFor(i)].sort());
				const date = message.internalDate;
				const expected =
					typeof date === 'string'
						? new Date(
								Date.UTC(2019, 2, (i % 28) + 1, 8, 15, i % 60) - (5 * 60 + 30) * 60_000,
							).toISOString()
						: date.toISOString();
				expect(stored?.internalDate).toBe(expected);
			});
		});

		it('round-trips a 25 MB message byte for byte', async () => {
			const user = await newUser();
			const session = await connect(endpoint(server, user));
			const raw = bigMessage(1, 25 * 1024 * 1024);
			const [appended] = await session.append('INBOX', [{ raw, flags: ['\\Seen'] }]);
			await session.examine('INBOX');
			const bodies: Buffer[] = [];
			await session.uidFetch(String(appended.uid), ['UID', 'RFC822.SIZE', 'BODY.PEEK[]'], (m) => {
				bodies.push(m.body as Buffer);
				expect(m.size).toBe(raw.length);
			});
			expect(bodies).toHaveLength(1);
			expect(bodies[0].length).toBe(raw.length);
			expect(sha256(bodies[0])).toBe(sha256(raw));
		});

		it('streams a ~200 MB folder to a slow consumer with bounded memory (backpressure)', async () => {
			const user = await newUser();
			const session = await connect(endpoint(server, user));
			await session.create('Big');
			await session.select('Big');
			const count = 100;
			const digests: string[] = [];
			const batches = Array.from({ length: count / 10 }, (_, batch) =>
				Array.from({ length: 10 }, (_, i) => bigMessage(batch * 10 + i, 2 * 1024 * 1024)),
			);
			for (const raws of batches) digests.push(...raws.map(sha256));
			const appendStarted = process.hrtime.bigint();
			await Promise.all(
				batches.map((raws) =>
					session.append(
						'Big',
						raws.map((raw) => ({ raw })),
					),
				),
			);
			const appendSeconds = Number(process.hrtime.bigint() - appendStarted) / 1e9;
			batches.length = 0;
			await session.examine('Big');
			let fastBytes = 0;
			const fastStarted = process.hrtime.bigint();
			await session.uidFetch('1:*', ['UID', 'BODY.PEEK[]'], (message) => {
				fastBytes += (message.body as Buffer).length;
			});
			const fastSeconds = Number(process.hrtime.bigint() - fastStarted) / 1e9;
			process.stderr.write(
				`10 pipelined MULTIAPPENDs of 10 x 2 MB: ${(fastBytes / 1e6 / appendSeconds).toFixed(0)} MB/s; ` +
					`FETCH to a fast consumer: ${(fastBytes / 1e6 / fastSeconds).toFixed(0)} MB/s\n`,
			);

			// Live Buffer memory only: collect garbage before each of the 10 samples.
			v8.setFlagsFromString('--expose-gc');
			const gc = vm.runInNewContext('gc') as () => void;
			gc();
			const baseline = process.memoryUsage().arrayBuffers;
			let peak = 0;
			let received = 0;
			let delivered = 0;
			let consumed = 0;
			let mostWaiting = 0;
			let consumer = Promise.resolve();
			const seen: string[] = [];
			const started = process.hrtime.bigint();
			await session.uidFetch('1:*', ['UID', 'BODY.PEEK[]'], (message) => {
				delivered++;
				mostWaiting = Math.max(mostWaiting, delivered - consumed);
				// A serial consumer (think: APPEND each body elsewhere) that is slower than the network.
				consumer = consumer.then(async () => {
					await sleep(5);
					seen.push(sha256(message.body as Buffer));
					received += (message.body as Buffer).length;
					if (consumed % 10 === 5) {
						gc();
						peak = Math.max(peak, process.memoryUsage().arrayBuffers - baseline);
					}
					consumed++;
				});
				return consumer;
			});
			await consumer;
			const seconds = Number(process.hrtime.bigint() - started) / 1e9;
			process.stderr.write(
				`FETCH ${(received / 1e6).toFixed(0)} MB to a slow consumer: ${seconds.toFixed(2)} s, ` +
					`peak Buffer memory above baseline ${(peak / 1e6).toFixed(1)} MB\n`,
			);
			expect(seen).toEqual(digests);
			// The session hands over the next message only when the consumer is done with the previous one.
			expect(mostWaiting).toBe(1);
			// Live: ~2 messages (one consumed, one arriving) plus socket buffers, with slack for V8 freeing
			// ArrayBuffers lazily after gc(); without backpressure the unconsumed bodies alone are ~200 MB.
			expect(peak).toBeLessThan(64 * 1024 * 1024);
		});
	});

	describe('on a server without LITERAL+, MULTIAPPEND and SASL-IR, with APPENDLIMIT and a small quota', () => {
		let restricted: DovecotServer;
		const oddPassword = 'p\u00e4ss "w\\rd"';

		beforeAll(async () => {
			restricted = await services.dovecot({
				name: 'restricted',
				extraConf: [
					'imap_capability = IMAP4rev1 ID ENABLE IDLE UIDPLUS NAMESPACE APPENDLIMIT=300000',
					'plugin {',
					'  quota_rule = *:storage=200K',
					'}',
				].join('\n'),
			});
		});

		async function restrictedSession(): Promise<{ session: ImapSession; user: string }> {
			const user = `r${process.pid}u${++userCounter}`;
			await restricted.addUser(user, oddPassword);
			const session = await connect(endpoint(restricted, user, {}, { password: oddPassword }));
			return { session, user };
		}

		it('authenticates with PLAIN through a continuation when the server has no SASL-IR', async () => {
			// The greeting is what the client chooses its login from: no SASL-IR, no LITERAL+.
			const greeting = await firstLine(restricted.port);
			expect(greeting).toMatch(/^\* OK \[CAPABILITY /);
			expect(greeting).not.toMatch(/SASL-IR|LITERAL\+/);
			const { session } = await restrictedSession();
			expect(session.has('LITERAL+')).toBe(false);
			expect(session.appendLimit).toBe(300_000);
			await session.noop();
		});

		it('pipelines single APPENDs with synchronizing literals between other commands, exactly', async () => {
			const { session, user } = await restrictedSession();
			expect(session.has('MULTIAPPEND')).toBe(false);
			const raws = [10, 5000, 70_000, 1].map((size, i) =>
				makeMessage({ subject: `sync ${i}`, body: `${'y'.repeat(size)}\n` }),
			);
			const [first, status, rest] = await Promise.all([
				session.append('INBOX', [{ raw: raws[0], flags: ['\\Seen'] }]),
				session.status('INBOX'),
				session.append(
					'INBOX',
					raws.slice(1).map((raw) => ({ raw, flags: ['$Label1'] })),
				),
				session.noop(),
			]);
			expect(status.messages).toBeGreaterThanOrEqual(0);
			const uids = [...first, ...rest].map((r) => r.uid);
			expect(new Set(uids).size).toBe(4);
			const stored = (await snapshotMailbox(restricted, user, oddPassword)).INBOX;
			expect(stored.map((m) => m.sha256).sort()).toEqual(raws.map(sha256).sort());
			const byUid = new Map(stored.map((m) => [m.uid, m]));
			expect(byUid.get(first[0].uid as number)?.flags).toEqual(['\\Seen']);
		});

		it('refuses a message above APPENDLIMIT locally with TOOBIG, sending nothing', async () => {
			const { session } = await restrictedSession();
			const error = await failure(session.append('INBOX', [{ raw: bigMessage(7, 400_000) }]));
			expect(error.kind).toBe('no');
			expect(error.code).toBe('TOOBIG');
			expect((await session.status('INBOX')).messages).toBe(0);
		});

		it('reports OVERQUOTA with its code and leaves the session usable', async () => {
			const { session } = await restrictedSession();
			// Two single APPENDs in one call: the first fits, the second breaks the quota.
			const error = await failure(
				session.append('INBOX', [{ raw: bigMessage(8, 150_000) }, { raw: bigMessage(9, 150_000) }]),
			);
			expect(error).toBeInstanceOf(ImapAppendError);
			expect(error.kind).toBe('no');
			expect(error.code).toBe('OVERQUOTA');
			expect(error.command).toBe('APPEND');
			const [stored, refused] = (error as ImapAppendError).outcomes;
			expect(stored).toMatchObject({ uid: expect.any(Number) });
			expect(refused).toBeInstanceOf(ImapError);
			expect((await session.status('INBOX')).messages).toBe(1);
			await session.examine('INBOX');
			expect(await session.uidSearch('ALL')).toEqual([(stored as { uid: number }).uid]);
		});
	});

	it('fails a whole MULTIAPPEND batch atomically when the server refuses it', async () => {
		const quota = await services.dovecot({
			name: 'quota',
			extraConf: 'plugin {\n  quota_rule = *:storage=300K\n}',
		});
		const user = `q${process.pid}`;
		await quota.addUser(user, PASSWORD);
		const session = await connect(endpoint(quota, user));
		expect(session.has('MULTIAPPEND')).toBe(true);
		const batch = [1, 2, 3].map((i) => ({ raw: bigMessage(20 + i, 120_000) }));
		const error = await failure(session.append('INBOX', batch));
		expect(error.kind).toBe('no');
		expect(error.code).toBe('OVERQUOTA');
		expect((error as ImapAppendError).outcomes).toEqual([error.cause, error.cause, error.cause]);
		expect((await session.status('INBOX')).messages).toBe(0);
		expect(await session.append('INBOX', batch.slice(0, 2))).toHaveLength(2);
	});

	describe('pipelining', () => {
		it('keeps many commands in flight and gives each its own answer', async () => {
			const user = await newUser();
			const session = await connect(endpoint(server, user));
			const folders = Array.from({ length: 20 }, (_, i) => `F${i}`);
			await Promise.all(folders.map((folder) => session.create(folder)));
			await Promise.all(
				folders.map((folder, i) =>
					session.append(
						folder,
						Array.from({ length: i + 1 }, (_, j) => ({
							raw: makeMessage({ subject: `${folder}-${j}` }),
						})),
					),
				),
			);
			const [statuses, missing, selected] = await Promise.all([
				Promise.all(folders.map((folder) => session.status(folder))),
				failure(session.status('Nope')),
				session.select('F7'),
				session.noop(),
			]);
			expect(statuses.map((s) => s.messages)).toEqual(folders.map((_, i) => i + 1));
			expect(missing.kind).toBe('no');
			expect(missing.command).toBe('STATUS');
			expect(selected.exists).toBe(8);
		});

		it('rejects every pending command with kind closed when the server says BYE', async () => {
			const user = await newUser();
			const proxy = await services.faultProxy(server.port);
			const session = await connect(endpoint(server, user, { port: proxy.port }));
			await session.select('INBOX');
			proxy.pause();
			const pending = [
				session.noop(),
				session.status('INBOX'),
				session.append('INBOX', [{ raw: makeMessage() }, { raw: makeMessage() }]),
				session.uidSearch('ALL'),
			].map((promise) => failure(promise));
			await server.doveadm(['kick', user]);
			proxy.resume();
			const errors = await Promise.all(pending);
			expect(errors.map((e) => e.kind)).toEqual(['closed', 'closed', 'closed', 'closed']);
			expect(errors.map((e) => e.command)).toEqual(['NOOP', 'STATUS', 'APPEND', 'UID SEARCH']);
			expect(session.isClosed).toBe(true);
			expect((await failure(session.noop())).kind).toBe('closed');
		});
	});
});
