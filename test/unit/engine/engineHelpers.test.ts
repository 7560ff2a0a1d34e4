import { FlagPolicy, flagsKey } from '../../../nodes/lib/migration/flagPolicy';
import { backoffDelayMs, suggestedBackoffMs } from '../../../nodes/lib/migration/backoff';
import {
	fingerprintOf,
	matchKey,
	messageIdFromHeader,
	parseImapDate,
} from '../../../nodes/lib/migration/messageIdentity';
import { KeyedBag } from '../../../nodes/lib/migration/multiset';

describe('messageIdFromHeader', () => {
	it('reads, unfolds and trims the Message-ID', () => {
		expect(messageIdFromHeader('Message-ID: <a@b>\r\n\r\n')).toBe('<a@b>');
		expect(messageIdFromHeader(Buffer.from('message-id:\r\n <folded@x>\r\n'))).toBe('<folded@x>');
	});

	it('returns null without a Message-ID or with an empty one', () => {
		expect(messageIdFromHeader('\r\n')).toBeNull();
		expect(messageIdFromHeader('Message-ID:   \r\n')).toBeNull();
		expect(messageIdFromHeader(null)).toBeNull();
	});

	it('keeps 8-bit and malformed values as they are', () => {
		expect(messageIdFromHeader(Buffer.from('Message-Id: not <valid\xff\r\n', 'latin1'))).toBe(
			'not <valid\xff',
		);
	});
});

describe('parseImapDate', () => {
	it('honours the zone offset', () => {
		expect(new Date(parseImapDate('17-Jul-1996 02:44:25 -0700')).toISOString()).toBe(
			'1996-07-17T09:44:25.000Z',
		);
		expect(new Date(parseImapDate(' 1-Jan-2020 00:00:00 +0130')).toISOString()).toBe(
			'2019-12-31T22:30:00.000Z',
		);
	});

	it('gives NaN for garbage', () => {
		expect(parseImapDate('32-Foo-2020 00:00:00 +0000')).toBeNaN();
	});
});

describe('matchKey', () => {
	const key = (messageId: string | null, size: number, date: string) =>
		matchKey({ messageId, size, internalDateMs: parseImapDate(date) });

	it('is the same for the same message in two zones, whatever size a server reports for it', () => {
		const a = key('<x>', 10, '17-Jul-1996 02:44:25 -0700');
		expect(key('<x>', 10, '17-Jul-1996 09:44:25 +0000')).toBe(a);
		expect(key('<x>', 11, '17-Jul-1996 09:44:25 +0000')).toBe(a);
		expect(key('<y>', 10, '17-Jul-1996 09:44:25 +0000')).not.toBe(a);
		expect(key('<x>', 10, '17-Jul-1996 09:44:26 +0000')).not.toBe(a);
	});

	it('takes the size for messages without a Message-ID, which are confirmed by their bytes', () => {
		const a = key(null, 10, '17-Jul-1996 09:44:25 +0000');
		expect(key(null, 10, '17-Jul-1996 09:44:25 +0000')).toBe(a);
		expect(key(null, 11, '17-Jul-1996 09:44:25 +0000')).not.toBe(a);
	});
});

describe('FlagPolicy', () => {
	it('keeps listed system flags and any keyword when \\* is permanent', () => {
		const policy = new FlagPolicy(['\\Seen', '\\Flagged', '\\*']);
		expect(policy.split(['\\Seen', '\\Draft', '$Forwarded', '\\Recent'])).toEqual({
			kept: ['\\Seen', '$Forwarded'],
			dropped: ['\\Draft'],
		});
	});

	it('drops keywords the folder cannot create', () => {
		const policy = new FlagPolicy(['\\Seen', 'Work']);
		expect(policy.split(['work', 'Private'])).toEqual({ kept: ['work'], dropped: ['Private'] });
	});

	it('keeps everything when the server names no permanent flags', () => {
		expect(new FlagPolicy([]).split(['\\Seen', 'x']).kept).toEqual(['\\Seen', 'x']);
	});

	it('compares flag lists regardless of order and case', () => {
		expect(flagsKey(['\\Seen', '$Forwarded'])).toBe(flagsKey(['$forwarded', '\\SEEN']));
	});
});

describe('KeyedBag', () => {
	it('hands each value out once, so duplicates match one to one', () => {
		const bag = new KeyedBag<number>();
		bag.add('k', 1);
		bag.add('k', 2);
		expect(bag.take('k')).toBe(1);
		expect(bag.take('k', (value) => value === 2)).toBe(2);
		expect(bag.take('k')).toBeUndefined();
		expect(bag.size).toBe(0);
	});
});

describe('fingerprintOf', () => {
	it('is the SHA-256 of the exact bytes', () => {
		expect(fingerprintOf(Buffer.from('abc'))).toBe(
			'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
		);
	});
});

describe('server back-off', () => {
	it("reads Exchange's suggested backoff time", () => {
		expect(suggestedBackoffMs('NO [THROTTLED] Suggested Backoff Time: 30000 milliseconds')).toBe(
			30_000,
		);
		expect(suggestedBackoffMs('NO [UNAVAILABLE] try later')).toBeNull();
	});

	it('without a hint grows, caps at a minute, and jitters within the upper half', () => {
		for (let attempt = 0; attempt < 10; attempt++) {
			const ceiling = Math.min(60_000, 1000 * 2 ** attempt);
			const delay = backoffDelayMs(attempt, null);
			expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
			expect(delay).toBeLessThanOrEqual(ceiling);
		}
	});

	it("waits at least the server's hint, at most a quarter more, also past the minute cap", () => {
		for (const hint of [50, 5000, 299_961]) {
			const delay = backoffDelayMs(3, hint);
			expect(delay).toBeGreaterThanOrEqual(hint);
			expect(delay).toBeLessThanOrEqual(hint * 1.25);
		}
		expect(backoffDelayMs(0, 3_600_000)).toBeLessThanOrEqual(12.5 * 60_000);
	});
});
