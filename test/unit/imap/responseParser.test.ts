import { createHash, randomBytes } from 'node:crypto';

import {
	type FramedResponse,
	type ImapResponse,
	ImapParseError,
	parseResponse,
	ResponseFramer,
} from '../../../nodes/lib/imap/responseParser';

/** Feeds `wire` to a fresh framer in the given chunk sizes and parses every response that comes out. */
function parseAll(
	bytes: Buffer,
	chunkSizes: (index: number) => number = () => bytes.length,
): ImapResponse[] {
	const framer = new ResponseFramer();
	const responses: ImapResponse[] = [];
	let offset = 0;
	for (let i = 0; offset < bytes.length; i++) {
		const size = Math.max(1, chunkSizes(i));
		framer.push(bytes.subarray(offset, offset + size));
		offset += size;
		for (let framed = framer.next(); framed; framed = framer.next()) {
			responses.push(parseResponse(framed));
		}
	}
	expect(framer.bufferedBytes).toBe(0);
	return responses;
}

/** Deterministic pseudo-random chunk sizes (xorshift), so a failure reproduces from its seed. */
function seededSizes(seed: number, max: number): (index: number) => number {
	let state = seed;
	return () => {
		state ^= state << 13;
		state ^= state >>> 17;
		state ^= state << 5;
		return (Math.abs(state) % max) + 1;
	};
}

const wire = (...parts: Array<string | Buffer>) =>
	Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'utf8') : part)));

function frame(bytes: Buffer): FramedResponse {
	const framer = new ResponseFramer();
	framer.push(Buffer.concat([bytes, Buffer.from('\r\n')]));
	const framed = framer.next();
	if (!framed) throw new Error('no response framed');
	return framed;
}

