import {
	graphWarnings,
	type GraphMailboxSurvey,
} from '../../../nodes/lib/preflight/graphPreflight';
import type { MailboxSurvey } from '../../../nodes/lib/preflight/preflight';

const source = (largest: number | null) =>
	({
		largestMessage: largest === null ? null : { folder: 'INBOX', uid: 7, bytes: largest },
	}) as MailboxSurvey;

const target = (messages: number) =>
	({ kind: 'graph', totals: { folders: 6, messages } }) as GraphMailboxSurvey;

describe('graphWarnings', () => {
	it('warns of nothing for an empty target and messages within the 35 MB default', () => {
		expect(graphWarnings(source(35_000_000), target(0))).toEqual([]);
		expect(graphWarnings(source(null), target(0))).toEqual([]);
	});

	it('names a source message over the default limit and how to raise it', () => {
		expect(graphWarnings(source(35_000_001), target(0))).toEqual([
			expect.stringMatching(
				/^the largest source message \(35000001 bytes in INBOX\) exceeds .* 35000000 bytes: raise the mailbox's MaxReceiveSize \(up to 150 MB\)/,
			),
		]);
	});

	it('says messages already there are not matched unless this migration created them', () => {
		expect(graphWarnings(source(10), target(3))).toEqual([
			expect.stringMatching(
				/already holds 3 messages.*another tool copied there would be copied again/,
			),
		]);
	});
});
