import { sourceAccountOf } from '../../../nodes/lib/migration/stores/imap/imapSides';
import { ZIPPED_REASON_PREFIX } from '../../../nodes/lib/migration/folderCopy/oversizeRules';
import type { MailboxReport } from '../../../nodes/lib/migration/types';
import type { ImapEndpoint } from '../../../nodes/lib/imap/endpoint';
import { openLedger } from '../../../nodes/lib/ledger';
import type { FolderItemState } from '../../../nodes/lib/ledger/types';
import { ZIP_FILE_NAME, ZIPPED_HEADER } from '../../../nodes/lib/mime/zipAttachments';
import type { DovecotServer } from '../../harness/dovecot';
import {
	appendMessages,
	imapClient,
	makeMessage,
	snapshotMailbox,
	type AppendInput,
} from '../../harness/imap-fixtures';
import { TestServices } from '../../harness/services';
import {
	comparable,
	migrate,
	PASSWORD,
	seedPair,
	tempLedgerPath,
	type Snapshot,
} from './engineFixtures';
import {
	expectedZippedBytes,
	sha256,
	tooBigMessage,
	unzip,
	zipBytesOf,
	zippableMessage,
	type OversizeMessage,
} from './oversizeFixtures';

const LIMIT = 300_000;
const ARCHIVE = 'Projekte/2024';
const ZIPPABLE_FLAGS = ['$Important', '\\Flagged', '\\Seen'];
const ZIPPABLE_DATE = new Date('2025-03-05T08:41:00Z');

interface FetchedMessage {
	uid: number;
	raw: Buffer;
	flags: string[];
	internalDate: string;
}

/** Every message of one folder with its exact bytes. */
async function fetchFolder(
	server: DovecotServer,
	user: string,
	folder: string,
): Promise<FetchedMessage[]> {
	const client = await imapClient(server, user, PASSWORD);
	try {
		const opened = await client.mailboxOpen(folder, { readOnly: true });
		if (opened.exists === 0) return [];
		const fetched = await client.fetchAll(
			'1:*',
			{ uid: true, flags: true, internalDate: true, source: true },
			{ uid: false },
		);
		return fetched.map((message) => ({
			uid: message.uid,
			raw: message.source ?? Buffer.alloc(0),
			flags: [...(message.flags ?? [])].filter((flag) => flag !== '\\Recent').sort(),
			internalDate: new Date(message.internalDate as Date | string).toISOString(),
		}));
	} finally {
		await client.logout().catch(() => client.close());
	}
}

function withMessageId(messages: FetchedMessage[], messageId: string): FetchedMessage[] {
	return messages.filter((message) =>
		message.raw.toString('latin1').includes(`\r\nMessage-ID: ${messageId}\r\n`),
	);
}

/** The ledger record of the item with that Message-ID in a source folder. */
async function ledgerItem(
	ledgerPath: string,
	source: ImapEndpoint,
	folder: string,
	messageId: string,
): Promise<FolderItemState | undefined> {
	const ledger = await openLedger({ kind: 'sqlite', path: ledgerPath });
	try {
		const account = sourceAccountOf(source);
		const state = await ledger.getFolderState('test', account, folder);
		if (!state) throw new Error(`no folder state for ${folder}`);
		const items = await ledger.getFolderItems('test', account, folder, state.uidValidity);
		return [...items.values()].find((item) => item.messageId === messageId);
	} finally {
		await ledger.close();
	}
}

/** comparable() without the messages of the given SHA-256 hashes. */
function comparableWithout(snapshot: Snapshot, hashes: string[]): Record<string, string[]> {
	const result = comparable(snapshot);
	for (const folder of Object.keys(result)) {
		result[folder] = result[folder].filter((entry) => !hashes.includes(entry.split(' ')[0]));
	}
	return result;
}

