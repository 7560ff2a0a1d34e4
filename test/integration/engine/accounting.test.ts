/**
 * Every source item accounted for, against a real Dovecot pair with the throttling proxy in between: a UID the
 * metadata FETCH leaves out, messages expunged between UID SEARCH and the FETCHes, a message the source will not
 * read out (tagged NO, BODY[] NIL), a keyword the target refuses, messages the target always refuses under an error
 * threshold, and Delta's flags for items found in the target or copied without UIDPLUS.
 */
import { RunGuard } from '../../../nodes/lib/limits/stopConditions';
import type { MailboxReport } from '../../../nodes/lib/migration/types';
import type { DovecotServer } from '../../harness/dovecot';
import {
	appendMessages,
	imapClient,
	makeMessage,
	snapshotMailbox,
} from '../../harness/imap-fixtures';
import { TestServices } from '../../harness/services';
import {
	holdBefore,
	refuse,
	replaceResponse,
	rewriteResponseLines,
	uidFetchOf,
	type ThrottleRule,
} from '../../harness/throttleRules';
import { startThrottlingProxy } from '../../harness/throttlingProxy';
import {
	comparable,
	endpointOf,
	migrate,
	PASSWORD,
	seedPair,
	tempLedgerPath,
} from './engineFixtures';

const day = (index: number, year = 2021) => new Date(Date.UTC(year, 0, 1 + index, 9, 0, 0));

/** `count` distinct messages; UIDs 1..count in a fresh folder. */
function messages(count: number, tag: string, options: { year?: (index: number) => number } = {}) {
	return Array.from({ length: count }, (_, index) => {
		const date = day(index, options.year?.(index));
		return {
			raw: makeMessage({
				subject: `${tag} ${index + 1}`,
				date,
				messageId: `<${tag}.${index + 1}@example.com>`,
			}),
			flags: index % 2 ? ['\\Seen'] : [],
			internalDate: date,
		};
	});
}

/** copied + present + skipped + failed + vanished = source items, for every folder row. */
function expectAccounted(report: MailboxReport): void {
	for (const folder of report.folders) {
		const accounted =
			folder.copied +
			folder.alreadyPresent +
			folder.skipped +
			folder.failed +
			(folder.vanished ?? 0);
		expect({ folder: folder.source, accounted }).toEqual({
			folder: folder.source,
			accounted: folder.sourceItems,
		});
	}
}

const describeRun = (report: MailboxReport) =>
	JSON.stringify({
		status: report.status,
		reason: report.reason,
		counts: report.counts,
		folders: report.folders,
	});