describe('parseResponse', () => {
	it('reads a greeting with its capability code', () => {
		const [greeting] = parseAll(
			wire('* OK [CAPABILITY IMAP4rev1 LITERAL+ SASL-IR AUTH=PLAIN] Dovecot ready.\r\n'),
		);
		expect(greeting).toMatchObject({
			tag: '*',
			type: 'OK',
			code: 'CAPABILITY',
			codeArgs: ['IMAP4rev1', 'LITERAL+', 'SASL-IR', 'AUTH=PLAIN'],
			text: 'Dovecot ready.',
		});
	});

	it('reads tagged completions with and without codes', () => {
		const [append, no, bad] = parseAll(
			wire(
				'A7 OK [APPENDUID 1700000000 41:90] Append completed.\r\n',
				'A8 NO [OVERQUOTA] Quota exceeded (mailbox for user is full)\r\n',
				'A9 BAD Error in IMAP command: Unknown command.\r\n',
			),
		);
		expect(append).toMatchObject({
			tag: 'A7',
			type: 'OK',
			code: 'APPENDUID',
			codeArgs: ['1700000000', '41:90'],
			text: 'Append completed.',
		});
		expect(no).toMatchObject({ tag: 'A8', type: 'NO', code: 'OVERQUOTA' });
		expect(no.text).toBe('Quota exceeded (mailbox for user is full)');
		expect(bad).toMatchObject({ tag: 'A9', type: 'BAD' });
		expect(bad.code).toBeUndefined();
	});

	it('keeps list-valued codes and odd codes', () => {
		const [flags, alert, weird] = parseAll(
			wire(
				'* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Seen $Forwarded \\*)] Flags permitted.\r\n',
				'* OK [ALERT] Mailbox almost full\r\n',
				'* NO [BADCHARSET (UTF-8 "unterminated] x\r\n',
			),
		);
		expect(flags.codeArgs).toEqual([['\\Answered', '\\Flagged', '\\Seen', '$Forwarded', '\\*']]);
		expect(alert).toMatchObject({ code: 'ALERT', codeArgs: [], text: 'Mailbox almost full' });
		expect(weird.code).toBe('BADCHARSET');
	});

	it('reads numbered responses', () => {
		const [exists, expunge, recent] = parseAll(
			wire('* 172 EXISTS\r\n* 3 EXPUNGE\r\n* 0 RECENT\r\n'),
		);
		expect(exists).toMatchObject({ tag: '*', type: 'EXISTS', number: 172 });
		expect(expunge).toMatchObject({ type: 'EXPUNGE', number: 3 });
		expect(recent).toMatchObject({ type: 'RECENT', number: 0 });
	});

	it('reads a FETCH with a binary literal body and a header section atom containing spaces', () => {
		const body = Buffer.from(Array.from({ length: 512 }, (_, i) => i % 256));
		const header = Buffer.from('Message-ID: <a@b>\r\n\r\n');
		const [fetch] = parseAll(
			wire(
				'* 12 FETCH (UID 4827 FLAGS (\\Seen $Forwarded) INTERNALDATE "17-Jul-1996 02:44:25 -0700" ',
				'RFC822.SIZE 512 MODSEQ (624140003) BODY[HEADER.FIELDS (MESSAGE-ID)] {21}\r\n',
				header,
				' BODY[] {512}\r\n',
				body,
				')\r\n',
			),
		);
		expect(fetch.type).toBe('FETCH');
		expect(fetch.number).toBe(12);
		const [items] = fetch.values as [unknown[]];
		expect(items.slice(0, 10)).toEqual([
			'UID',
			'4827',
			'FLAGS',
			['\\Seen', '$Forwarded'],
			'INTERNALDATE',
			'17-Jul-1996 02:44:25 -0700',
			'RFC822.SIZE',
			'512',
			'MODSEQ',
			['624140003'],
		]);
		expect(items[10]).toBe('BODY[HEADER.FIELDS (MESSAGE-ID)]');
		expect(Buffer.compare(items[11] as Buffer, header)).toBe(0);
		expect(items[12]).toBe('BODY[]');
		expect(Buffer.compare(items[13] as Buffer, body)).toBe(0);
	});

	it('reads non-synchronizing, empty and binary (literal8) literals', () => {
		const [fetch] = parseAll(
			wire(
				'* 1 FETCH (BODY[1] {3+}\r\nabc BODY[2] {0}\r\n BINARY[3] ~{2}\r\n',
				Buffer.from([0, 0xff]),
				')\r\n',
			),
		);
		const [items] = fetch.values as [unknown[]];
		expect(items.map((v) => (Buffer.isBuffer(v) ? [...v] : v))).toEqual([
			'BODY[1]',
			[0x61, 0x62, 0x63],
			'BODY[2]',
			[],
			'BINARY[3]',
			[0, 0xff],
		]);
	});

	it('tells NIL from "NIL", unescapes quoted strings and decodes UTF-8', () => {
		const [list, quoted] = parseAll(
			wire('* LIST (\\Noselect) NIL "NIL"\r\n', '* LIST () "/" "Kunden/M\\"\\\\ller \u00e4"\r\n'),
		);
		expect(list.values).toEqual([['\\Noselect'], null, 'NIL']);
		expect(quoted.values).toEqual([[], '/', 'Kunden/M"\\ller \u00e4']);
	});

	it('reads mailbox names sent as literals and nested lists', () => {
		const [list, namespace, status] = parseAll(
			wire(
				'* LIST (\\HasNoChildren) "." {11}\r\nwith\r\nbreak\r\n',
				'* NAMESPACE (("" "/")("#mh/" "/" "X-PARAM" ("FLAG1" "FLAG2"))) NIL (("#shared/" "/"))\r\n',
				'* STATUS "Entw&APw-rfe" (MESSAGES 231 UIDNEXT 44292 HIGHESTMODSEQ 7011231777)\r\n',
			),
		);
		expect((list.values[2] as Buffer).toString()).toBe('with\r\nbreak');
		expect(namespace.values).toEqual([
			[
				['', '/'],
				['#mh/', '/', 'X-PARAM', ['FLAG1', 'FLAG2']],
			],
			null,
			[['#shared/', '/']],
		]);
		expect(status.values).toEqual([
			'Entw&APw-rfe',
			['MESSAGES', '231', 'UIDNEXT', '44292', 'HIGHESTMODSEQ', '7011231777'],
		]);
	});

	it('reads continuation requests with and without text', () => {
		const [plain, bare, text] = parseAll(wire('+ OK\r\n+\r\n+ idling\r\n'));
		expect(plain).toMatchObject({ tag: '+', text: 'OK' });
		expect(bare).toMatchObject({ tag: '+', text: '' });
		expect(text).toMatchObject({ tag: '+', text: 'idling' });
	});

	it('accepts bare LF line ends', () => {
		const [a, b] = parseAll(wire('* 3 EXISTS\n* SEARCH 1 2 3\n'));
		expect(a).toMatchObject({ type: 'EXISTS', number: 3 });
		expect(b.values).toEqual(['1', '2', '3']);
	});

	it('refuses malformed responses with ImapParseError', () => {
		const parse = (text: string) => parseResponse(frame(wire(text)));
		expect(() => parse('* LIST (\\Noselect "/" INBOX')).toThrow(ImapParseError);
		expect(() => parse('* LIST () "/" "INBOX')).toThrow(ImapParseError);
		expect(() => parse('A1 FETCH (UID 1)')).toThrow(ImapParseError);
		expect(() => parse('* 1 FETCH (BODY[TEXT (x)')).toThrow(ImapParseError);
	});
});