describe('oversize messages against real Dovecot: zipped to fit, or skipped with a reason', () => {
	const services = new TestServices();
	let source: DovecotServer;
	let target: DovecotServer;
	let limitedTarget: DovecotServer;
	let silentlyLimitedTarget: DovecotServer;
	const zippable = zippableMessage();
	const tooBig = tooBigMessage(LIMIT);

	beforeAll(async () => {
		[source, target, limitedTarget, silentlyLimitedTarget] = await Promise.all([
			services.dovecot({ name: 'source' }),
			services.dovecot({ name: 'target' }),
			// Dovecot 2.3 never advertises APPENDLIMIT by itself (quota_max_mail_size only refuses the APPEND): the
			// capability is added by hand, with the quota rule enforcing the same limit.
			services.dovecot({
				name: 'limited',
				extraConf: `imap_capability = +APPENDLIMIT=${LIMIT}\nplugin {\n  quota_max_mail_size = ${LIMIT}\n}\n`,
			}),
			// What Dovecot does by default, like many servers: refuse by size, announce nothing.
			services.dovecot({
				name: 'silent',
				extraConf: `plugin {\n  quota_max_mail_size = ${LIMIT}\n}\n`,
			}),
		]);
	}, 120_000);

	afterAll(async () => {
		await services.stopAll();
	});

	function corpus(): Record<string, AppendInput[]> {
		const date = (day: number) => new Date(Date.UTC(2025, 2, day, 9, 0, 0));
		const ordinary = (subject: string, day: number, flags: string[] = []) => ({
			raw: makeMessage({ subject, date: date(day) }),
			flags,
			internalDate: date(day),
		});
		return {
			INBOX: [
				ordinary('first', 1, ['\\Seen']),
				{
					raw: makeMessage({
						subject: 'small attachment',
						date: date(2),
						attachments: [{ name: 'small.bin', bytes: Buffer.alloc(60_000, 3) }],
					}),
					flags: ['\\Answered'],
					internalDate: date(2),
				},
				{ raw: tooBig.raw, flags: ['\\Seen'], internalDate: date(3) },
				ordinary('after the big one', 4),
			],
			[ARCHIVE]: [
				ordinary('archived 1', 5, ['\\Seen']),
				{ raw: zippable.raw, flags: ZIPPABLE_FLAGS, internalDate: ZIPPABLE_DATE },
				ordinary('archived 2', 6, ['Work']),
				ordinary('archived 3', 7),
			],
		};
	}

	const seededPair = (to = target, messages = corpus()) => seedPair(source, to, messages, 'ov');

	/** The zipped copy: same folder, flags, internal date and Message-ID; byte for byte what it must be. */
	async function expectZippedCopy(
		server: DovecotServer,
		user: string,
		original: OversizeMessage,
	): Promise<FetchedMessage> {
		const copies = withMessageId(await fetchFolder(server, user, ARCHIVE), original.messageId);
		expect(copies).toHaveLength(1);
		const [copy] = copies;
		expect(copy.flags).toEqual(ZIPPABLE_FLAGS);
		expect(copy.internalDate).toBe(ZIPPABLE_DATE.toISOString());
		expect(copy.raw.length).toBeLessThanOrEqual(LIMIT);
		const text = copy.raw.toString('latin1');
		expect(text.startsWith(`${ZIPPED_HEADER}: 3 attachments (`)).toBe(true);
		expect(text.split(`filename="${ZIP_FILE_NAME}"`)).toHaveLength(2);
		for (const attachment of original.attachments) expect(text).not.toContain(attachment.name);
		const entries = await unzip(zipBytesOf(copy.raw));
		const summary = (list: { name: string; content: Buffer }[]) =>
			list.map((entry) => [entry.name, entry.content.length, sha256(entry.content)]).sort();
		expect(summary(entries)).toEqual(summary(original.attachments));
		// Headers, text part (with its one-line note), preamble and boundaries exactly as they were.
		expect(text).toContain('[3 attachments (');
		expect(copy.raw.equals(expectedZippedBytes(original, copy.raw))).toBe(true);
		return copy;
	}

	/** Everything but the two oversize messages (and the zipped copy) is byte-identical, with flags and dates. */
	async function expectRestIdentical(
		pair: { sourceUser: string; targetUser: string },
		to: DovecotServer,
		targetExtra: string[] = [],
	) {
		const sourceSnapshot = comparableWithout(
			await snapshotMailbox(source, pair.sourceUser, PASSWORD),
			[zippable.sha256, tooBig.sha256],
		);
		const targetSnapshot = comparableWithout(
			await snapshotMailbox(to, pair.targetUser, PASSWORD),
			targetExtra,
		);
		expect(targetSnapshot.INBOX).toEqual(sourceSnapshot.INBOX);
		expect(targetSnapshot[ARCHIVE]).toEqual(sourceSnapshot[ARCHIVE]);
		expect(targetSnapshot.INBOX).toHaveLength(3);
		expect(targetSnapshot[ARCHIVE]).toHaveLength(3);
	}

	async function expectTooBigSkipped(
		pair: { sourceUser: string; targetUser: string; sourceEndpoint: ImapEndpoint },
		to: DovecotServer,
		ledgerPath: string,
		why: RegExp,
	) {
		expect(
			withMessageId(await fetchFolder(to, pair.targetUser, 'INBOX'), tooBig.messageId),
		).toEqual([]);
		const item = await ledgerItem(ledgerPath, pair.sourceEndpoint, 'INBOX', tooBig.messageId);
		expect(item?.status).toBe('skipped');
		expect(item?.reason).toMatch(
			new RegExp(`^oversize ${tooBig.raw.length} bytes \\(target limit ${LIMIT}\\)`),
		);
		expect(item?.reason).toMatch(why);
	}

	function expectCounts(report: MailboxReport, copied: number, zipped: number, oversize: number) {
		expect({
			status: report.status,
			copied: report.counts.copied,
			zipped: report.counts.zipped,
			skipped: report.counts.skipped,
			skippedByReason: report.counts.skippedByReason,
			failed: report.counts.failed,
		}).toEqual({
			status: 'completed',
			copied,
			zipped,
			skipped: oversize,
			skippedByReason: { oversize },
			failed: 0,
		});
	}

	it('zips the attachments of a message over maxMessageBytes, skips one that cannot fit, copies the rest exactly', async () => {
		expect(zippable.raw.length).toBeGreaterThan(2 * LIMIT);
		const pair = await seededPair();
		const ledgerPath = tempLedgerPath();
		const report = await migrate(pair.sourceEndpoint, pair.targetEndpoint, ledgerPath, 'full', {
			oversize: { maxMessageBytes: LIMIT, zipAttachments: true },
		});
		expectCounts(report, 7, 1, 1);
		const copy = await expectZippedCopy(target, pair.targetUser, zippable);
		await expectRestIdentical(pair, target, [sha256(copy.raw)]);
		await expectTooBigSkipped(pair, target, ledgerPath, /still too big after zipping/);
		const zippedItem = await ledgerItem(
			ledgerPath,
			pair.sourceEndpoint,
			ARCHIVE,
			zippable.messageId,
		);
		expect(zippedItem?.status).toBe('copied');
		expect(zippedItem?.reason?.startsWith(ZIPPED_REASON_PREFIX)).toBe(true);
		expect(zippedItem?.targetUid).toBe(copy.uid);
	});

	it('reruns as a no-op, and Verify accepts the smaller zipped copy and lists the skipped one as skipped', async () => {
		const pair = await seededPair();
		const ledgerPath = tempLedgerPath();
		const oversize = { maxMessageBytes: LIMIT, zipAttachments: true };
		await migrate(pair.sourceEndpoint, pair.targetEndpoint, ledgerPath, 'full', { oversize });
		const rerun = await migrate(pair.sourceEndpoint, pair.targetEndpoint, ledgerPath, 'full', {
			oversize,
		});
		expect(rerun.counts.copied).toBe(0);
		expect(rerun.counts.zipped).toBe(0);
		expect(rerun.counts.skipped).toBe(1);
		expect(rerun.counts.skippedByReason).toEqual({ oversize: 1 });
		const copy = await expectZippedCopy(target, pair.targetUser, zippable);
		await expectRestIdentical(pair, target, [sha256(copy.raw)]);

		const verify = await migrate(pair.sourceEndpoint, pair.targetEndpoint, ledgerPath, 'verify', {
			oversize,
		});
		expect(verify.differences).toEqual([]);
		expect(verify.status).toBe('completed');
		expect(verify.counts.skippedByReason).toEqual({ oversize: 1 });
		const byFolder = Object.fromEntries(
			verify.folders.map((folder) => [
				folder.source,
				{ present: folder.alreadyPresent, skipped: folder.skipped, failed: folder.failed },
			]),
		);
		expect(byFolder.INBOX).toEqual({ present: 3, skipped: 1, failed: 0 });
		expect(byFolder[ARCHIVE]).toEqual({ present: 4, skipped: 0, failed: 0 });
		// Verify left the ledger as it was: nothing reopened for copying.
		const after = await migrate(pair.sourceEndpoint, pair.targetEndpoint, ledgerPath, 'full', {
			oversize,
		});
		expect(after.counts.copied).toBe(0);
		await expectZippedCopy(target, pair.targetUser, zippable);
	});

	it("applies the target's own APPENDLIMIT the same way, without maxMessageBytes", async () => {
		const pair = await seededPair(limitedTarget);
		const ledgerPath = tempLedgerPath();
		const report = await migrate(pair.sourceEndpoint, pair.targetEndpoint, ledgerPath);
		expectCounts(report, 7, 1, 1);
		const copy = await expectZippedCopy(limitedTarget, pair.targetUser, zippable);
		await expectRestIdentical(pair, limitedTarget, [sha256(copy.raw)]);
		await expectTooBigSkipped(pair, limitedTarget, ledgerPath, /still too big after zipping/);
		const verify = await migrate(pair.sourceEndpoint, pair.targetEndpoint, ledgerPath, 'verify');
		expect(verify.differences).toEqual([]);
	});

	it('zips a message the target refuses for its size without announcing a limit', async () => {
		const pair = await seededPair(silentlyLimitedTarget);
		const ledgerPath = tempLedgerPath();
		const report = await migrate(pair.sourceEndpoint, pair.targetEndpoint, ledgerPath);
		expectCounts(report, 7, 1, 1);
		expect(report.failedItems).toEqual([]);
		const copy = await expectZippedCopy(silentlyLimitedTarget, pair.targetUser, zippable);
		await expectRestIdentical(pair, silentlyLimitedTarget, [sha256(copy.raw)]);
		expect(
			withMessageId(
				await fetchFolder(silentlyLimitedTarget, pair.targetUser, 'INBOX'),
				tooBig.messageId,
			),
		).toEqual([]);
		const item = await ledgerItem(ledgerPath, pair.sourceEndpoint, 'INBOX', tooBig.messageId);
		expect(item?.status).toBe('skipped');
		expect(item?.reason).toMatch(
			new RegExp(`^oversize ${tooBig.raw.length} bytes \\(target limit not announced\\)`),
		);
		const rerun = await migrate(pair.sourceEndpoint, pair.targetEndpoint, ledgerPath);
		expect(rerun.counts.copied).toBe(0);
	});

	it('tries a message skipped as oversize again once the settings let it through, and only then', async () => {
		const pair = await seededPair();
		const ledgerPath = tempLedgerPath();
		const run = (oversize: { maxMessageBytes: number | null; zipAttachments: boolean }) =>
			migrate(pair.sourceEndpoint, pair.targetEndpoint, ledgerPath, 'full', { oversize });
		const zipOff = await run({ maxMessageBytes: LIMIT, zipAttachments: false });
		expect(zipOff.counts.skippedByReason).toEqual({ oversize: 2 });

		// Zipping turned on: the zippable one now arrives zipped; the other is still too big.
		const zipOn = await run({ maxMessageBytes: LIMIT, zipAttachments: true });
		expect({ copied: zipOn.counts.copied, zipped: zipOn.counts.zipped }).toEqual({
			copied: 1,
			zipped: 1,
		});
		expect(zipOn.counts.skippedByReason).toEqual({ oversize: 1 });
		await expectZippedCopy(target, pair.targetUser, zippable);
		await expectTooBigSkipped(pair, target, ledgerPath, /still too big after zipping/);

		// Same settings: nothing is fetched or tried again.
		const same = await run({ maxMessageBytes: LIMIT, zipAttachments: true });
		expect(same.counts.copied).toBe(0);
		expect(same.counts.skipped).toBe(1);

		// No limit any more: the big one goes as it is, byte for byte.
		const unlimited = await run({ maxMessageBytes: null, zipAttachments: true });
		expect({ copied: unlimited.counts.copied, skipped: unlimited.counts.skipped }).toEqual({
			copied: 1,
			skipped: 0,
		});
		const [arrived] = withMessageId(
			await fetchFolder(target, pair.targetUser, 'INBOX'),
			tooBig.messageId,
		);
		expect(sha256(arrived.raw)).toBe(sha256(tooBig.raw));
		const verify = await migrate(pair.sourceEndpoint, pair.targetEndpoint, ledgerPath, 'verify');
		expect(verify.differences).toEqual([]);
	});

	it('with zipAttachments off, skips every oversize message as oversize and copies the rest', async () => {
		const pair = await seededPair();
		const ledgerPath = tempLedgerPath();
		const report = await migrate(pair.sourceEndpoint, pair.targetEndpoint, ledgerPath, 'full', {
			oversize: { maxMessageBytes: LIMIT, zipAttachments: false },
		});
		expectCounts(report, 6, 0, 2);
		await expectRestIdentical(pair, target);
		await expectTooBigSkipped(pair, target, ledgerPath, /zipping attachments is off/);
		expect(
			withMessageId(await fetchFolder(target, pair.targetUser, ARCHIVE), zippable.messageId),
		).toEqual([]);
		const item = await ledgerItem(ledgerPath, pair.sourceEndpoint, ARCHIVE, zippable.messageId);
		expect(item?.status).toBe('skipped');
		expect(item?.reason).toMatch(
			new RegExp(`^oversize ${zippable.raw.length} bytes \\(target limit ${LIMIT}\\)`),
		);
	});

	it('after a crash between the zipped APPEND and its ledger record, the rerun keeps exactly one copy', async () => {
		const all = corpus();
		const zippableEntry = all[ARCHIVE][1];
		const pair = await seededPair(target, {
			INBOX: all.INBOX,
			[ARCHIVE]: all[ARCHIVE].filter((entry) => entry !== zippableEntry),
		});
		const ledgerPath = tempLedgerPath();
		const oversize = { maxMessageBytes: LIMIT, zipAttachments: true };
		await migrate(pair.sourceEndpoint, pair.targetEndpoint, ledgerPath, 'full', { oversize });
		// The oversize message arrives later, so the next run's only APPEND is the zipped copy.
		await appendMessages(source, pair.sourceUser, PASSWORD, ARCHIVE, [zippableEntry]);
		let appends = 0;
		const crashed = await migrate(pair.sourceEndpoint, pair.targetEndpoint, ledgerPath, 'full', {
			oversize,
			afterAppend: () => {
				appends++;
				throw new Error('simulated crash after APPEND');
			},
		});
		expect(appends).toBe(1);
		expect(crashed.status).not.toBe('completed');
		expect(
			(await ledgerItem(ledgerPath, pair.sourceEndpoint, ARCHIVE, zippable.messageId))?.status,
		).toBe('pending');
		await expectZippedCopy(target, pair.targetUser, zippable);

		const rerun = await migrate(pair.sourceEndpoint, pair.targetEndpoint, ledgerPath, 'full', {
			oversize,
		});
		expect(rerun.status).toBe('completed');
		expect(rerun.counts.copied).toBe(0);
		const copy = await expectZippedCopy(target, pair.targetUser, zippable);
		const item = await ledgerItem(ledgerPath, pair.sourceEndpoint, ARCHIVE, zippable.messageId);
		expect(item?.status).toBe('present');
		expect(item?.targetUid).toBe(copy.uid);
		expect(item?.reason?.startsWith(ZIPPED_REASON_PREFIX)).toBe(true);
		await expectRestIdentical(pair, target, [sha256(copy.raw)]);
		const verify = await migrate(pair.sourceEndpoint, pair.targetEndpoint, ledgerPath, 'verify', {
			oversize,
		});
		expect(verify.differences).toEqual([]);
	});

	it('a fresh ledger (lost, or another migration name) finds the zipped copy instead of appending it again', async () => {
		const pair = await seededPair();
		const oversize = { maxMessageBytes: LIMIT, zipAttachments: true };
		await migrate(pair.sourceEndpoint, pair.targetEndpoint, tempLedgerPath(), 'full', {
			oversize,
		});
		const fresh = await migrate(
			pair.sourceEndpoint,
			pair.targetEndpoint,
			tempLedgerPath(),
			'full',
			{
				oversize,
			},
		);
		expect(fresh.counts.copied).toBe(0);
		await expectZippedCopy(target, pair.targetUser, zippable);
	});
});
