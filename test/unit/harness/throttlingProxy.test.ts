/**
 * The throttling proxy's reading of the IMAP stream: lines and literals in both directions, and a proxy in front of
 * a scripted server on loopback for the paths Dovecot and the engine do not show (synchronizing literals of a
 * refused command, our own lines held back until a server response is complete).
 */
import net from 'node:net';

import { commandOf, ImapFramer, type Segment } from '../../harness/imapFraming';
import { byeAfter, refuse } from '../../harness/throttleRules';
import { startThrottlingProxy, type ThrottlingProxy } from '../../harness/throttlingProxy';

/** Feeds the stream in pieces of `size` bytes and returns every segment. */
function frame(stream: string, size: number): Segment[] {
	const framer = new ImapFramer();
	const bytes = Buffer.from(stream, 'latin1');
	const segments: Segment[] = [];
	for (let offset = 0; offset < bytes.length; offset += size) {
		segments.push(...framer.feed(bytes.subarray(offset, offset + size)));
	}
	return segments;
}

/** Whole commands or responses, as text. */
function messages(segments: Segment[]): string[] {
	const result: string[] = [];
	let current = '';
	for (const segment of segments) {
		current += segment.bytes.toString('latin1');
		if (segment.last) {
			result.push(current);
			current = '';
		}
	}
	return result;
}

describe('ImapFramer', () => {
	const multiappend =
		'A1 APPEND "INBOX" (\\Seen) {9+}\r\nab\r\n{3}\r\n () "01-Jan-2020 00:00:00 +0000" {4}\r\nx\ny\r\n';
	const stream = `${multiappend}A2 NOOP\r\nA3 LOGIN {1}\r\nu {2}\r\npw\r\n`;

	it.each([1, 2, 5, 64, 4096])('follows literals whatever the chunk size (%i bytes)', (size) => {
		const segments = frame(stream, size);
		expect(messages(segments)).toEqual([
			multiappend,
			'A2 NOOP\r\n',
			'A3 LOGIN {1}\r\nu {2}\r\npw\r\n',
		]);
		expect(segments.filter((segment) => segment.first).map((segment) => segment.line)).toEqual([
			'A1 APPEND "INBOX" (\\Seen) {9+}\r\n',
			'A2 NOOP\r\n',
			'A3 LOGIN {1}\r\n',
		]);
		expect(segments.filter((segment) => segment.literal).map((segment) => segment.literal)).toEqual(
			[
				{ size: 9, synchronizing: false },
				{ size: 4, synchronizing: true },
				{ size: 1, synchronizing: true },
				{ size: 2, synchronizing: true },
			],
		);
	});

	it('reads server responses with literals (FETCH BODY[], BINARY literal8) as one response each', () => {
		const responses =
			'* 1 FETCH (UID 5 BODY[] {6}\r\na)\r\n\r\n)\r\n* 2 FETCH (BINARY[1] ~{2}\r\n\0\n)\r\n+ go on\r\nA1 OK done\r\n';
		expect(messages(frame(responses, 3))).toEqual([
			'* 1 FETCH (UID 5 BODY[] {6}\r\na)\r\n\r\n)\r\n',
			'* 2 FETCH (BINARY[1] ~{2}\r\n\0\n)\r\n',
			'+ go on\r\n',
			'A1 OK done\r\n',
		]);
	});

	it('names commands by tag and name, UID commands with their second word', () => {
		expect(commandOf('a7 uid fetch 1:* (FLAGS)\r\n')).toEqual({ tag: 'a7', name: 'UID FETCH' });
		expect(commandOf('A1 APPEND INBOX {12+}\r\n')).toEqual({ tag: 'A1', name: 'APPEND' });
		expect(commandOf('DONE\r\n')).toBeNull();
	});
});

