/** ESEARCH answers UIDs as a sequence set; this is how one turns into UIDs (Dovecot's answers are in the integration tier). */
import { uidsOfSequenceSet } from '../../../nodes/lib/imap/commands/search';

describe('uidsOfSequenceSet', () => {
	it.each([
		['1:5', [1, 2, 3, 4, 5]],
		['7', [7]],
		['1:3,7,9:10', [1, 2, 3, 7, 9, 10]],
		['12:10', [10, 11, 12]],
	])('reads %s', (set, uids) => {
		expect(uidsOfSequenceSet(set)).toEqual(uids);
	});

	it('reads a million-UID range into numbers', () => {
		const uids = uidsOfSequenceSet('1:1000000');
		expect(uids).toHaveLength(1_000_000);
		expect(uids[999_999]).toBe(1_000_000);
	});
});
