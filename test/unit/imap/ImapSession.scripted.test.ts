/**
 * ImapSession against a scripted IMAP peer on loopback, for protocol paths Dovecot cannot be made to show:
 * LOGIN without SASL PLAIN, LOGINDISABLED, completions out of order, a synchronizing literal refused with NO,
 * unsolicited EXISTS mid-command, BYE greetings, a silent server and garbage on the wire; XOAUTH2 as Dovecot and as
 * Exchange Online answer it (the token source is replaced by a stub).
 * Real sockets and the real session; only the server side is a script.
 */
import net from 'node:net';

import type { ImapEndpoint } from '../../../nodes/lib/imap/endpoint';
import { ImapError } from '../../../nodes/lib/imap/imapErrors';
import { ImapSession } from '../../../nodes/lib/imap/ImapSession';
import { acquireAppToken } from '../../../nodes/lib/microsoft/appTokens';
import type { MicrosoftApp } from '../../../nodes/lib/microsoft/microsoftApp';
import { testEndpoint } from '../../harness/endpoints';

jest.mock('../../../nodes/lib/microsoft/appTokens', () => ({ acquireAppToken: jest.fn() }));
const tokenStub = acquireAppToken as jest.MockedFunction<typeof acquireAppToken>;

/** The server end of one connection: read what the client sent, write what the script says. */
class Peer {
	private buffer = Buffer.alloc(0);
	private wake: (() => void) | null = null;
	/** Every byte the client sent, for assertions. */
	received = Buffer.alloc(0);

	constructor(readonly socket: net.Socket) {
		socket.on('data', (chunk: Buffer) => {
			this.buffer = Buffer.concat([this.buffer, chunk]);
			this.received = Buffer.concat([this.received, chunk]);
			this.wake?.();
		});
		socket.on('error', () => undefined);
	}

	private async waitFor(ready: () => boolean): Promise<void> {
		while (!ready()) {
			if (this.socket.destroyed) throw new Error('client went away');
			await new Promise<void>((resolve) => {
				this.wake = resolve;
				setTimeout(resolve, 50);
			});
		}
	}

	async line(): Promise<string> {
		await this.waitFor(() => this.buffer.includes('\r\n'));
		const end = this.buffer.indexOf('\r\n');
		const line = this.buffer.subarray(0, end).toString('utf8');
		this.buffer = this.buffer.subarray(end + 2);
		return line;
	}

	async bytes(count: number): Promise<Buffer> {
		await this.waitFor(() => this.buffer.length >= count);
		const bytes = this.buffer.subarray(0, count);
		this.buffer = this.buffer.subarray(count);
		return bytes;
	}

	send(text: string): void {
		this.socket.write(text.replace(/\n/g, '\r\n'));
	}
}

interface Script {
	port: number;
	done: Promise<void>;
	close(): Promise<void>;
}