/** A server that answers every command OK, asks for synchronizing literals, and records what reached it. */
async function scriptedServer(onCommand: (command: string, socket: net.Socket) => void = () => {}) {
	const received: string[] = [];
	const server = net.createServer((socket) => {
		const framer = new ImapFramer();
		let current = '';
		socket.write('* OK scripted ready\r\n');
		socket.on('data', (chunk: Buffer) => {
			for (const segment of framer.feed(chunk)) {
				current += segment.bytes.toString('latin1');
				if (segment.literal?.synchronizing) socket.write('+ go ahead\r\n');
				if (!segment.last) continue;
				received.push(current);
				const tag = current.split(' ')[0];
				const command = current;
				current = '';
				if (/ FETCH /.test(command)) onCommand(command, socket);
				else socket.write(`${tag} OK done\r\n`);
			}
		});
		socket.on('error', () => undefined);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
	return {
		port: (server.address() as net.AddressInfo).port,
		received,
		close: () => new Promise<void>((resolve) => server.close(() => resolve())),
	};
}

/** A raw client: send bytes, wait until the received text matches. */
async function rawClient(port: number) {
	const socket = net.connect({ host: '127.0.0.1', port });
	let text = '';
	let closed = false;
	socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
	socket.on('close', () => (closed = true));
	socket.on('error', () => undefined);
	const until = async (done: () => boolean) => {
		const deadline = Date.now() + 5000;
		while (!done()) {
			if (Date.now() > deadline) throw new Error(`timed out; received so far:\n${text}`);
			await new Promise((resolve) => setTimeout(resolve, 5));
		}
	};
	return {
		send: (data: string) => socket.write(Buffer.from(data, 'latin1')),
		waitFor: (pattern: RegExp) => until(() => pattern.test(text)),
		waitClosed: () => until(() => closed),
		get text() {
			return text;
		},
		destroy: () => socket.destroy(),
	};
}

describe('throttling proxy against a scripted server', () => {
	let proxy: ThrottlingProxy | null = null;
	afterEach(async () => {
		await proxy?.close();
		proxy = null;
	});

	it('refuses a command with a synchronizing literal itself, and a LITERAL+ MULTIAPPEND without forwarding a byte', async () => {
		const server = await scriptedServer();
		proxy = await startThrottlingProxy(server.port, [
			refuse({
				command: 'APPEND',
				code: 'THROTTLED',
				text: 'Suggested Backoff Time: 200 milliseconds',
			}),
		]);
		const client = await rawClient(proxy.port);
		try {
			await client.waitFor(/scripted ready\r\n/);
			client.send('a1 NOOP\r\na2 APPEND INBOX {5}\r\n');
			// The proxy, not the server, asks for the literal of the command it refuses.
			await client.waitFor(/\+ Ready/);
			client.send('hello\r\n');
			await client.waitFor(/a2 NO /);
			client.send('a3 APPEND INBOX (\\Seen) {3+}\r\nabc {2+}\r\nde\r\na4 NOOP\r\n');
			await client.waitFor(/a4 OK/);
			expect(client.text).toMatch(/a1 OK done\r\n/);
			expect(client.text).toMatch(
				/a2 NO \[THROTTLED\] Suggested Backoff Time: 200 milliseconds\r\n[^]*a3 NO \[THROTTLED\]/,
			);
			expect(server.received).toEqual(['a1 NOOP\r\n', 'a4 NOOP\r\n']);
			expect(proxy.counts).toMatchObject({ refused: { APPEND: 2 }, forwarded: { NOOP: 2 } });
		} finally {
			client.destroy();
			await proxy.close();
			await server.close();
		}
	});

	it('holds its own lines back until the server response in flight is complete', async () => {
		const server = await scriptedServer((command, socket) => {
			const tag = command.split(' ')[0];
			socket.write('* 1 FETCH (BODY[] {10}\r\n01234');
			// The rest only once the proxy has taken the APPEND it refuses, so its NO is in hand while the response is
			// incomplete however slowly the client's command arrives.
			const rest = () => {
				if ((proxy?.counts.refused.APPEND ?? 0) > 0) {
					socket.write(`56789)\r\n${tag} OK fetched\r\n`);
				} else setTimeout(rest, 5);
			};
			setTimeout(rest, 5);
		});
		proxy = await startThrottlingProxy(server.port, [refuse({ command: 'APPEND' })]);
		const client = await rawClient(proxy.port);
		try {
			await client.waitFor(/ready\r\n/);
			client.send('f1 FETCH 1 BODY[]\r\n');
			await client.waitFor(/01234/);
			client.send('f2 APPEND INBOX {1+}\r\nx\r\n');
			await client.waitFor(/f2 NO/);
			expect(client.text).toContain('* 1 FETCH (BODY[] {10}\r\n0123456789)\r\n');
			expect(client.text.indexOf('f2 NO')).toBeGreaterThan(client.text.indexOf('56789)'));
		} finally {
			client.destroy();
			await proxy.close();
			await server.close();
		}
	});

	it('ends the connection with BYE in place of the nth command, and only once', async () => {
		const server = await scriptedServer();
		proxy = await startThrottlingProxy(server.port, [
			byeAfter({ command: 'NOOP', count: 2, text: 'Suggested Backoff Time: 100 milliseconds' }),
		]);
		const first = await rawClient(proxy.port);
		const second = await rawClient(proxy.port);
		try {
			await first.waitFor(/ready/);
			first.send('n1 NOOP\r\nn2 NOOP\r\nn3 NOOP\r\n');
			await first.waitClosed();
			expect(first.text).toMatch(
				/n1 OK done\r\n\* BYE \[UNAVAILABLE\] Suggested Backoff Time: 100 milliseconds\r\n$/,
			);
			await second.waitFor(/ready/);
			second.send('m1 NOOP\r\n');
			await second.waitFor(/m1 OK/);
			expect(proxy.counts.byes).toBe(1);
			expect(server.received).toEqual(['n1 NOOP\r\n', 'm1 NOOP\r\n']);
		} finally {
			first.destroy();
			second.destroy();
			await proxy.close();
			await server.close();
		}
	});
});
