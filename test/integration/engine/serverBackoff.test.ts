/**
 * Servers that say "not now": the throttling proxy in front of a real Dovecot refuses APPENDs with [THROTTLED] or
 * [UNAVAILABLE] (with Exchange's "Suggested Backoff Time" hint), sheds a connection with BYE [UNAVAILABLE], turns a
 * login away, or never lets anything through. The engine must pause and retry, reconnect, give up after a bounded
 * number of attempts, and in every case leave the target an exact copy (or the items failed and retried next run).
 * One case puts an Exchange-like budget in front of the target (test/harness/exchangeThrottling.ts).
 */
import type { DovecotServer } from '../../harness/dovecot';
import { appendMessages, snapshotMailbox } from '../../harness/imap-fixtures';
import { TestServices } from '../../harness/services';
import { exchangeThrottling } from '../../harness/exchangeThrottling';
import { byeAfter, refuse, refuseLogin, type ThrottleRule } from '../../harness/throttleRules';
import { startThrottlingProxy, type ThrottlingProxy } from '../../harness/throttlingProxy';
import type { CopyTuning, MailboxReport } from '../../../nodes/lib/migration/types';
import {
	comparable,
	endpointOf,
	migrate,
	PASSWORD,
	tempLedgerPath,
	THROTTLE_FOLDERS as FOLDERS,
	throttleCorpus,
	totalMessages,
	uniqueUser,
} from './engineFixtures';

const MESSAGES = 300;
/** Batches of 10 in windows of 100: about 30 MULTIAPPENDs, so "every nth APPEND" hits several batches. */
const TUNING = { batchMessages: 10, windowMessages: 100 };