async function scriptedServer(script: (peer: Peer) => Promise<void>): Promise<Script> {
	let finish!: (error?: unknown) => void;
	const done = new Promise<void>((resolve, reject) => {
		finish = (error) => (error ? reject(error) : resolve());
	});
	const server = net.createServer((socket) => {
		script(new Peer(socket)).then(
			() => finish(),
			(error) => finish(error),
		);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		port: (server.address() as net.AddressInfo).port,
		done,
		close: () => new Promise<void>((resolve) => server.close(() => resolve())),
	};
}

const endpointFor = (port: number, login: Partial<ImapEndpoint['login']> = {}): ImapEndpoint =>
	testEndpoint({ host: '127.0.0.1', port }, 'user', 'secret', { connectTimeoutMs: 2000, login });

/** The tag of a client command line. */
const tagOf = (line: string) => line.split(' ')[0];

describe('ImapSession with a scripted server', () => {
	const servers: Script[] = [];
	const sessions: ImapSession[] = [];

	async function start(script: (peer: Peer) => Promise<void>): Promise<Script> {
		const server = await scriptedServer(script);
		servers.push(server);
		return server;
	}

	async function connect(port: number, login?: Partial<ImapEndpoint['login']>, timeoutMs?: number) {
		const session = await ImapSession.connect(endpointFor(port, login), {
			commandTimeoutMs: timeoutMs,
		});
		sessions.push(session);
		return session;
	}

	afterEach(async () => {
		for (const session of sessions.splice(0)) await session.close();
		for (const server of servers.splice(0)) await server.close();
	});

	it('uses LOGIN with a quoted user and the 8-bit password as a synchronizing literal', async () => {
		const password = 'p\u00e4ss"word';
		let loginLine = '';
		let literal: Buffer = Buffer.alloc(0);
		const server = await start(async (peer) => {
			peer.send('* OK [CAPABILITY IMAP4rev1] scripted\n');
			loginLine = await peer.line();
			const size = Number(/\{(\d+)\}$/.exec(loginLine)?.[1]);
			peer.send('+ ready for literal\n');
			literal = await peer.bytes(size);
			expect(await peer.line()).toBe('');
			peer.send(`${tagOf(loginLine)} OK [CAPABILITY IMAP4rev1 UIDPLUS] logged in\n`);
		});
		const session = await connect(server.port, { authUser: 'us"er\\x', password });
		await server.done;
		expect(loginLine).toMatch(/^\S+ LOGIN "us\\"er\\\\x" \{\d+\}$/);
		expect(literal.toString('utf8')).toBe(password);
		expect(session.has('UIDPLUS')).toBe(true);
	});

	it('refuses to send a password when the server says LOGINDISABLED', async () => {
		const server = await start(async (peer) => {
			peer.send('* OK [CAPABILITY IMAP4rev1 LOGINDISABLED] scripted\n');
			await new Promise((resolve) => peer.socket.once('close', resolve));
		});
		const error = await ImapSession.connect(endpointFor(server.port)).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(ImapError);
		expect((error as ImapError).kind).toBe('auth');
		expect((error as ImapError).message).toMatch(/LOGINDISABLED/);
		await server.done;
	});

	it('reports a BYE greeting as kind closed with the server text', async () => {
		const server = await start(async (peer) => {
			peer.send('* BYE [UNAVAILABLE] Too many connections\n');
			peer.socket.end();
		});
		const error = (await ImapSession.connect(endpointFor(server.port)).catch(
			(e: unknown) => e,
		)) as ImapError;
		expect(error.kind).toBe('closed');
		expect(error.message).toContain('Too many connections');
		await server.done;
	});

	it('settles pipelined commands by tag when the server completes them in reverse order', async () => {
		const server = await start(async (peer) => {
			peer.send('* PREAUTH [CAPABILITY IMAP4rev1 LITERAL+] already in\n');
			const lines = [await peer.line(), await peer.line(), await peer.line()];
			expect(lines.map((l) => l.split(' ').slice(1, 3).join(' '))).toEqual([
				'STATUS "A"',
				'STATUS "B"',
				'NOOP',
			]);
			const [a, b, noop] = lines.map(tagOf);
			peer.send(`${noop} OK noop\n`);
			peer.send(`* STATUS "B" (MESSAGES 2 UIDNEXT 20)\n${b} OK b\n`);
			peer.send(`* STATUS "A" (MESSAGES 1 UIDNEXT 10)\n${a} OK a\n`);
		});
		const session = await connect(server.port);
		const [a, b] = await Promise.all([session.status('A'), session.status('B'), session.noop()]);
		expect(a).toMatchObject({ messages: 1, uidNext: 10 });
		expect(b).toMatchObject({ messages: 2, uidNext: 20 });
		await server.done;
	});

	it('stops a command whose synchronizing literal is refused, and goes on with the next one', async () => {
		const raw = Buffer.from('Subject: big\r\n\r\n'.padEnd(6000, 'x'));
		const server = await start(async (peer) => {
			peer.send('* PREAUTH [CAPABILITY IMAP4rev1 UIDPLUS] already in\n');
			const append = await peer.line();
			expect(append).toMatch(/APPEND "INBOX" \(\\Seen\) \{6000\}$/);
			peer.send(`${tagOf(append)} NO [TOOBIG] Message too large\n`);
			const next = await peer.line();
			expect(next).toMatch(/^\S+ NOOP$/);
			peer.send(`${tagOf(next)} OK fine\n`);
		});
		const session = await connect(server.port);
		const [appendError] = await Promise.all([
			session.append('INBOX', [{ raw, flags: ['\\Seen'] }]).catch((e: unknown) => e as ImapError),
			session.noop(),
		]);
		expect(appendError).toMatchObject({ kind: 'no', code: 'TOOBIG', command: 'APPEND' });
		await server.done;
	});

	it('waits for + before each synchronizing literal of a MULTIAPPEND and expands APPENDUID', async () => {
		const raws = [Buffer.from('a\r\n'), Buffer.from('bb\r\n'), Buffer.from('ccc\r\n')];
		const server = await start(async (peer) => {
			peer.send('* PREAUTH [CAPABILITY IMAP4rev1 UIDPLUS MULTIAPPEND] already in\n');
			let line = await peer.line();
			const tag = tagOf(line);
			for (const raw of raws) {
				expect(line).toMatch(new RegExp(`\\{${raw.length}\\}$`));
				peer.send('+ go\n');
				expect((await peer.bytes(raw.length)).equals(raw)).toBe(true);
				line = await peer.line();
			}
			expect(line).toBe('');
			peer.send(`${tag} OK [APPENDUID 77 12,9:10] done\n`);
		});
		const session = await connect(server.port);
		const appended = await session.append(
			'INBOX',
			raws.map((raw) => ({ raw })),
		);
		expect(appended).toEqual([
			{ uid: 12, uidValidity: 77 },
			{ uid: 9, uidValidity: 77 },
			{ uid: 10, uidValidity: 77 },
		]);
		await server.done;
	});

	it('tracks EXISTS and EXPUNGE that arrive during other commands', async () => {
		const server = await start(async (peer) => {
			peer.send('* PREAUTH [CAPABILITY IMAP4rev1] already in\n');
			const select = await peer.line();
			peer.send(
				'* 3 EXISTS\n* FLAGS (\\Seen)\n* OK [UIDVALIDITY 5] x\n* OK [UIDNEXT 9] x\n' +
					`${tagOf(select)} OK [READ-WRITE] selected\n`,
			);
			const noop = await peer.line();
			peer.send(`* 5 EXISTS\n* 2 EXPUNGE\n* 4 FETCH (FLAGS (\\Seen))\n${tagOf(noop)} OK noop\n`);
		});
		const session = await connect(server.port);
		const selected = await session.select('INBOX');
		expect(selected).toMatchObject({ exists: 3, uidValidity: 5, uidNext: 9 });
		await session.noop();
		expect(session.selected?.exists).toBe(4);
		await server.done;
	});

	it('fails every pending command with kind timeout when the server goes silent', async () => {
		const server = await start(async (peer) => {
			peer.send('* PREAUTH [CAPABILITY IMAP4rev1] already in\n');
			await peer.line();
			await new Promise((resolve) => peer.socket.once('close', resolve));
		});
		const session = await connect(server.port, undefined, 300);
		const errors = await Promise.all([
			session.noop().then(
				() => null,
				(e: unknown) => e as ImapError,
			),
			session.status('INBOX').then(
				() => null,
				(e: unknown) => e as ImapError,
			),
		]);
		expect(errors.map((e) => e?.kind)).toEqual(['timeout', 'timeout']);
		expect(errors.map((e) => e?.command)).toEqual(['NOOP', 'STATUS']);
		expect(session.isClosed).toBe(true);
		await server.done;
	});

	it('reads a folder name echoed as {n} at the end of status text as text, and keeps the session in step', async () => {
		const server = await start(async (peer) => {
			peer.send('* PREAUTH [CAPABILITY IMAP4rev1] already in\n');
			const select = await peer.line();
			peer.send(
				'* 2 EXISTS\n* OK [UIDVALIDITY 5] Opened Projekt {5}\n* OK [UIDNEXT 9] x\n' +
					`${tagOf(select)} OK [READ-WRITE] Selected Projekt {5}\n`,
			);
			const missing = await peer.line();
			peer.send(`${tagOf(missing)} NO [NONEXISTENT] Mailbox doesn't exist: Archiv {3}\n`);
			const noop = await peer.line();
			peer.send(`${tagOf(noop)} OK noop\n`);
		});
		const session = await connect(server.port, undefined, 2000);
		expect(await session.select('Projekt {5}')).toMatchObject({
			exists: 2,
			uidValidity: 5,
			uidNext: 9,
		});
		const missing = (await session.select('Archiv {3}').catch((e: unknown) => e)) as ImapError;
		expect(missing).toMatchObject({ kind: 'no', code: 'NONEXISTENT' });
		expect(missing.message).toContain('Archiv {3}');
		await session.noop();
		await server.done;
	});

	it('ends the session with kind protocol when a literal exceeds the limit the caller set', async () => {
		const server = await start(async (peer) => {
			peer.send('* PREAUTH [CAPABILITY IMAP4rev1] already in\n');
			await peer.line();
			peer.send('* 1 FETCH (UID 1 BODY[] {2048}\n');
			await new Promise((resolve) => peer.socket.once('close', resolve));
		});
		const session = await ImapSession.connect(endpointFor(server.port), { maxLiteralBytes: 1024 });
		sessions.push(session);
		const error = (await session.noop().catch((e: unknown) => e)) as ImapError;
		expect(error.kind).toBe('protocol');
		expect(error.message).toMatch(/literal of 2048 bytes/);
		expect(session.isClosed).toBe(true);
		await server.done;
	});

	it('ends the session with kind protocol on a response it cannot read', async () => {
		const server = await start(async (peer) => {
			peer.send('* PREAUTH [CAPABILITY IMAP4rev1] already in\n');
			await peer.line();
			peer.send('* 1 FETCH (UID 1 BODY[] "unterminated\n');
			await new Promise((resolve) => peer.socket.once('close', resolve));
		});
		const session = await connect(server.port);
		const error = (await session.noop().catch((e: unknown) => e)) as ImapError;
		expect(error.kind).toBe('protocol');
		expect(session.isClosed).toBe(true);
		await server.done;
	});

	describe('XOAUTH2', () => {
		const app: MicrosoftApp = {
			tenant: 't',
			clientId: 'c',
			clientSecret: 'never-sent',
			cloud: 'global',
		};
		const oauth = { oauth: { app, scope: 'https://outlook.office365.com/.default' } };
		const payloadOf = (user: string, token: string) =>
			Buffer.from(`user=${user}\x01auth=Bearer ${token}\x01\x01`).toString('base64');
		let issued = 0;

		beforeEach(() => {
			issued = 0;
			tokenStub.mockReset();
			tokenStub.mockImplementation(async () => {
				issued++;
				return { accessToken: `token-${issued}`, expiresAt: Date.now() + 60_000, roles: [] };
			});
		});

		it('sends the initial response inline, then takes the capabilities of the tagged OK', async () => {
			let line = '';
			const server = await start(async (peer) => {
				peer.send('* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=XOAUTH2] scripted\n');
				line = await peer.line();
				peer.send(`${tagOf(line)} OK [CAPABILITY IMAP4rev1 UIDPLUS] logged in\n`);
				await peer.line();
				peer.send(`${tagOf(line).replace(/\d+$/, (n) => String(Number(n) + 1))} OK done\n`);
			});
			const session = await connect(server.port, { authUser: 'alice@contoso.example', ...oauth });
			await session.noop();
			await server.done;
			expect(line).toBe(
				`${tagOf(line)} AUTHENTICATE XOAUTH2 ${payloadOf('alice@contoso.example', 'token-1')}`,
			);
			expect(session.has('UIDPLUS')).toBe(true);
			expect(tokenStub.mock.calls.map((call) => call[2])).toEqual([undefined]);
		});

		it("answers Dovecot's error continuation with an empty line, then renews the token once on a new connection", async () => {
			let connections = 0;
			const seen: string[] = [];
			const server = await start(async (peer) => {
				const first = ++connections === 1;
				peer.send('* OK [CAPABILITY IMAP4rev1 AUTH=XOAUTH2] scripted\n');
				const command = await peer.line();
				peer.send('+ \n');
				seen.push(await peer.line());
				if (first) {
					peer.send('+ eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIn0=\n');
					seen.push(`empty answer: ${JSON.stringify(await peer.line())}`);
					peer.send(`${tagOf(command)} NO [AUTHENTICATIONFAILED] Authentication failed.\n`);
					await new Promise((resolve) => peer.socket.once('close', resolve));
				} else {
					peer.send(`${tagOf(command)} OK logged in\n`);
					await peer.line();
					peer.send('* CAPABILITY IMAP4rev1\n');
					peer.send(`${tagOf(command).replace(/\d+$/, (n) => String(Number(n) + 1))} OK\n`);
				}
			});
			await connect(server.port, { authUser: 'bob@contoso.example', ...oauth });
			expect(seen).toEqual([
				payloadOf('bob@contoso.example', 'token-1'),
				'empty answer: ""',
				payloadOf('bob@contoso.example', 'token-2'),
			]);
			expect(tokenStub.mock.calls.map((call) => call[2])).toEqual([undefined, { renew: true }]);
		});

		it('fails with kind auth naming the mailbox, never the token, when Exchange refuses the renewed token too', async () => {
			const server = await start(async (peer) => {
				peer.send(
					'* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=XOAUTH2] The Microsoft Exchange IMAP4 service is ready.\n',
				);
				const command = await peer.line();
				peer.send(`${tagOf(command)} NO AUTHENTICATE failed.\n`);
				await new Promise((resolve) => peer.socket.once('close', resolve));
			});
			const carol = {
				mailbox: 'carol@contoso.example',
				authUser: 'carol@contoso.example',
				...oauth,
			};
			const error = (await connect(server.port, carol).catch((e: unknown) => e)) as ImapError;
			expect(error).toBeInstanceOf(ImapError);
			expect(error.kind).toBe('auth');
			expect(error.message).toBe(
				`Authentication: 127.0.0.1:${server.port} rejected the login for carol@contoso.example: AUTHENTICATE failed.`,
			);
			expect(issued).toBe(2);
		});

		it('ends the session with kind closed when a command is refused for an expired token', async () => {
			const server = await start(async (peer) => {
				peer.send('* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=XOAUTH2] scripted\n');
				const command = await peer.line();
				peer.send(`${tagOf(command)} OK [CAPABILITY IMAP4rev1] logged in\n`);
				const noop = await peer.line();
				peer.send(`${tagOf(noop)} NO Session invalidated - AccessTokenExpired\n`);
				await new Promise((resolve) => peer.socket.once('close', resolve));
			});
			const session = await connect(server.port, { authUser: 'dave@contoso.example', ...oauth });
			const error = (await session.noop().catch((e: unknown) => e)) as ImapError;
			expect({ kind: error.kind, text: error.serverText }).toEqual({
				kind: 'closed',
				text: 'Session invalidated - AccessTokenExpired',
			});
			expect(session.isClosed).toBe(true);
			await server.done;
		});
	});
});
