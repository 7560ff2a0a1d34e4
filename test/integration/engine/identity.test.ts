/**
 * What makes a source message the same as a target message, against real Dovecot: a target that rewrites what it is
 * given (the rewriting proxy in front of it, as Exchange-class servers do), a message that leaves a folder and comes
 * back under a new UID, and a source UIDVALIDITY change before a folder's first pass was complete.
 */
import type { DovecotServer } from '../../harness/dovecot';
import {
	appendMessages,
	imapClient,
	makeMessage,
	snapshotMailbox,
	type AppendInput,
} from '../../harness/imap-fixtures';
import { TestServices } from '../../harness/services';
import { rewriteAppends } from '../../harness/throttleRules';
import { startThrottlingProxy } from '../../harness/throttlingProxy';
import {
	comparable,
	endpointOf,
	migrate,
	PASSWORD,
	rebuildFolder,
	seedPair,
	tempLedgerPath,
} from './engineFixtures';

const REWRITE_HEADER = 'X-Rewritten-By-Target: yes\r\n';

const at = (day: number) => new Date(Date.UTC(2021, 2, day, 9, 15, 0));

function messages(count: number, tag: string, withoutId: number[] = []): AppendInput[] {
	return Array.from({ length: count }, (_, index) => ({
		raw: makeMessage({
			subject: `${tag} ${index}`,
			messageId: withoutId.includes(index) ? null : undefined,
			date: at(index + 1),
		}),
		flags: index % 2 ? ['\\Seen'] : [],
		internalDate: at(index + 1),
	}));
}

async function withClient<T>(
	server: DovecotServer,
	user: string,
	work: (client: Awaited<ReturnType<typeof imapClient>>) => Promise<T>,
): Promise<T> {
	const client = await imapClient(server, user, PASSWORD);
	try {
		return await work(client);
	} finally {
		await client.logout();
	}
}

const differencesOf = (report: Awaited<ReturnType<typeof migrate>>) =>
	(report.differences ?? []).map((difference) => [difference.folder, difference.kind]);

