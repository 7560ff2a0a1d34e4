import {
	expandUidSet,
	flagList,
	internalDateArg,
	parseInternalDate,
	stringArg,
	uidSetMatcher,
	uidSetOf,
} from '../../../nodes/lib/imap/commandEncoding';
import { ImapError } from '../../../nodes/lib/imap/imapErrors';
import { parseResponse, ResponseFramer } from '../../../nodes/lib/imap/responseParser';

/** What a server's parser would read back from an encoded string argument. */
function roundTrip(arg: string | Buffer): string {
	const framer = new ResponseFramer();
	const literal = Buffer.isBuffer(arg);
	framer.push(
		literal
			? Buffer.concat([Buffer.from(`* X {${arg.length}}\r\n`), arg, Buffer.from('\r\n')])
			: Buffer.from(`* X ${arg}\r\n`, 'utf8'),
	);
	const value = parseResponse(framer.next()!).values[0];
	return Buffer.isBuffer(value) ? value.toString('utf8') : (value as string);
}

describe('stringArg', () => {
	it('quotes plain names and escapes quotes and backslashes', () => {
		expect(stringArg('INBOX', false)).toBe('"INBOX"');
		expect(stringArg('Receipts & Invoices', false)).toBe('"Receipts & Invoices"');
		expect(stringArg('a"b\\c', false)).toBe('"a\\"b\\\\c"');
		expect(stringArg('', false)).toBe('""');
	});

	it('sends a literal for CR, LF, NUL, 8-bit text (unless UTF8=ACCEPT) and very long values', () => {
		expect(Buffer.isBuffer(stringArg('pass\r\nword', false))).toBe(true);
		expect(Buffer.isBuffer(stringArg('nul\0', false))).toBe(true);
		expect(Buffer.isBuffer(stringArg('p\u00e4ss', false))).toBe(true);
		expect(stringArg('p\u00e4ss', true)).toBe('"p\u00e4ss"');
		expect(Buffer.isBuffer(stringArg('x'.repeat(1001), false))).toBe(true);
	});

	it('round-trips any value through the response parser', () => {
		for (const value of [
			'',
			'INBOX',
			'Entw&APw-rfe',
			'a"b\\c',
			' spaced ',
			'p\u00e4\u00df\u20ac',
			'x\r\ny',
			'*%',
		]) {
			expect(roundTrip(stringArg(value, false))).toBe(value);
			expect(roundTrip(stringArg(value, true))).toBe(value);
		}
	});
});

describe('flagList', () => {
	it('drops \\Recent and duplicates, keeps system flags and keywords', () => {
		expect(flagList(['\\Seen', '\\Recent', '$Forwarded', 'Work', '\\Seen'])).toBe(
			'(\\Seen $Forwarded Work)',
		);
		expect(flagList([])).toBe('()');
	});

	it('refuses what is not a flag atom', () => {
		for (const bad of ['two words', 'paren)', '"q"', 'br]acket', 'k\u00e4se', '', 'star*']) {
			expect(() => flagList([bad])).toThrow(ImapError);
		}
	});
});

describe('INTERNALDATE', () => {
	it('keeps the zone offset of a server string and pads the day', () => {
		expect(internalDateArg('17-Jul-1996 02:44:25 -0700')).toBe('"17-Jul-1996 02:44:25 -0700"');
		expect(internalDateArg(' 1-jan-2020 23:59:59 +0530')).toBe('"01-Jan-2020 23:59:59 +0530"');
		expect(internalDateArg('1-Feb-2021 00:00:00 +0000')).toBe('"01-Feb-2021 00:00:00 +0000"');
	});

	it('writes a Date in UTC', () => {
		expect(internalDateArg(new Date(Date.UTC(2019, 11, 31, 22, 5, 9)))).toBe(
			'"31-Dec-2019 22:05:09 +0000"',
		);
	});

	it('refuses what is not a date-time', () => {
		expect(() => internalDateArg('2020-01-01T00:00:00Z')).toThrow(ImapError);
		expect(() => internalDateArg('17-Foo-1996 02:44:25 -0700')).toThrow(ImapError);
		expect(() => internalDateArg(new Date(Number.NaN))).toThrow(ImapError);
	});

	it('parses the instant with its offset', () => {
		expect(parseInternalDate('17-Jul-1996 02:44:25 -0700')?.toISOString()).toBe(
			'1996-07-17T09:44:25.000Z',
		);
		expect(parseInternalDate(' 1-Jan-2020 05:30:00 +0530')?.toISOString()).toBe(
			'2020-01-01T00:00:00.000Z',
		);
		expect(parseInternalDate('garbage')).toBeUndefined();
		const now = new Date(Math.floor(Date.now() / 1000) * 1000);
		expect(parseInternalDate(internalDateArg(now).slice(1, -1))?.getTime()).toBe(now.getTime());
	});
});

describe('UID sets', () => {
	it('expands APPENDUID sets in the order written', () => {
		expect(expandUidSet('7')).toEqual([7]);
		expect(expandUidSet('4:6,9')).toEqual([4, 5, 6, 9]);
		expect(expandUidSet('6:4')).toEqual([6, 5, 4]);
		expect(() => expandUidSet('1:*')).toThrow(ImapError);
		expect(() => expandUidSet('1,,2')).toThrow(ImapError);
	});

	it('compresses UID lists', () => {
		expect(uidSetOf([7, 1, 2, 3, 9, 10, 3])).toBe('1:3,7,9:10');
		expect(uidSetOf([])).toBe('');
		expect(expandUidSet(uidSetOf([5, 6, 8]))).toEqual([5, 6, 8]);
	});

	it('tests membership with open ranges', () => {
		const inSet = uidSetMatcher('1:3,10:*,7');
		expect([0, 1, 3, 4, 7, 9, 10, 99999].map(inSet)).toEqual([
			false,
			true,
			true,
			false,
			true,
			false,
			true,
			true,
		]);
		expect(uidSetMatcher('5:2')(3)).toBe(true);
		expect(() => uidSetMatcher('1:3\r\nA1 LOGOUT')).toThrow(ImapError);
	});
});