describe('every source item accounted for', () => {
	const services = new TestServices();
	let source: DovecotServer;
	let target: DovecotServer;

	beforeAll(async () => {
		[source, target] = await Promise.all([
			services.dovecot({ name: 'source' }),
			services.dovecot({ name: 'target' }),
		]);
	}, 120_000);

	afterAll(async () => {
		await services.stopAll();
	});

	const proxyOf = async (server: DovecotServer, rules: ThrottleRule[]) =>
		services.add(await startThrottlingProxy(server.port, rules));

	async function targetInbox(user: string) {
		return (await snapshotMailbox(target, user, PASSWORD)).INBOX ?? [];
	}

	async function expectExactCopy(sourceUser: string, targetUser: string): Promise<void> {
		expect(comparable(await snapshotMailbox(target, targetUser, PASSWORD))).toEqual(
			comparable(await snapshotMailbox(source, sourceUser, PASSWORD)),
		);
	}

	/** Expunges a source message by UID from another session, as a user's mail client would. */
	async function expungeFromSource(user: string, uid: number): Promise<void> {
		const client = await imapClient(source, user, PASSWORD);
		try {
			await client.mailboxOpen('INBOX');
			await client.messageDelete(String(uid), { uid: true });
		} finally {
			await client.logout();
		}
	}

	it('a UID listed by UID SEARCH that the metadata FETCH does not return keeps the folder from completing', async () => {
		const pair = await seedPair(source, target, { INBOX: messages(8, 'nofetch') });
		// The metadata FETCH (the one asking RFC822.SIZE) of UID 4 never answers for it.
		const proxy = await proxyOf(source, [
			replaceResponse({ match: /^\* \d+ FETCH \(UID 4 .*RFC822\.SIZE/ }),
		]);
		const ledger = tempLedgerPath();
		const first = await migrate(
			endpointOf(source, pair.sourceUser, proxy.port),
			pair.targetEndpoint,
			ledger,
		);
		expect(first.status).toBe('partial');
		expect(first.counts.copied).toBe(7);
		expect(first.failedItems.map((item) => item.uid)).toEqual([4]);
		expect(first.failedItems[0].reason).toMatch(/FETCH did not return/);
		expectAccounted(first);
		expect(await targetInbox(pair.targetUser)).toHaveLength(7);

		const second = await migrate(pair.sourceEndpoint, pair.targetEndpoint, ledger);
		expect(second.status).toBe('completed');
		expect(second.counts.copied).toBe(1);
		await expectExactCopy(pair.sourceUser, pair.targetUser);
	}, 60_000);

	it('FETCH answers spelled differently (BODY[]<0>, quoted header fields) are read, not dropped', async () => {
		const pair = await seedPair(source, target, { INBOX: messages(5, 'spelling') });
		const proxy = await proxyOf(source, [
			rewriteResponseLines((line) =>
				line
					.replace(/ BODY\[\] \{/, ' BODY[]<0> {')
					.replace('BODY[HEADER.FIELDS (MESSAGE-ID)]', 'BODY[HEADER.FIELDS ("Message-ID")]'),
			),
		]);
		const report = await migrate(
			endpointOf(source, pair.sourceUser, proxy.port),
			pair.targetEndpoint,
			tempLedgerPath(),
		);
		expect(report.status).toBe('completed');
		expect(report.counts.copied).toBe(5);
		expectAccounted(report);
		await expectExactCopy(pair.sourceUser, pair.targetUser);
	}, 60_000);

	it('messages expunged between UID SEARCH and the metadata FETCH, and before the body FETCH, are counted as vanished', async () => {
		const pair = await seedPair(source, target, { INBOX: messages(8, 'vanish') });
		const proxy = await proxyOf(source, [
			// Window 1 is UIDs 1:3 (windows of 3): UID 2 goes after the SEARCH, before its metadata is read.
			holdBefore({
				command: 'UID FETCH',
				when: uidFetchOf(2, 'RFC822.SIZE'),
				run: () => expungeFromSource(pair.sourceUser, 2),
			}),
			// UID 5 goes after its metadata was read, before its body is.
			holdBefore({
				command: 'UID FETCH',
				when: uidFetchOf(5, 'BODY.PEEK[]'),
				run: () => expungeFromSource(pair.sourceUser, 5),
			}),
		]);
		const report = await migrate(
			endpointOf(source, pair.sourceUser, proxy.port),
			pair.targetEndpoint,
			tempLedgerPath(),
		);
		expect(report.status).toBe('completed');
		const inbox = report.folders.find((folder) => folder.source === 'INBOX');
		expect(inbox).toMatchObject({ sourceItems: 8, copied: 6, vanished: 2, failed: 0 });
		expect(report.counts.vanished).toBe(2);
		expect(report.vanishedItems).toEqual([
			{ folder: 'INBOX', uid: 2, reason: expect.stringMatching(/expunged from the source/) },
			{ folder: 'INBOX', uid: 5, reason: expect.stringMatching(/expunged from the source/) },
		]);
		expectAccounted(report);
		await expectExactCopy(pair.sourceUser, pair.targetUser);
	}, 60_000);

	it('a source message whose FETCH is refused fails alone, with the server text; the rest of its folder is copied', async () => {
		const pair = await seedPair(source, target, {
			INBOX: messages(12, 'unread'),
			Archive: messages(3, 'unreadarch'),
		});
		const proxy = await proxyOf(source, [
			refuse({
				command: 'UID FETCH',
				when: uidFetchOf(5, 'BODY.PEEK[]'),
				code: null,
				text: 'Error: Corrupted index cache file for message 5',
			}),
		]);
		const report = await migrate(
			endpointOf(source, pair.sourceUser, proxy.port),
			pair.targetEndpoint,
			tempLedgerPath(),
			'full',
			{
				tuning: { batchMessages: 4 },
			},
		);
		expect(report.status).toBe('partial');
		expect(report.counts.copied).toBe(14);
		expect(report.failedItems).toEqual([
			expect.objectContaining({
				folder: 'INBOX',
				uid: 5,
				reason: 'Error: Corrupted index cache file for message 5',
			}),
		]);
		expectAccounted(report);
		const copiedSubjects = (await targetInbox(pair.targetUser)).length;
		expect(copiedSubjects).toBe(11);
		// Splitting the batch to find the bad message is bounded: a few FETCHes, not one per message of the folder.
		expect(proxy.counts.refused['UID FETCH']).toBeLessThanOrEqual(4);
	}, 60_000);

	it('BODY[] NIL is never appended as an empty message', async () => {
		const pair = await seedPair(source, target, { INBOX: messages(6, 'nil') });
		const proxy = await proxyOf(source, [
			replaceResponse({
				match: /^\* 4 FETCH \(UID 4 BODY\[\] /,
				replace: '* 4 FETCH (UID 4 BODY[] NIL)',
			}),
		]);
		const report = await migrate(
			endpointOf(source, pair.sourceUser, proxy.port),
			pair.targetEndpoint,
			tempLedgerPath(),
		);
		const inbox = await targetInbox(pair.targetUser);
		expect(inbox.filter((message) => message.size === 0)).toEqual([]);
		expect(inbox).toHaveLength(5);
		expect(report.status).toBe('partial');
		expect(report.failedItems).toEqual([
			expect.objectContaining({ uid: 4, reason: expect.stringMatching(/BODY\[\] NIL/) }),
		]);
		expectAccounted(report);
	}, 60_000);

	it('a keyword the target refuses is dropped and counted, and the message copied', async () => {
		const corpus = messages(4, 'kw');
		corpus[2].flags = ['\\Seen', 'Forbidden'];
		const pair = await seedPair(source, target, { INBOX: corpus });
		const proxy = await proxyOf(target, [
			refuse({
				command: 'APPEND',
				when: (line) => /[( ]Forbidden[) ]/.test(line),
				code: 'CANNOT',
				text: 'Keyword Forbidden not allowed here',
			}),
		]);
		const report = await migrate(
			pair.sourceEndpoint,
			endpointOf(target, pair.targetUser, proxy.port),
			tempLedgerPath(),
			'full',
			{
				tuning: { batchMessages: 1 },
			},
		);
		expect(report.status).toBe('completed');
		expect(report.counts).toMatchObject({ copied: 4, failed: 0 });
		expect(report.flagsNotKept).toEqual({ Forbidden: 1 });
		const inbox = await targetInbox(pair.targetUser);
		expect(inbox).toHaveLength(4);
		expect(inbox.map((message) => message.flags)).toContainEqual(['\\Seen']);
		expect(inbox.flatMap((message) => message.flags)).not.toContain('Forbidden');
	}, 60_000);

	it('messages the target always refuses do not hold back the rest under an error threshold; they end failed with attempts', async () => {
		// The first three (dated 1999) are refused by the target on every attempt.
		const pair = await seedPair(source, target, {
			INBOX: messages(20, 'perm', { year: (index) => (index < 3 ? 1999 : 2021) }),
		});
		const proxy = await proxyOf(target, [
			refuse({
				command: 'APPEND',
				when: (line) => line.includes('-1999 '),
				code: null,
				text: 'Rejected by policy',
			}),
		]);
		const ledger = tempLedgerPath();
		const run = async () => {
			const guard = new RunGuard({ timeZone: 'UTC', maxErrorsPerMailbox: 3 });
			try {
				return await migrate(
					pair.sourceEndpoint,
					endpointOf(target, pair.targetUser, proxy.port),
					ledger,
					'full',
					{
						tuning: { batchMessages: 1, pipelineDepth: 1 },
						controls: { sourceHost: 'source', targetHost: 'target', guard },
					},
				);
			} finally {
				guard.dispose();
			}
		};
		const reports: MailboxReport[] = [];
		for (let index = 0; index < 4; index++) reports.push(await run());
		const last = reports[3];
		expect({ run: 4, inbox: (await targetInbox(pair.targetUser)).length }).toEqual({
			run: 4,
			inbox: 17,
		});
		expect(reports[1].status).toBe('partial');
		expect(last.status).toBe('partial');
		expect(last.failedItems.map((item) => [item.uid, item.attempts])).toEqual([
			[1, 3],
			[2, 3],
			[3, 3],
		]);
		expect(last.failedItems[0].reason).toMatch(/Rejected by policy/);
		expectAccounted(last);
		// Three runs tried each of them; the fourth reported them without asking the target again.
		expect(proxy.counts.refused.APPEND).toBe(9);
	}, 120_000);

	it('Delta: items found already in the target get the source flags', async () => {
		const corpus = messages(4, 'found').map((message, index) => ({
			...message,
			flags: index === 1 ? ['\\Flagged', 'Work'] : ['\\Seen'],
		}));
		const pair = await seedPair(source, target, { INBOX: corpus });
		// The same messages, without flags, already in the target (an earlier tool, a lost ledger).
		await appendMessages(
			target,
			pair.targetUser,
			PASSWORD,
			'INBOX',
			corpus.map((message) => ({ ...message, flags: [] })),
		);
		const report = await migrate(
			pair.sourceEndpoint,
			pair.targetEndpoint,
			tempLedgerPath(),
			'delta',
		);
		expect(report.counts).toMatchObject({ copied: 0, alreadyPresent: 4 });
		expect(report.status).toBe('completed');
		await expectExactCopy(pair.sourceUser, pair.targetUser);
	}, 60_000);

	it('Delta: flag changes reach items copied to a target without UIDPLUS', async () => {
		const pair = await seedPair(source, target, { INBOX: messages(5, 'noplus') });
		const proxy = await proxyOf(target, [
			rewriteResponseLines((line) =>
				line.replace(/ UIDPLUS\b/g, '').replace(/\[APPENDUID [^\]]*\] /, ''),
			),
		]);
		const withoutUidplus = endpointOf(target, pair.targetUser, proxy.port);
		const ledger = tempLedgerPath();
		const full = await migrate(pair.sourceEndpoint, withoutUidplus, ledger);
		expect(full.counts.copied).toBe(5);
		const client = await imapClient(source, pair.sourceUser, PASSWORD);
		try {
			await client.mailboxOpen('INBOX');
			await client.messageFlagsAdd('3', ['\\Flagged', 'Later'], { uid: true });
			await client.messageFlagsRemove('2', ['\\Seen'], { uid: true });
		} finally {
			await client.logout();
		}
		const delta = await migrate(pair.sourceEndpoint, withoutUidplus, ledger, 'delta');
		expect(describeRun(delta)).toContain('"status":"completed"');
		expect(delta.counts.flagsUpdated).toBe(2);
		await expectExactCopy(pair.sourceUser, pair.targetUser);
	}, 60_000);
});