describe('message identity against real Dovecot', () => {
	const services = new TestServices();
	let source: DovecotServer;
	let target: DovecotServer;
	let rewritingPort: number;

	beforeAll(async () => {
		[source, target] = await Promise.all([
			services.dovecot({ name: 'source' }),
			services.dovecot({ name: 'target' }),
		]);
		const proxy = services.add(
			await startThrottlingProxy(target.port, [rewriteAppends(REWRITE_HEADER)]),
		);
		rewritingPort = proxy.port;
	}, 120_000);

	afterAll(async () => {
		await services.stopAll();
	});

	it('a target that rewrites messages: Migrate → Verify → Migrate copies nothing twice, Verify counts them rewritten', async () => {
		const corpus = { INBOX: messages(4, 'rewritten', [3]) };
		const pair = await seedPair(source, target, corpus);
		const rewriting = endpointOf(target, pair.targetUser, rewritingPort);
		const ledger = tempLedgerPath();
		const first = await migrate(pair.sourceEndpoint, rewriting, ledger);
		expect(first.counts.copied).toBe(4);
		const stored = (await snapshotMailbox(target, pair.targetUser, PASSWORD)).INBOX;
		const sourceSizes = (await snapshotMailbox(source, pair.sourceUser, PASSWORD)).INBOX.map(
			(message) => message.size,
		);
		// The target really holds other bytes than it was sent.
		expect(stored.map((message) => message.size)).toEqual(
			sourceSizes.map((size) => size + REWRITE_HEADER.length),
		);

		const verify = await migrate(pair.sourceEndpoint, rewriting, ledger, 'verify');
		expect(differencesOf(verify)).toEqual([]);
		expect(verify.status).toBe('completed');
		expect(verify.counts.alreadyPresent).toBe(4);
		expect(verify.counts.rewrittenByTarget).toBe(4);

		const again = await migrate(pair.sourceEndpoint, rewriting, ledger);
		expect(again.counts.copied).toBe(0);
		expect((await snapshotMailbox(target, pair.targetUser, PASSWORD)).INBOX).toHaveLength(4);
		const verifyAgain = await migrate(pair.sourceEndpoint, rewriting, ledger, 'verify');
		expect(differencesOf(verifyAgain)).toEqual([]);

		// A lost ledger: messages with a Message-ID are found by it and their date, whatever their size there. (The one
		// without cannot be told apart from another message of its date: its bytes are not the source's any more.)
		const fresh = await migrate(pair.sourceEndpoint, rewriting, tempLedgerPath());
		expect(fresh.counts.alreadyPresent).toBe(3);
	});

	it('a message moved out of a folder and back is not copied again; a real duplicate on the target is seen', async () => {
		const corpus = { INBOX: messages(5, 'returning', [4]) };
		const pair = await seedPair(source, target, corpus);
		const ledger = tempLedgerPath();
		await migrate(pair.sourceEndpoint, pair.targetEndpoint, ledger);
		// A user moves two messages (one without a Message-ID) out and back: same UIDVALIDITY, new UIDs.
		await withClient(source, pair.sourceUser, async (client) => {
			await client.mailboxCreate('Elsewhere');
			let lock = await client.getMailboxLock('INBOX');
			try {
				await client.messageMove({ subject: 'returning 1' }, 'Elsewhere');
				await client.messageMove({ subject: 'returning 4' }, 'Elsewhere');
			} finally {
				lock.release();
			}
			lock = await client.getMailboxLock('Elsewhere');
			try {
				await client.messageMove('1:*', 'INBOX');
			} finally {
				lock.release();
			}
		});
		const rerun = await migrate(pair.sourceEndpoint, pair.targetEndpoint, ledger);
		expect(rerun.counts.copied).toBe(0);
		const sourceInbox = comparable(await snapshotMailbox(source, pair.sourceUser, PASSWORD)).INBOX;
		const targetSnapshot = await snapshotMailbox(target, pair.targetUser, PASSWORD);
		expect(comparable(targetSnapshot).INBOX).toEqual(sourceInbox);
		const verify = await migrate(pair.sourceEndpoint, pair.targetEndpoint, ledger, 'verify');
		expect(differencesOf(verify)).toEqual([]);

		// Someone puts a second copy of a message in the target: Verify names it.
		await appendMessages(target, pair.targetUser, PASSWORD, 'INBOX', [corpus.INBOX[1]]);
		const seen = await migrate(pair.sourceEndpoint, pair.targetEndpoint, ledger, 'verify');
		expect(differencesOf(seen)).toEqual([['INBOX', 'extra']]);
	});

	it('a source UIDVALIDITY change before the first pass of a folder completed: re-linked, nothing copied twice', async () => {
		const corpus = { Projects: messages(8, 'rebuilt', [2, 5]) };
		const pair = await seedPair(source, target, corpus);
		const ledger = tempLedgerPath();
		// Stopped after three APPENDs, as a budget stops a nightly run: no pass over the folder completed.
		const stop = new AbortController();
		let appends = 0;
		const first = await migrate(pair.sourceEndpoint, pair.targetEndpoint, ledger, 'full', {
			signal: stop.signal,
			afterAppend: () => {
				if (++appends === 3) stop.abort();
			},
			tuning: { batchMessages: 1, pipelineDepth: 1 },
		});
		expect(first.counts.copied).toBe(3);
		expect(first.folders.find((folder) => folder.source === 'Projects')?.action).toBe('paused');

		// The server rebuilds the folder: same messages, new UIDVALIDITY.
		await rebuildFolder(source, pair.sourceUser, 'Projects', corpus.Projects);

		const rerun = await migrate(pair.sourceEndpoint, pair.targetEndpoint, ledger);
		expect(rerun.counts.copied).toBe(5);
		expect(rerun.counts.alreadyPresent).toBe(3);
		const sourceSnapshot = comparable(await snapshotMailbox(source, pair.sourceUser, PASSWORD));
		const targetSnapshot = comparable(await snapshotMailbox(target, pair.targetUser, PASSWORD));
		expect(targetSnapshot.Projects).toEqual(sourceSnapshot.Projects);
		const verify = await migrate(pair.sourceEndpoint, pair.targetEndpoint, ledger, 'verify');
		expect(differencesOf(verify)).toEqual([]);
	});
});
