import {
	ImapParseError,
	parseResponse,
	ResponseFramer,
	type ImapResponse,
} from '../../../nodes/shared/imap/responseParser';

function parseAll(chunks: Buffer[]): ImapResponse[] {
	const framer = new ResponseFramer();
	const responses: ImapResponse[] = [];
	for (const chunk of chunks) {
		framer.push(chunk);
		for (let framed = framer.next(); framed; framed = framer.next()) responses.push(parseResponse(framed));
	}
	return responses;
}

/** Deterministic PRNG (mulberry32) so a failing split can be reproduced from its seed. */
function random(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

function splitRandomly(data: Buffer, next: () => number): Buffer[] {
	const chunks: Buffer[] = [];
	let position = 0;
	while (position < data.length) {
		const size = 1 + Math.floor(next() * (next() < 0.5 ? 4 : 300));
		chunks.push(data.subarray(position, position + size));
		position += size;
	}
	return chunks;
}

// A literal holding everything that breaks naive parsers: CRLF, a fake tagged line, braces, NUL and 8-bit bytes.
const tricky = Buffer.concat([
	Buffer.from('Subject: x\r\nM1 OK fake\r\n{5}\r\n) "\\ ', 'latin1'),
	Buffer.from([0, 0xff, 0xe4, 0x0d]),
]);
const stream = Buffer.concat([
	Buffer.from('* OK [CAPABILITY IMAP4rev1 LITERAL+ MULTIAPPEND] Dovecot ready.\r\n'),
	Buffer.from('* LIST (\\HasNoChildren \\Sent) "/" "Sent \\"old\\" \\\\ items"\r\n'),
	Buffer.from('* LIST (\\Noselect) NIL {9}\r\nEntw&APw-\r\n'),
	Buffer.from(`* 3 FETCH (UID 17 FLAGS (\\Seen $Forwarded) BODY[] {${tricky.length}}\r\n`),
	tricky,
	Buffer.from(' INTERNALDATE "01-Jan-2019 10:30:00 +0100")\r\n'),
	Buffer.from('* 4 FETCH (UID 18 BODY[HEADER.FIELDS (MESSAGE-ID)] {0}\r\n RFC822.SIZE 0)\r\n'),
	Buffer.from('* NAMESPACE (("" "/")) NIL (("#shared/" "/"))\r\n'),
	Buffer.from('* OK [PERMANENTFLAGS (\\Answered \\*)] Flags permitted.\r\n'),
	Buffer.from('+ go ahead\r\n'),
	Buffer.from('M7 OK [APPENDUID 1545 4:6,9] Append completed.\r\n'),
	Buffer.from('M8 NO [OVERQUOTA] Quota exceeded (mailbox for user is full)\r\n'),
]);

describe('ResponseFramer and parseResponse', () => {
	const whole = parseAll([stream]);

	it('parses literals, quoted escapes, nested lists, NIL and response codes', () => {
		expect(whole).toHaveLength(10);
		expect(whole[0]).toMatchObject({ tag: '*', type: 'OK', code: 'CAPABILITY', text: 'Dovecot ready.' });
		expect(whole[0].codeArgs).toEqual(['IMAP4rev1', 'LITERAL+', 'MULTIAPPEND']);
		expect(whole[1].values).toEqual([['\\HasNoChildren', '\\Sent'], '/', 'Sent "old" \\ items']);
		expect(whole[2].values[1]).toBeNull();
		expect(whole[2].values[2]).toEqual(Buffer.from('Entw&APw-'));
		const fetch = whole[3];
		expect(fetch).toMatchObject({ type: 'FETCH', number: 3 });
		const items = fetch.values[0] as unknown[];
		expect(items.slice(0, 4)).toEqual(['UID', '17', 'FLAGS', ['\\Seen', '$Forwarded']]);
		expect(items[4]).toBe('BODY[]');
		expect(Buffer.compare(items[5] as Buffer, tricky)).toBe(0);
		expect(items.slice(6)).toEqual(['INTERNALDATE', '01-Jan-2019 10:30:00 +0100']);
		expect(whole[4].values[0]).toEqual([
			'UID',
			'18',
			'BODY[HEADER.FIELDS (MESSAGE-ID)]',
			Buffer.alloc(0),
			'RFC822.SIZE',
			'0',
		]);
		expect(whole[5].values).toEqual([[['', '/']], null, [['#shared/', '/']]]);
		expect(whole[6]).toMatchObject({ code: 'PERMANENTFLAGS', codeArgs: [['\\Answered', '\\*']] });
		expect(whole[7]).toMatchObject({ tag: '+', text: 'go ahead' });
		expect(whole[8]).toMatchObject({ tag: 'M7', type: 'OK', code: 'APPENDUID', codeArgs: ['1545', '4:6,9'] });
		expect(whole[9]).toMatchObject({ tag: 'M8', type: 'NO', code: 'OVERQUOTA' });
		expect(whole[9].text).toBe('Quota exceeded (mailbox for user is full)');
	});

	it('gives the same result for 300 random chunk splits, down to single bytes', () => {
		for (let seed = 1; seed <= 300; seed++) {
			const chunks = splitRandomly(stream, random(seed));
			expect(parseAll(chunks)).toEqual(whole);
		}
		expect(parseAll([...stream].map((byte) => Buffer.from([byte])))).toEqual(whole);
	});

	it('reads a 25 MB literal pushed in 64 KB chunks in linear time, byte for byte', () => {
		const body = Buffer.alloc(25 * 1024 * 1024);
		for (let i = 0; i < body.length; i += 4096) body[i] = i % 251;
		const data = Buffer.concat([
			Buffer.from(`* 1 FETCH (UID 1 BODY[] {${body.length}}\r\n`),
			body,
			Buffer.from(')\r\nM2 OK done\r\n'),
		]);
		const chunks: Buffer[] = [];
		for (let i = 0; i < data.length; i += 65536) chunks.push(data.subarray(i, i + 65536));
		const started = process.hrtime.bigint();
		const responses = parseAll(chunks);
		const ms = Number(process.hrtime.bigint() - started) / 1e6;
		expect(responses).toHaveLength(2);
		const literal = (responses[0].values[0] as unknown[])[3] as Buffer;
		expect(literal.length).toBe(body.length);
		expect(literal.equals(body)).toBe(true);
		// A quadratic concatenation would copy ~5 TB here; linear work takes well under a second.
		expect(ms).toBeLessThan(3000);
	});

	it('keeps the code name of a status whose code arguments are odd', () => {
		const [response] = parseAll([Buffer.from('M3 NO [BADCHARSET (UTF-8 "x] Not supported\r\n')]);
		expect(response).toMatchObject({ tag: 'M3', type: 'NO', code: 'BADCHARSET' });
	});

	it('refuses a literal larger than the limit and malformed responses', () => {
		const framer = new ResponseFramer({ maxLiteralBytes: 10 });
		framer.push(Buffer.from('* 1 FETCH (BODY[] {11}\r\n'));
		expect(() => framer.next()).toThrow(ImapParseError);
		expect(() => parseAll([Buffer.from('* LIST (\\Noselect "/" "x"\r\n')])).toThrow(ImapParseError);
		expect(() => parseAll([Buffer.from('* LIST () "/" "unterminated\r\n')])).toThrow(ImapParseError);
		expect(() => parseAll([Buffer.from('M1 FETCH (UID 1)\r\n')])).toThrow(ImapParseError);
	});
});
