/**
 * The SQLite ledger store against the LedgerStore interface, one describe per part of it (intents and outcomes,
 * reading, flags, UIDVALIDITY changes, folder state, runs, mailbox locks, target bindings), each test on a fresh
 * store in a temp folder. One file because together they are the store's contract: a second store (PostgreSQL)
 * must pass the same cases; only the rollback case reaches into the SQLite file itself. The lease rules alone are
 * in mailboxLeases.test.ts, the schema and its migrations in sqliteSchema.test.ts, paths in openLedger.test.ts.
 */
import { DatabaseSync } from 'node:sqlite';

import {
	LedgerInputError,
	MailboxLeaseLostError,
	openLedger,
	type LedgerStore,
} from '../../../nodes/lib/ledger';
import {
	ACCOUNT,
	FOLDER,
	MIGRATION,
	UIDVALIDITY,
	intent,
	outcome,
	sha256Of,
	tempLedgerDir,
} from './ledgerFixtures';

const key = (uid: number, uidValidity = UIDVALIDITY) => ({
	migrationId: MIGRATION,
	sourceAccount: ACCOUNT,
	sourceFolder: FOLDER,
	uidValidity,
	uid,
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('SQLite ledger store', () => {
	let dir: ReturnType<typeof tempLedgerDir>;
	let ledger: LedgerStore;

	beforeEach(async () => {
		dir = tempLedgerDir();
		ledger = await openLedger({ kind: 'sqlite', path: dir.path() });
	});

	afterEach(async () => {
		await ledger.close();
		dir.remove();
	});

	describe('intents and outcomes', () => {
		it('records an intent as pending with one attempt and keeps it across reopening', async () => {
			await ledger.recordIntents([intent(1), intent(2)]);
			await ledger.close();
			ledger = await openLedger({ kind: 'sqlite', path: dir.path() });

			const item = await ledger.getItem(key(1));
			expect(item).toMatchObject({
				...intent(1),
				status: 'pending',
				attempts: 1,
				reason: null,
				targetUid: null,
				targetUidValidity: null,
			});
			expect(Date.parse(item!.createdAt)).not.toBeNaN();
			expect(await ledger.getItem(key(3))).toBeNull();
		});

		it('turns an intent into its outcome without counting another attempt', async () => {
			await ledger.recordIntents([intent(1)]);
			await ledger.recordOutcomes([outcome(1, 'copied')]);

			expect(await ledger.getItem(key(1))).toMatchObject({
				status: 'copied',
				attempts: 1,
				targetUidValidity: 42,
				targetUid: 5001,
				fingerprint: sha256Of(1),
			});
		});

		it('counts each new intent as an attempt and forgets the previous target uid', async () => {
			await ledger.recordIntents([intent(1)]);
			await ledger.recordOutcomes([outcome(1, 'failed', { reason: 'NO [OVERQUOTA] full' })]);
			await ledger.recordIntents([intent(1)]);

			expect(await ledger.getItem(key(1))).toMatchObject({
				status: 'pending',
				attempts: 2,
				reason: null,
				targetUid: null,
				fingerprint: sha256Of(1),
			});
		});

		it('keeps how an oversize item was handled until its next attempt', async () => {
			const skipped = { handling: 'skipped', limitBytes: 1_000_000, zipping: false } as const;
			await ledger.recordOutcomes([
				outcome(1, 'skipped', { oversize: skipped }),
				outcome(2, 'skipped', {
					oversize: { handling: 'skipped', limitBytes: null, zipping: true },
				}),
				outcome(3, 'copied', { oversize: { handling: 'zipped' } }),
				outcome(4, 'copied'),
			]);

			const items = await ledger.getFolderItems(MIGRATION, ACCOUNT, FOLDER, UIDVALIDITY);
			expect([1, 2, 3, 4].map((uid) => items.get(uid)?.oversize)).toEqual([
				skipped,
				{ handling: 'skipped', limitBytes: null, zipping: true },
				{ handling: 'zipped' },
				null,
			]);
			expect((await ledger.getItem(key(1)))?.oversize).toEqual(skipped);
			await ledger.recordIntents([intent(1)]);
			expect((await ledger.getItem(key(1)))?.oversize).toBeNull();
			await ledger.recordOutcomes([outcome(3, 'present')]);
			expect((await ledger.getItem(key(3)))?.oversize).toBeNull();
		});

		it('refuses an oversize record it could not read back', async () => {
			const bad = [
				{ handling: 'dropped' },
				{ handling: 'skipped', limitBytes: 0, zipping: true },
				{ handling: 'skipped', limitBytes: 10, zipping: 'yes' },
			];
			for (const oversize of bad) {
				await expect(
					ledger.recordOutcomes([outcome(1, 'skipped', { oversize } as never)]),
				).rejects.toThrow(LedgerInputError);
			}
			expect(await ledger.getItem(key(1))).toBeNull();
		});

		it('records outcomes without an intent; only failures count as attempts', async () => {
			await ledger.recordOutcomes([
				outcome(1, 'present'),
				outcome(2, 'skipped', { reason: 'oversize 31457280 bytes' }),
				outcome(3, 'failed', { reason: 'fetch failed' }),
			]);
			await ledger.recordOutcomes([outcome(3, 'failed', { reason: 'fetch failed again' })]);

			expect(await ledger.getItem(key(1))).toMatchObject({ status: 'present', attempts: 0 });
			expect(await ledger.getItem(key(2))).toMatchObject({
				status: 'skipped',
				reason: 'oversize 31457280 bytes',
				attempts: 0,
			});
			expect(await ledger.getItem(key(3))).toMatchObject({
				status: 'failed',
				reason: 'fetch failed again',
				attempts: 2,
			});
		});

		it('never replaces a known fingerprint with null', async () => {
			await ledger.recordOutcomes([outcome(1, 'copied')]);
			await ledger.recordOutcomes([outcome(1, 'present', { fingerprint: null })]);

			expect((await ledger.getItem(key(1)))?.fingerprint).toBe(sha256Of(1));
		});

		it('rejects a bad record before writing any of its batch', async () => {
			await expect(ledger.recordIntents([intent(1), intent(0)])).rejects.toThrow(LedgerInputError);
			await expect(
				ledger.recordOutcomes([
					outcome(1, 'copied'),
					{ ...outcome(2, 'copied'), status: 'pending' } as never,
				]),
			).rejects.toThrow(/recordIntents/);
			await expect(
				ledger.recordOutcomes([outcome(1, 'copied', { fingerprint: 'not-a-digest' })]),
			).rejects.toThrow(/fingerprint/);
			await expect(ledger.recordIntents([intent(1, { modseq: '12x' })])).rejects.toThrow(/modseq/);

			expect(await ledger.getItem(key(1))).toBeNull();
		});

		it('rolls back the whole batch when the database fails midway', async () => {
			const saboteur = new DatabaseSync(dir.path());
			saboteur.exec(`CREATE TRIGGER fail_on_uid_3 BEFORE INSERT ON items WHEN NEW.uid = 3
				BEGIN SELECT RAISE(ABORT, 'disk says no'); END`);
			saboteur.close();

			await expect(
				ledger.recordOutcomes([outcome(1, 'copied'), outcome(2, 'copied'), outcome(3, 'copied')]),
			).rejects.toThrow(/disk says no/);

			expect(await ledger.getItem(key(1))).toBeNull();
			expect(await ledger.getItem(key(2))).toBeNull();
			await ledger.recordOutcomes([outcome(1, 'copied')]);
			expect(await ledger.getItem(key(1))).not.toBeNull();
		});

		it('accepts empty batches', async () => {
			await ledger.recordIntents([]);
			await ledger.recordOutcomes([]);
			expect(await ledger.recordFlags([])).toBe(0);
		});
	});

	describe('reading', () => {
		it('reads a folder in pages: at most `limit` items from a UID on, lowest first', async () => {
			await ledger.recordOutcomes(
				[9, 3, 12, 5, 7]
					.map((uid) => outcome(uid, 'copied'))
					.concat(outcome(4, 'copied', { sourceFolder: 'Sent' })),
			);
			const page = async (from: number, limit: number) => [
				...(
					await ledger.getFolderItems(
						MIGRATION,
						ACCOUNT,
						FOLDER,
						UIDVALIDITY,
						{ from, to: 0xffffffff },
						limit,
					)
				).keys(),
			];
			expect(await page(0, 2)).toEqual([3, 5]);
			expect(await page(6, 2)).toEqual([7, 9]);
			expect(await page(10, 2)).toEqual([12]);
			await expect(page(0, 0)).rejects.toThrow('limit');
		});

		it('loads one folder under one UIDVALIDITY as a uid map', async () => {
			await ledger.recordOutcomes([
				outcome(1, 'copied'),
				outcome(2, 'skipped', { reason: 'oversize 31457280 bytes' }),
				outcome(3, 'copied', { uidValidity: UIDVALIDITY + 1 }),
				outcome(4, 'copied', { sourceFolder: 'Sent' }),
				outcome(5, 'copied', { sourceAccount: 'bob@imap.example.com:993' }),
				outcome(6, 'copied', { migrationId: 'other-migration' }),
			]);
			await ledger.recordIntents([intent(7, { messageId: null, modseq: null, flags: '' })]);

			const items = await ledger.getFolderItems(MIGRATION, ACCOUNT, FOLDER, UIDVALIDITY);

			expect([...items.keys()].sort((a, b) => a - b)).toEqual([1, 2, 7]);
			expect(items.get(1)).toEqual({
				status: 'copied',
				reason: null,
				messageId: '<m1@example.com>',
				size: 1001,
				internalDate: intent(1).internalDate,
				fingerprint: sha256Of(1),
				flags: '\\Seen',
				modseq: '101',
				targetUidValidity: 42,
				targetUid: 5001,
				oversize: null,
			});
			expect(items.get(2)).toMatchObject({ status: 'skipped', reason: 'oversize 31457280 bytes' });
			expect(items.get(7)).toMatchObject({
				status: 'pending',
				messageId: null,
				modseq: null,
				flags: '',
				targetUid: null,
			});
		});

		it('lists pending items of a mailbox across folders', async () => {
			await ledger.recordIntents([
				intent(1),
				intent(2, { sourceFolder: 'Sent' }),
				intent(3),
				intent(9, { sourceAccount: 'bob@imap.example.com:993' }),
			]);
			await ledger.recordOutcomes([outcome(3, 'copied')]);

			const pending = await ledger.getPending(MIGRATION, ACCOUNT);

			expect(pending.map((item) => [item.sourceFolder, item.uid])).toEqual([
				['INBOX', 1],
				['Sent', 2],
			]);
			expect(pending[0]).toMatchObject({ status: 'pending', messageId: '<m1@example.com>' });
		});

		it('counts by status for a mailbox or one folder, with zeros for absent statuses', async () => {
			await ledger.recordIntents([intent(1)]);
			await ledger.recordOutcomes([
				outcome(2, 'copied'),
				outcome(3, 'copied'),
				outcome(4, 'failed'),
				outcome(5, 'present', { sourceFolder: 'Sent' }),
			]);

			expect(await ledger.countsByStatus(MIGRATION, ACCOUNT)).toEqual({
				pending: 1,
				copied: 2,
				present: 1,
				skipped: 0,
				failed: 1,
			});
			expect(await ledger.countsByStatus(MIGRATION, ACCOUNT, 'Sent')).toEqual({
				pending: 0,
				copied: 0,
				present: 1,
				skipped: 0,
				failed: 0,
			});
		});

		it('lists failures with their reasons, by folder and with a limit', async () => {
			await ledger.recordOutcomes([
				outcome(3, 'failed', { reason: 'NO [TOOBIG] too big' }),
				outcome(1, 'failed', { reason: 'NO [OVERQUOTA] over quota' }),
				outcome(2, 'failed', { sourceFolder: 'Sent', reason: 'BAD parse error' }),
				outcome(4, 'copied'),
			]);

			const all = await ledger.listFailures(MIGRATION, ACCOUNT);
			expect(all.map((item) => `${item.sourceFolder}/${item.uid}: ${item.reason}`)).toEqual([
				'INBOX/1: NO [OVERQUOTA] over quota',
				'INBOX/3: NO [TOOBIG] too big',
				'Sent/2: BAD parse error',
			]);
			expect(
				(await ledger.listFailures(MIGRATION, ACCOUNT, { sourceFolder: 'Sent' })).map((i) => i.uid),
			).toEqual([2]);
			expect(
				(await ledger.listFailures(MIGRATION, ACCOUNT, { limit: 2 })).map((i) => i.uid),
			).toEqual([1, 3]);
			await expect(ledger.listFailures(MIGRATION, ACCOUNT, { limit: 0 })).rejects.toThrow(/limit/);
		});
	});

	describe('flags', () => {
		it('updates flags and modseq of known items only, leaving their status alone', async () => {
			await ledger.recordOutcomes([outcome(1, 'copied'), outcome(2, 'present')]);

			const matched = await ledger.recordFlags([
				{ ...key(1), flags: '\\Answered \\Seen', modseq: '900' },
				{ ...key(2), flags: '', modseq: null },
				{ ...key(99), flags: '\\Seen', modseq: '901' },
			]);

			expect(matched).toBe(2);
			expect(await ledger.getItem(key(1))).toMatchObject({
				status: 'copied',
				flags: '\\Answered \\Seen',
				modseq: '900',
			});
			expect(await ledger.getItem(key(2))).toMatchObject({
				status: 'present',
				flags: '',
				modseq: null,
			});
			expect(await ledger.getItem(key(99))).toBeNull();
		});
	});

	describe('UIDVALIDITY change', () => {
		const NEW_UIDVALIDITY = UIDVALIDITY + 100;

		it('moves re-matched items to the new UIDVALIDITY and keeps the rest as history', async () => {
			await ledger.recordOutcomes([
				outcome(1, 'copied'),
				outcome(2, 'copied'),
				outcome(3, 'skipped'),
				outcome(4, 'copied'),
			]);
			await ledger.recordOutcomes([outcome(7, 'present', { uidValidity: NEW_UIDVALIDITY })]);
			await ledger.setFolderState({
				migrationId: MIGRATION,
				sourceAccount: ACCOUNT,
				sourceFolder: FOLDER,
				uidValidity: UIDVALIDITY,
				uidNext: 5,
				highestModseq: '105',
				lastPassCompletedAt: '2025-01-01T00:00:00.000Z',
				targetFolder: FOLDER,
				counts: { copied: 3 },
			});

			const result = await ledger.rebindUidValidity(
				MIGRATION,
				ACCOUNT,
				FOLDER,
				UIDVALIDITY,
				NEW_UIDVALIDITY,
				[
					{ oldUid: 1, newUid: 11 },
					{ oldUid: 2, newUid: 1 },
					{ oldUid: 3, newUid: 7 },
					{ oldUid: 50, newUid: 51 },
				],
			);

			expect(result).toEqual({ rebound: 2, conflicts: 1, leftUnderOldUidValidity: 2 });
			const moved = await ledger.getFolderItems(MIGRATION, ACCOUNT, FOLDER, NEW_UIDVALIDITY);
			expect(moved.get(11)).toMatchObject({ messageId: '<m1@example.com>', targetUid: 5001 });
			expect(moved.get(1)).toMatchObject({ messageId: '<m2@example.com>', targetUid: 5002 });
			expect(moved.get(7)).toMatchObject({ status: 'present', messageId: '<m7@example.com>' });
			const old = await ledger.getFolderItems(MIGRATION, ACCOUNT, FOLDER, UIDVALIDITY);
			expect([...old.keys()].sort()).toEqual([3, 4]);
			expect(await ledger.getFolderState(MIGRATION, ACCOUNT, FOLDER)).toMatchObject({
				uidValidity: NEW_UIDVALIDITY,
				uidNext: null,
				highestModseq: null,
				lastPassCompletedAt: '2025-01-01T00:00:00.000Z',
			});
		});

		it('within one UIDVALIDITY moves items to new UIDs and leaves the folder state alone', async () => {
			await ledger.recordOutcomes([
				outcome(1, 'copied'),
				outcome(2, 'copied'),
				outcome(9, 'copied'),
			]);
			const state = {
				migrationId: MIGRATION,
				sourceAccount: ACCOUNT,
				sourceFolder: FOLDER,
				uidValidity: UIDVALIDITY,
				uidNext: 10,
				highestModseq: '105',
				lastPassCompletedAt: null,
				targetFolder: FOLDER,
				counts: {},
			};
			await ledger.setFolderState(state);

			const result = await ledger.rebindUidValidity(
				MIGRATION,
				ACCOUNT,
				FOLDER,
				UIDVALIDITY,
				UIDVALIDITY,
				[
					{ oldUid: 2, newUid: 12 },
					{ oldUid: 1, newUid: 9 },
				],
			);

			expect(result).toMatchObject({ rebound: 1, conflicts: 1 });
			const items = await ledger.getFolderItems(MIGRATION, ACCOUNT, FOLDER, UIDVALIDITY);
			expect([...items.keys()].sort((a, b) => a - b)).toEqual([1, 9, 12]);
			expect(items.get(12)).toMatchObject({ messageId: '<m2@example.com>', targetUid: 5002 });
			expect(await ledger.getFolderState(MIGRATION, ACCOUNT, FOLDER)).toMatchObject({
				uidNext: 10,
				highestModseq: '105',
			});
		});

		it('lists the UIDVALIDITY values a folder has records under and counts under one of them', async () => {
			await ledger.recordOutcomes([
				outcome(1, 'copied'),
				outcome(2, 'skipped'),
				outcome(1, 'copied', { uidValidity: NEW_UIDVALIDITY }),
				outcome(3, 'copied', { uidValidity: 7, sourceFolder: 'Sent' }),
			]);
			expect(await ledger.recordedUidValidities(MIGRATION, ACCOUNT, FOLDER)).toEqual([
				UIDVALIDITY,
				NEW_UIDVALIDITY,
			]);
			expect(await ledger.recordedUidValidities(MIGRATION, ACCOUNT, 'Drafts')).toEqual([]);
			expect(
				await ledger.countsByStatus(MIGRATION, ACCOUNT, FOLDER, NEW_UIDVALIDITY),
			).toMatchObject({ copied: 1, skipped: 0 });
			expect(await ledger.countsByStatus(MIGRATION, ACCOUNT, FOLDER)).toMatchObject({
				copied: 2,
				skipped: 1,
			});
		});
	});

	describe('folder state', () => {
		const state = {
			migrationId: MIGRATION,
			sourceAccount: ACCOUNT,
			sourceFolder: 'Archive/2024',
			uidValidity: 77,
			uidNext: 1201,
			highestModseq: '9007199254740993',
			lastPassCompletedAt: null,
			targetFolder: 'Archives/2024',
			counts: { copied: 1190, skipped: 10 },
		};

		it('stores, replaces and lists folder states', async () => {
			expect(await ledger.getFolderState(MIGRATION, ACCOUNT, 'Archive/2024')).toBeNull();

			await ledger.setFolderState(state);
			await ledger.setFolderState({ ...state, sourceFolder: 'INBOX', targetFolder: 'INBOX' });
			await ledger.setFolderState({
				...state,
				uidNext: 1300,
				lastPassCompletedAt: '2025-02-01T10:00:00.000Z',
			});

			const stored = await ledger.getFolderState(MIGRATION, ACCOUNT, 'Archive/2024');
			expect(stored).toMatchObject({
				...state,
				uidNext: 1300,
				lastPassCompletedAt: '2025-02-01T10:00:00.000Z',
			});
			expect(Date.parse(stored!.updatedAt)).not.toBeNaN();
			expect(
				(await ledger.listFolderStates(MIGRATION, ACCOUNT)).map((s) => s.sourceFolder),
			).toEqual(['Archive/2024', 'INBOX']);
			expect(await ledger.listFolderStates(MIGRATION, 'nobody@example.com')).toEqual([]);
		});
	});

	describe('runs', () => {
		it('starts, finishes and lists runs newest first', async () => {
			const first = await ledger.startRun({
				migrationId: MIGRATION,
				sourceAccount: ACCOUNT,
				mode: 'full',
				startedAt: '2025-01-01T00:00:00.000Z',
			});
			const second = await ledger.startRun({
				migrationId: MIGRATION,
				sourceAccount: ACCOUNT,
				mode: 'delta',
			});

			expect(first).toMatchObject({ status: 'running', finishedAt: null, summary: null });
			expect(first.runId).not.toBe(second.runId);
			const finished = await ledger.finishRun(first.runId, {
				status: 'completedWithErrors',
				summary: { counts: { copied: 10, failed: 1 }, seconds: 1.5 },
			});
			expect(finished).toMatchObject({
				runId: first.runId,
				mode: 'full',
				status: 'completedWithErrors',
				summary: { counts: { copied: 10, failed: 1 }, seconds: 1.5 },
			});
			expect(Date.parse(finished.finishedAt!)).not.toBeNaN();
			expect(await ledger.getRun(first.runId)).toEqual(finished);
			expect((await ledger.listRuns(MIGRATION, ACCOUNT)).map((run) => run.mode)).toEqual([
				'delta',
				'full',
			]);
			expect((await ledger.listRuns(MIGRATION, ACCOUNT, 1)).map((run) => run.mode)).toEqual([
				'delta',
			]);
		});

		it('keeps a given run id unique and refuses to finish an unknown run', async () => {
			await ledger.startRun({
				runId: 'exec-1',
				migrationId: MIGRATION,
				sourceAccount: ACCOUNT,
				mode: 'verify',
			});
			await expect(
				ledger.startRun({
					runId: 'exec-1',
					migrationId: MIGRATION,
					sourceAccount: ACCOUNT,
					mode: 'verify',
				}),
			).rejects.toThrow(/UNIQUE/);
			await expect(ledger.finishRun('exec-2', { status: 'failed', summary: null })).rejects.toThrow(
				/no run/,
			);
			expect(await ledger.getRun('exec-2')).toBeNull();
		});
	});

	describe('mailbox locks', () => {
		it('gives the mailbox to one owner until released', async () => {
			const first = await ledger.acquireMailboxLock(MIGRATION, ACCOUNT, 'worker-a', 60_000);
			const second = await ledger.acquireMailboxLock(MIGRATION, ACCOUNT, 'worker-b', 60_000);
			const otherMailbox = await ledger.acquireMailboxLock(
				MIGRATION,
				'bob@imap.example.com:993',
				'worker-b',
				60_000,
			);

			expect(first.acquired).toBe(true);
			expect(second).toEqual({
				acquired: false,
				heldBy: 'worker-a',
				expiresAt: first.acquired ? first.lease.expiresAt : '',
			});
			expect(otherMailbox.acquired).toBe(true);

			if (!first.acquired) throw new Error('unreachable');
			expect(await ledger.releaseMailboxLock(first.lease)).toBe(true);
			expect(await ledger.releaseMailboxLock(first.lease)).toBe(false);
			expect(
				(await ledger.acquireMailboxLock(MIGRATION, ACCOUNT, 'worker-b', 60_000)).acquired,
			).toBe(true);
		});

		it('lets another owner take an expired lease, after which the old lease is dead', async () => {
			const first = await ledger.acquireMailboxLock(MIGRATION, ACCOUNT, 'worker-a', 30);
			if (!first.acquired) throw new Error('first acquire failed');
			await sleep(60);

			const second = await ledger.acquireMailboxLock(MIGRATION, ACCOUNT, 'worker-b', 60_000);

			expect(second.acquired).toBe(true);
			expect(await ledger.renewMailboxLock(first.lease, 60_000)).toBeNull();
			expect(await ledger.releaseMailboxLock(first.lease)).toBe(false);
			expect(
				(await ledger.acquireMailboxLock(MIGRATION, ACCOUNT, 'worker-a', 60_000)).acquired,
			).toBe(false);
		});

		it('renews a lease, even a late one nobody took', async () => {
			const first = await ledger.acquireMailboxLock(MIGRATION, ACCOUNT, 'worker-a', 30);
			if (!first.acquired) throw new Error('first acquire failed');
			await sleep(60);

			const renewed = await ledger.renewMailboxLock(first.lease, 60_000);

			expect(renewed).not.toBeNull();
			expect(Date.parse(renewed!.expiresAt)).toBeGreaterThan(Date.now() + 50_000);
			expect((await ledger.acquireMailboxLock(MIGRATION, ACCOUNT, 'worker-b', 1000)).acquired).toBe(
				false,
			);
		});

		it('refuses an owner what it already holds: a second job under the same id must not share it', async () => {
			const first = await ledger.acquireMailboxLock(MIGRATION, ACCOUNT, 'exec-7/1', 60_000);
			const again = await ledger.acquireMailboxLock(MIGRATION, ACCOUNT, 'exec-7/1', 60_000);

			expect(first.acquired).toBe(true);
			expect(again).toMatchObject({ acquired: false, heldBy: 'exec-7/1' });
		});

		it('hands an unexpired lease over only to a caller naming its holder as the one replaced', async () => {
			const dead = await ledger.acquireMailboxLock(MIGRATION, ACCOUNT, 'gone', 60_000);
			const wrongName = await ledger.acquireMailboxLock(MIGRATION, ACCOUNT, 'new', 60_000, 'x');
			const taken = await ledger.acquireMailboxLock(MIGRATION, ACCOUNT, 'new', 60_000, 'gone');
			if (!dead.acquired || !taken.acquired) throw new Error('acquire failed');

			expect(wrongName.acquired).toBe(false);
			expect(taken.lease.owner).toBe('new');
			expect(await ledger.renewMailboxLock(dead.lease, 1000)).toBeNull();
		});

		it('writes intents under a lease only while it is the mailbox lock, in the same transaction', async () => {
			const held = await ledger.acquireMailboxLock(MIGRATION, ACCOUNT, 'worker-a', 60_000);
			if (!held.acquired) throw new Error('acquire failed');
			await ledger.recordIntents([intent(1)], held.lease);
			expect(await ledger.getItem(key(1))).toMatchObject({ status: 'pending' });

			await ledger.releaseMailboxLock(held.lease);
			const thief = await ledger.acquireMailboxLock(MIGRATION, ACCOUNT, 'worker-b', 60_000);
			expect(thief.acquired).toBe(true);
			const refused = ledger.recordIntents([intent(2)], held.lease);
			await expect(refused).rejects.toBeInstanceOf(MailboxLeaseLostError);
			await expect(refused).rejects.toMatchObject({ heldBy: 'worker-b' });
			expect(await ledger.getItem(key(2))).toBeNull();
		});

		it('refuses intents under a lease that ran out, even with nobody else holding the mailbox', async () => {
			const held = await ledger.acquireMailboxLock(MIGRATION, ACCOUNT, 'worker-a', 30);
			if (!held.acquired) throw new Error('acquire failed');
			await sleep(60);
			await expect(ledger.recordIntents([intent(1)], held.lease)).rejects.toMatchObject({
				heldBy: null,
			});
		});

		it('rejects a non-positive ttl', async () => {
			await expect(ledger.acquireMailboxLock(MIGRATION, ACCOUNT, 'worker-a', 0)).rejects.toThrow(
				/ttlMs/,
			);
		});
	});

	describe('target bindings', () => {
		const BOB = 'bob@new.example.com:993';
		const CAROL = 'carol@new.example.com:993';

		it('keeps the first target under the source name and gives each further target its own', async () => {
			expect(await ledger.bindMailboxTarget(MIGRATION, ACCOUNT, BOB)).toEqual({
				ledgerAccount: ACCOUNT,
				earlierTargets: [],
				bound: true,
			});
			expect(await ledger.bindMailboxTarget(MIGRATION, ACCOUNT, CAROL)).toEqual({
				ledgerAccount: `${ACCOUNT} -> ${CAROL}`,
				earlierTargets: [BOB],
				bound: true,
			});
			expect(await ledger.bindMailboxTarget(MIGRATION, ACCOUNT, BOB)).toEqual({
				ledgerAccount: ACCOUNT,
				earlierTargets: [CAROL],
				bound: false,
			});
			// Another migration name starts its own bindings.
			expect(await ledger.bindMailboxTarget('other', ACCOUNT, CAROL)).toMatchObject({
				ledgerAccount: ACCOUNT,
			});
		});

		it('only looks when asked to, binding nothing', async () => {
			await ledger.bindMailboxTarget(MIGRATION, ACCOUNT, BOB);
			const look = await ledger.bindMailboxTarget(MIGRATION, ACCOUNT, CAROL, true);
			expect(look).toEqual({
				ledgerAccount: `${ACCOUNT} -> ${CAROL}`,
				earlierTargets: [BOB],
				bound: false,
			});
			expect(await ledger.bindMailboxTarget(MIGRATION, ACCOUNT, CAROL)).toMatchObject({
				bound: true,
			});
		});
	});

	it('closes idempotently and refuses use afterwards', async () => {
		await ledger.close();
		await ledger.close();
		await expect(ledger.countsByStatus(MIGRATION, ACCOUNT)).rejects.toThrow('ledger was closed');
		await expect(ledger.recordIntents([intent(1)])).rejects.toThrow('ledger was closed');
		ledger = await openLedger({ kind: 'sqlite', path: dir.path() });
	});
});