describe('server back-off: THROTTLED, UNAVAILABLE, BYE and refused logins', () => {
	const services = new TestServices();
	let source: DovecotServer;
	let target: DovecotServer;
	/** One source mailbox for every case (it is only read); each case writes to a fresh target user. */
	let sourceUser: string;

	beforeAll(async () => {
		[source, target] = await Promise.all([
			services.dovecot({ name: 'source' }),
			services.dovecot({ name: 'target' }),
		]);
		sourceUser = uniqueUser('bosrc');
		await source.addUser(sourceUser, PASSWORD);
		for (const [folder, messages] of Object.entries(throttleCorpus(MESSAGES, 'bo'))) {
			await appendMessages(source, sourceUser, PASSWORD, folder, messages);
		}
	}, 120_000);

	afterAll(async () => {
		await services.stopAll();
	});

	async function proxyFor(server: DovecotServer, rules: ThrottleRule[]): Promise<ThrottlingProxy> {
		return services.add(await startThrottlingProxy(server.port, rules));
	}

	async function freshTarget(): Promise<string> {
		const user = uniqueUser('bodst');
		await target.addUser(user, PASSWORD);
		return user;
	}

	/** Every source folder equal as a multiset of (bytes, flags, date), and nothing else in the target. */
	async function expectExactCopy(targetUser: string): Promise<void> {
		const sourceSnapshot = comparable(await snapshotMailbox(source, sourceUser, PASSWORD));
		const targetSnapshot = comparable(await snapshotMailbox(target, targetUser, PASSWORD));
		for (const [folder, messages] of Object.entries(sourceSnapshot)) {
			expect({ folder, messages: targetSnapshot[folder] }).toEqual({ folder, messages });
		}
		expect(totalMessages(targetSnapshot)).toBe(totalMessages(sourceSnapshot));
	}

	/** A second run, straight to the target, finds everything there and copies nothing. */
	async function expectIdleRerun(targetUser: string, ledger: string): Promise<void> {
		const rerun = await migrate(
			endpointOf(source, sourceUser),
			endpointOf(target, targetUser),
			ledger,
			'full',
			{ tuning: TUNING },
		);
		expect(rerun.status).toBe('completed');
		expect(rerun.counts.copied).toBe(0);
		await expectExactCopy(targetUser);
	}

	const describeRun = (report: MailboxReport, proxy: ThrottlingProxy) =>
		JSON.stringify({
			status: report.status,
			reason: report.reason,
			counts: report.counts,
			serverBackoffs: report.serverBackoffs,
			reconnects: report.reconnects,
			seconds: report.seconds,
			failed: report.failedItems.slice(0, 3),
			proxy: { ...proxy.counts, log: proxy.counts.log.length },
		});

	/** Migrates through a proxy in front of the target; the report, with what the proxy did, for failing asserts. */
	async function migrateThroughTarget(rules: ThrottleRule[], tuning: Partial<CopyTuning> = {}) {
		const targetUser = await freshTarget();
		const proxy = await proxyFor(target, rules);
		const ledger = tempLedgerPath();
		const report = await migrate(
			endpointOf(source, sourceUser),
			endpointOf(target, targetUser, proxy.port),
			ledger,
			'full',
			// Every failed item listed, so a test can check each one.
			{ tuning: { ...TUNING, ...tuning }, maxFailedItemsReported: 10_000 },
		);
		return { targetUser, proxy, ledger, report, summary: describeRun(report, proxy) };
	}

	it('pauses and retries APPENDs refused with [THROTTLED] and ends with an exact copy', async () => {
		const run = await migrateThroughTarget([
			refuse({
				command: 'APPEND',
				every: 4,
				times: 6,
				code: 'THROTTLED',
				text: 'Suggested Backoff Time: 200 milliseconds',
			}),
		]);
		expect({ status: run.report.status, summary: run.summary }).toMatchObject({
			status: 'completed',
		});
		expect(run.proxy.counts.refused.APPEND).toBe(6);
		expect(run.report.serverBackoffs).toBeGreaterThan(0);
		expect(run.report.counts.failed).toBe(0);
		expect(run.report.counts.copied).toBe(MESSAGES + 2);
		await expectExactCopy(run.targetUser);
		await expectIdleRerun(run.targetUser, run.ledger);
	}, 60_000);

	it('honours [UNAVAILABLE] with a Suggested Backoff Time hint and ends with an exact copy', async () => {
		// One batch at a time on one connection, so the proxy sees the engine's pause as a gap between APPENDs.
		const run = await migrateThroughTarget(
			[
				// Three refusals in a row: within the four retries a batch gets.
				refuse({
					command: 'APPEND',
					times: 3,
					code: 'UNAVAILABLE',
					text: 'Suggested Backoff Time: 150 milliseconds',
				}),
			],
			{ connections: 1, pipelineDepth: 1 },
		);
		expect({ status: run.report.status, summary: run.summary }).toMatchObject({
			status: 'completed',
		});
		expect(run.proxy.counts.refused.APPEND).toBe(3);
		expect(run.report.serverBackoffs).toBeGreaterThan(0);
		// The pause followed the hint (75-150 ms), not the 0.5-1 s first step of the ladder used without one: measured
		// from each refused APPEND to the retry after it (other gaps hold fetches and folder changes, not the pause).
		const appends = run.proxy.counts.log.filter((entry) => entry.command === 'APPEND');
		const retryGaps = appends.flatMap((entry, index) =>
			entry.action === 'refuse' && index + 1 < appends.length
				? [appends[index + 1].at - entry.at]
				: [],
		);
		expect(retryGaps).toHaveLength(3);
		expect(Math.min(...retryGaps)).toBeGreaterThanOrEqual(70);
		expect(Math.max(...retryGaps)).toBeLessThan(480);
		await expectExactCopy(run.targetUser);
		await expectIdleRerun(run.targetUser, run.ledger);
	}, 60_000);

	it('reconnects after BYE [UNAVAILABLE] mid-copy and ends with an exact copy, nothing twice', async () => {
		const run = await migrateThroughTarget([
			byeAfter({
				command: 'APPEND',
				count: 12,
				code: 'UNAVAILABLE',
				text: 'Suggested Backoff Time: 200 milliseconds',
			}),
		]);
		expect({ status: run.report.status, summary: run.summary }).toMatchObject({
			status: 'completed',
		});
		expect(run.proxy.counts.byes).toBe(1);
		expect(run.report.reconnects).toBeGreaterThanOrEqual(1);
		// The first connections, then at least one more after the BYE.
		expect(run.proxy.counts.connections).toBeGreaterThan(1);
		await expectExactCopy(run.targetUser);
		await expectIdleRerun(run.targetUser, run.ledger);
	}, 60_000);

	it('counts each BYE [UNAVAILABLE] as a server back-off, also one arriving while APPENDs are being written', async () => {
		const bye = (count: number, abrupt: boolean) =>
			byeAfter({
				command: 'APPEND',
				count,
				code: 'UNAVAILABLE',
				text: 'Suggested Backoff Time: 200 milliseconds',
				abrupt,
			});
		const run = await migrateThroughTarget([bye(6, false), bye(16, true)]);
		expect({ status: run.report.status, summary: run.summary }).toMatchObject({
			status: 'completed',
		});
		expect(run.proxy.counts.byes).toBe(2);
		expect(run.report.reconnects).toBeGreaterThanOrEqual(2);
		await expectExactCopy(run.targetUser);
		// The server said "not now" twice (serverBackoffs counts BYE [UNAVAILABLE]). The orderly BYE is always read; the
		// abrupt one races our writes, and when the reset wins, its BYE line is lost with the socket: then it counts as
		// a plain reconnect.
		expect(run.report.serverBackoffs).toBeGreaterThanOrEqual(1);
		expect(run.report.serverBackoffs).toBeLessThanOrEqual(2);
	}, 60_000);

	it('copies exactly once through an Exchange-like budget: code-less Suggested Backoff Time, BYE after refusals in a row', async () => {
		// 20 msgs/s with a burst of 10 is far below what the engine does unthrottled on any machine (hundreds per
		// second on loopback), and each batch of 50 APPENDs goes out in one go (no MULTIAPPEND: 50 commands): the budget
		// runs out within every batch and the refusals come faster than it refills (one message per 50 ms).
		const exchange = exchangeThrottling({
			messagesPerSecond: 20,
			burstSeconds: 0.5,
			throttledInARow: 3,
		});
		const run = await migrateThroughTarget(exchange.rules, { batchMessages: 50 });
		const summary = `${run.summary} ${JSON.stringify({ ...exchange.counts, hintsMs: undefined })}`;
		// The summary rides along on both sides, so a failure shows what the engine and the proxy did.
		expect({ status: run.report.status, failed: run.report.counts.failed, summary }).toEqual({
			status: 'completed',
			failed: 0,
			summary,
		});
		// Copied, or (an APPEND a BYE cut off before its answer) found in the target on resuming: each exactly once.
		const items = MESSAGES + 2;
		expect(run.report.counts.copied + run.report.counts.alreadyPresent).toBe(items);
		await expectExactCopy(run.targetUser);
		// The server really throttled and shed sessions, and the engine saw it as the server's back-off.
		expect(exchange.counts.throttled).toBeGreaterThan(0);
		expect(exchange.counts.disconnects).toBeGreaterThan(0);
		expect(run.proxy.counts.byes).toBe(exchange.counts.disconnects);
		expect(run.report.reconnects).toBeGreaterThan(0);
		expect(run.report.serverBackoffs).toBeGreaterThan(0);
		// Each message passed the budget at least once.
		expect(exchange.counts.admitted).toBeGreaterThanOrEqual(items);
		await expectIdleRerun(run.targetUser, run.ledger);
	}, 120_000);

	it('retries a source login refused with NO [UNAVAILABLE] after a pause and finishes', async () => {
		const targetUser = await freshTarget();
		const proxy = await proxyFor(source, [refuseLogin({ code: 'UNAVAILABLE', times: 1 })]);
		const ledger = tempLedgerPath();
		const report = await migrate(
			endpointOf(source, sourceUser, proxy.port),
			endpointOf(target, targetUser),
			ledger,
			'full',
			{ tuning: TUNING },
		);
		const summary = describeRun(report, proxy);
		expect({ status: report.status, summary }).toMatchObject({ status: 'completed' });
		const logins = proxy.counts.log.filter(
			(entry) => entry.command === 'AUTHENTICATE' || entry.command === 'LOGIN',
		);
		expect(logins[0].action).toBe('refuse');
		expect(logins.slice(1).every((entry) => entry.action === 'forward')).toBe(true);
		// Without a hint the first pause is 0.5 to 1 s (backoffDelayMs): not a tight retry.
		expect(logins[1].at - logins[0].at).toBeGreaterThanOrEqual(400);
		expect(report.serverBackoffs).toBeGreaterThanOrEqual(1);
		await expectExactCopy(targetUser);
	}, 60_000);

	it('gives up on a target that refuses every APPEND: items failed with THROTTLED, bounded attempts, no busy loop', async () => {
		const started = Date.now();
		const run = await migrateThroughTarget([
			refuse({
				command: 'APPEND',
				code: 'THROTTLED',
				text: 'Suggested Backoff Time: 300 milliseconds',
			}),
		]);
		const elapsedMs = Date.now() - started;
		expect({ status: run.report.status, summary: run.summary }).toMatchObject({
			status: 'partial',
		});
		const items = MESSAGES + 2;
		expect(run.report.counts.copied).toBe(0);
		expect(run.report.counts.failed).toBe(items);
		expect(run.report.failedItems).toHaveLength(items);
		expect(run.report.failedItems.every((item) => item.code === 'THROTTLED')).toBe(true);
		expect(run.proxy.counts.forwarded.APPEND ?? 0).toBe(0);
		// A refused batch is retried as a batch (never split into more commands), first try plus four retries.
		const attempts = run.proxy.counts.refused.APPEND;
		const batches = Math.ceil(items / TUNING.batchMessages) + FOLDERS.length;
		expect(attempts).toBeLessThanOrEqual(5 * batches);
		expect(run.report.serverBackoffs).toBeGreaterThan(0);
		// Paused between attempts (4 retries × at least half the 300 ms hint), and not for long either.
		expect(elapsedMs).toBeGreaterThanOrEqual(4 * 150);
		expect(elapsedMs).toBeLessThan(30_000);
		expect(totalMessages(await snapshotMailbox(target, run.targetUser, PASSWORD))).toBe(0);

		// Once the server lets APPENDs through again, the next run copies the failed items, exactly once.
		run.proxy.setRules([]);
		const next = await migrate(
			endpointOf(source, sourceUser),
			endpointOf(target, run.targetUser, run.proxy.port),
			run.ledger,
			'full',
			{ tuning: TUNING },
		);
		expect(next.status).toBe('completed');
		expect(next.counts.copied).toBe(items);
		await expectExactCopy(run.targetUser);
	}, 60_000);
});