describe('ResponseFramer', () => {
	const session = wire(
		'* OK [CAPABILITY IMAP4rev1 LITERAL+] ready\r\n',
		'* 2 EXISTS\r\n',
		'* 1 FETCH (UID 10 FLAGS () BODY[] {14}\r\nline1\r\nline2\r\n)\r\n',
		'* 2 FETCH (UID 11 BODY[] {0}\r\n INTERNALDATE " 1-Jan-2020 00:00:00 +0100")\r\n',
		'* LIST (\\HasNoChildren) "/" {5+}\r\nA\r\n\u00e4\r\n',
		'+ go ahead\r\n',
		'* OK [PERMANENTFLAGS (\\*)] x\r\n',
		'A12 OK [APPENDUID 7 3:5] done\r\n',
	);
	const whole = parseAll(session);

	it('frames the same responses whatever the chunk boundaries', () => {
		expect(whole).toHaveLength(8);
		for (let seed = 1; seed <= 300; seed++) {
			const sizes = seededSizes(seed * 7919, seed % 3 === 0 ? 3 : 40);
			expect(parseAll(session, sizes)).toEqual(whole);
		}
		expect(parseAll(session, () => 1)).toEqual(whole);
	});

	it('keeps a literal holding CRLF, a fake tagged line, braces, quotes, NUL and 8-bit bytes intact', () => {
		// Everything that breaks parsers which look for line ends or tags inside literal data.
		const tricky = Buffer.concat([
			Buffer.from('Subject: x\r\nA1 OK fake\r\n{5}\r\n) "\\ ', 'latin1'),
			Buffer.from([0, 0xff, 0xe4, 0x0d]),
		]);
		const stream = wire(
			`* 3 FETCH (UID 17 BODY[] {${tricky.length}}\r\n`,
			tricky,
			' INTERNALDATE "01-Jan-2019 10:30:00 +0100")\r\n',
			'A2 OK done\r\n',
		);
		const both = parseAll(stream);
		expect(both).toHaveLength(2);
		const items = both[0].values[0] as unknown[];
		expect(Buffer.compare(items[3] as Buffer, tricky)).toBe(0);
		expect(items.slice(4)).toEqual(['INTERNALDATE', '01-Jan-2019 10:30:00 +0100']);
		expect(both[1]).toMatchObject({ tag: 'A2', type: 'OK' });
		for (let seed = 1; seed <= 200; seed++) {
			expect(parseAll(stream, seededSizes(seed * 104729, 7))).toEqual(both);
		}
	});

	it('returns nothing until a response is complete, and counts what it holds', () => {
		const framer = new ResponseFramer();
		framer.push(Buffer.from('* 1 FETCH (BODY[] {10}\r\n01234'));
		expect(framer.next()).toBeUndefined();
		// The announcing line without its CRLF, plus the 5 literal bytes so far.
		expect(framer.bufferedBytes).toBe(22 + 5);
		framer.push(Buffer.from('56789)\r\n* 2 EXI'));
		const framed = framer.next();
		expect(framed?.literals.map((l) => l.toString())).toEqual(['0123456789']);
		expect(framer.next()).toBeUndefined();
		framer.push(Buffer.from('STS\r\n'));
		expect(parseResponse(framer.next()!)).toMatchObject({ type: 'EXISTS', number: 2 });
	});

	it('carries a 25 MB literal in linear time, byte for byte', () => {
		const body = randomBytes(25 * 1024 * 1024);
		const bytes = wire(`* 1 FETCH (UID 5 BODY[] {${body.length}}\r\n`, body, ')\r\n');
		const started = process.hrtime.bigint();
		// 1 KiB chunks: 25 600 pushes, which a quadratic concat would turn into ~330 GB of copying.
		const [fetch] = parseAll(bytes, () => 1024);
		const seconds = Number(process.hrtime.bigint() - started) / 1e9;
		const literal = (fetch.values[0] as unknown[])[3] as Buffer;
		expect(literal.length).toBe(body.length);
		const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex');
		expect(digest(literal)).toBe(digest(body));
		expect(seconds).toBeLessThan(5);
	});

	it('reads {n} at the end of status and continuation text as text, not as a literal', () => {
		// A folder name echoed in resp-text (RFC 3501 9: resp-text has no string position): the next line is a new response.
		const stream = wire(
			'* OK [UNSEEN 3] First unseen in Projekt {5}\r\n',
			'* NO Cannot open Projekt {12+}\r\n',
			'* BYE Shutting down {3}\r\n',
			'+ Ready for {7}\r\n',
			"A4 NO [NONEXISTENT] Mailbox doesn't exist: Projekt {5}\r\n",
			'* 1 FETCH (UID 5 BODY[] {5}\r\nA5 OK)\r\n',
			'A5 OK [READ-WRITE] Select done {2}\r\n',
		);
		const responses = parseAll(stream);
		expect(responses.map((r) => [r.tag, r.type, r.text])).toEqual([
			['*', 'OK', 'First unseen in Projekt {5}'],
			['*', 'NO', 'Cannot open Projekt {12+}'],
			['*', 'BYE', 'Shutting down {3}'],
			['+', '', 'Ready for {7}'],
			['A4', 'NO', "Mailbox doesn't exist: Projekt {5}"],
			['*', 'FETCH', ''],
			['A5', 'OK', 'Select done {2}'],
		]);
		expect(((responses[5].values[0] as unknown[])[3] as Buffer).toString()).toBe('A5 OK');
		for (let seed = 1; seed <= 50; seed++) {
			expect(parseAll(stream, seededSizes(seed * 7919, 9))).toEqual(responses);
		}
	});

	it('reads {n} only where a string may start, and not in responses that carry no strings', () => {
		const framer = new ResponseFramer();
		framer.push(
			wire(
				'* SEARCH 1 2 {3}\r\n',
				'* 4 EXISTS {1}\r\n',
				'* LIST () "/" x{5}\r\n',
				'* LIST () "/" {5}\r\nab{2}\r\n',
			),
		);
		const framed = [framer.next(), framer.next(), framer.next(), framer.next()] as FramedResponse[];
		expect(framer.next()).toBeUndefined();
		expect(framed.map((f) => f.lines.map((line) => line.toString()))).toEqual([
			['* SEARCH 1 2 {3}'],
			['* 4 EXISTS {1}'],
			['* LIST () "/" x{5}'],
			['* LIST () "/" {5}', ''],
		]);
		// A brace where no string may stand is a protocol error, not a wait for bytes that are the next response.
		expect(() => parseResponse(framed[0])).toThrow(ImapParseError);
		expect(() => parseResponse(framed[1])).toThrow(ImapParseError);
		expect(parseResponse(framed[2]).values).toEqual([[], '/', 'x{5}']);
		expect((parseResponse(framed[3]).values[2] as Buffer).toString()).toBe('ab{2}');
	});

	it('grows a huge announced literal with the data that arrives instead of allocating it up front', () => {
		const framer = new ResponseFramer({ releaseConsumedInput: true });
		const before = process.memoryUsage().arrayBuffers;
		framer.push(Buffer.from('* 1 FETCH (UID 1 BODY[] {1073741824}\r\n'));
		framer.push(Buffer.alloc(1000, 0x61));
		expect(framer.next()).toBeUndefined();
		// Today's framer would hold 1 GiB here; the growth policy holds at most a few MiB for 1000 bytes received.
		expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * 1024 * 1024);
		expect(framer.bufferedBytes).toBe(1000 + '* 1 FETCH (UID 1 BODY[] {1073741824}'.length);
	});

	it('refuses a literal above the limit its caller sets, naming both sizes', () => {
		const framer = new ResponseFramer({ maxLiteralBytes: 1000 });
		framer.push(Buffer.from('* 1 FETCH (UID 1 BODY[] {1001}\r\n'));
		expect(() => framer.next()).toThrow(/literal of 1001 bytes.*limit of 1000 bytes/);
	});

	it('refuses literals and lines above its limits', () => {
		const small = new ResponseFramer({ maxLiteralBytes: 100, maxLineBytes: 50 });
		small.push(Buffer.from('* 1 FETCH (BODY[] {101}\r\n'));
		expect(() => small.next()).toThrow(ImapParseError);
		const lines = new ResponseFramer({ maxLineBytes: 50 });
		lines.push(Buffer.alloc(30, 0x41));
		expect(lines.next()).toBeUndefined();
		lines.push(Buffer.alloc(30, 0x41));
		expect(() => lines.next()).toThrow(ImapParseError);
	});
});
