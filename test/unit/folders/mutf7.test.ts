import {
	decodeMailboxName,
	decodeMutf7,
	encodeMailboxName,
	encodeMutf7,
	Mutf7DecodeError,
	tryDecodeMutf7,
} from '../../../nodes/lib/folders/mutf7';

describe('modified UTF-7 (RFC 3501 §5.1.3)', () => {
	// Vectors cross-checked against iconv-lite's utf-7-imap codec and the RFC's own example.
	const vectors: [string, string][] = [
		['INBOX', 'INBOX'],
		['Entwürfe', 'Entw&APw-rfe'],
		['日本語', '&ZeVnLIqe-'],
		['&', '&-'],
		['Receipts & Invoices', 'Receipts &- Invoices'],
		['&&', '&-&-'],
		['~peter/mail/台北/日本語', '~peter/mail/&U,BTFw-/&ZeVnLIqe-'],
		['📧 Mail', '&2D3c5w- Mail'],
		['Gelöschte Elemente', 'Gel&APY-schte Elemente'],
		['Éléments envoyés', '&AMk-l&AOk-ments envoy&AOk-s'],
		['Отправленные', '&BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-'],
		['a\tb', 'a&AAk-b'],
		['', ''],
	];

	it.each(vectors)('encodes %j as %j', (name, raw) => {
		expect(encodeMutf7(name)).toBe(raw);
	});

	it.each(vectors)('decodes %j from %j', (name, raw) => {
		expect(decodeMutf7(raw)).toBe(name);
	});

	it('round-trips random strings mixing ASCII, &, accents, CJK and astral characters', () => {
		const alphabet = [
			'a',
			'Z',
			' ',
			'&',
			'-',
			'.',
			'/',
			',',
			'+',
			'ü',
			'é',
			'日',
			'語',
			'😀',
			'𝄞',
			'\u0001',
		];
		let seed = 12345;
		const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
		for (let round = 0; round < 2000; round++) {
			const length = Math.floor(random() * 12);
			const name = Array.from(
				{ length },
				() => alphabet[Math.floor(random() * alphabet.length)],
			).join('');
			const raw = encodeMutf7(name);
			expect(raw).toMatch(/^[\x20-\x7e]*$/);
			expect(decodeMutf7(raw)).toBe(name);
		}
	});

	it('encodes each run of non-ASCII characters as a single shifted sequence', () => {
		expect(encodeMutf7('üü')).toBe('&APwA,A-');
		expect(encodeMutf7('ü ü')).toBe('&APw- &APw-');
	});

	it('refuses to encode a lone surrogate', () => {
		expect(() => encodeMutf7('bad\ud83dname')).toThrow(/unpaired UTF-16 surrogate at offset 3/);
	});

	describe('rejects malformed names with the offset and the reason', () => {
		const bad: [string, RegExp][] = [
			['Entw&APw', /never ends with '-'/],
			['Entwürfe', /not printable US-ASCII.*UTF-8/],
			['&AP!-', /"!" is not a modified BASE64 character/],
			['&AP/-', /"\/" is not a modified BASE64 character/],
			['&APx-', /does not end on a whole UTF-16 character/],
			['&AA-', /does not end on a whole UTF-16 character/],
			['&AGE-', /printable ASCII "a" must not be BASE64-encoded/],
			['&ACY-', /printable ASCII "&" must not be BASE64-encoded/],
			['&2D0-', /unpaired UTF-16 surrogate/],
			['&3Cc-', /unpaired UTF-16 surrogate/],
		];
		it.each(bad)('%j', (raw, reason) => {
			let caught: unknown;
			try {
				decodeMutf7(raw);
			} catch (error) {
				caught = error;
			}
			expect(caught).toBeInstanceOf(Mutf7DecodeError);
			const error = caught as Mutf7DecodeError;
			expect(error.message).toMatch(reason);
			expect(error.message).toContain(JSON.stringify(raw));
			expect(error.rawName).toBe(raw);
			expect(error.position).toBeGreaterThanOrEqual(0);
			expect(error.position).toBeLessThanOrEqual(raw.length);
		});

		it('points at the offending character', () => {
			expect(tryDecodeMutf7('Entwürfe')).toMatchObject({ ok: false, error: { position: 4 } });
			expect(tryDecodeMutf7('ok&AP!-')).toMatchObject({ ok: false, error: { position: 5 } });
		});
	});

	it('tryDecodeMutf7 returns the name when it is valid', () => {
		expect(tryDecodeMutf7('Entw&APw-rfe')).toEqual({ ok: true, name: 'Entwürfe' });
	});

	describe('UTF8=ACCEPT servers', () => {
		it('send and receive names as raw UTF-8, with & as an ordinary character', () => {
			expect(encodeMailboxName('Receipts & Entwürfe 日本語', { utf8: true })).toBe(
				'Receipts & Entwürfe 日本語',
			);
			expect(decodeMailboxName('Receipts & Entwürfe', { utf8: true })).toBe('Receipts & Entwürfe');
			expect(decodeMailboxName('Entw&APw-rfe', { utf8: true })).toBe('Entw&APw-rfe');
		});

		it('classic servers get modified UTF-7', () => {
			expect(encodeMailboxName('Receipts & Entwürfe', { utf8: false })).toBe(
				'Receipts &- Entw&APw-rfe',
			);
			expect(decodeMailboxName('Entw&APw-rfe', { utf8: false })).toBe('Entwürfe');
		});
	});
});
