/**
 * Long on purpose (one Dovecot pair and its connection sampler shared by every case): execution controls against a real Dovecot pair: throttle profiles switching mid-copy (connections counted by the
 * servers themselves), a run window closing mid-copy, error thresholds, the byte budget and the time budget. Windows
 * are minute-granular, so each case uses a ShiftedClock whose next minute boundary is ahead; where the boundary must
 * fall mid-copy, the test moves the clock onto it once the copy has reached a chosen point (messages copied, sessions
 * seen), so what happens before and after the boundary does not depend on how fast the machine copies.
 */
import {
	ExecutionControls,
	type ControlSettings,
	type SideProfile,
} from '../../../nodes/lib/limits/executionControls';
import { parseWindows } from '../../../nodes/lib/limits/schedule';
import type { MailboxMigrationRequest } from '../../../nodes/lib/migration/execution/runMailboxMigration';
import { sourceAccountOf } from '../../../nodes/lib/migration/stores/imap/imapSides';
import type { MailboxReport } from '../../../nodes/lib/migration/types';
import type { ImapEndpoint } from '../../../nodes/lib/imap/endpoint';
import { openLedger } from '../../../nodes/lib/ledger';
import type { DovecotServer } from '../../harness/dovecot';
import { appendMessages, makeMessage, snapshotMailbox } from '../../harness/imap-fixtures';
import { TestServices } from '../../harness/services';
import {
	comparable,
	endpointOf,
	migrate,
	PASSWORD,
	tempLedgerPath,
	uniqueUser,
} from './engineFixtures';
import { dailyWindow, hhmm, MINUTE_MS, ShiftedClock } from './shiftedClock';

const FOLDERS = ['INBOX', 'Archive', 'Projects', 'Reports'];
/** Messages the quota target takes per user before APPEND fails with [OVERQUOTA]. */
const QUOTA_MESSAGES = 10;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `condition` every 20 ms; fails with `what` if it does not hold within `timeoutMs`. */
async function until(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!condition()) {
		if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
		await sleep(20);
	}
}

/**
 * Lead of the clocks whose boundary the test moves onto itself (jumpToBoundary) once the copy has reached the point
 * it needs: far enough that no run reaches it by the wall clock. Their windows start well before "now".
 */
const FAR_LEAD_MS = 5 * MINUTE_MS;
const FAR_WINDOW_MS = 10 * MINUTE_MS;

interface Seeded {
	sourceUser: string;
	targetUser: string;
	source: ImapEndpoint;
	target: ImapEndpoint;
	targetServer: DovecotServer;
	ledger: string;
	items: number;
	bytes: number;
}

interface Sample {
	start: number;
	end: number;
	source: number;
	target: number;
	/** The limiter's view at the same time: active/queued connections per side. */
	limiter?: string;
}

/** Polls both servers' own session counts (doveadm who) every ~100 ms until stopped. */
function sampleConnections(
	source: DovecotServer,
	target: DovecotServer,
	controls?: ExecutionControls,
) {
	const samples: Sample[] = [];
	const limiterView = () =>
		controls
			? (['source', 'target'] as const)
					.map((side) => {
						const stats = controls.limiter.stats(ExecutionControls.hostKey(side, source.host));
						return `${side} ${stats.profile} ${stats.activeConnections}/${stats.maxConnections} q${stats.queuedConnections} m${stats.messages}`;
					})
					.join(', ')
			: undefined;
	let running = true;
	const loop = (async () => {
		while (running) {
			const start = Date.now();
			const [s, t] = await Promise.all([source.imapConnections(), target.imapConnections()]);
			samples.push({ start, end: Date.now(), source: s, target: t, limiter: limiterView() });
			await sleep(100);
		}
	})();
	return {
		samples,
		async stop(): Promise<Sample[]> {
			running = false;
			await loop;
			return samples;
		},
	};
}

/** Every profile applies to both sides; the last one (no windows) applies outside the others' windows. */
function settings(
	profiles: Omit<SideProfile, 'side'>[],
	stop: ControlSettings['stop'] = {},
): ControlSettings {
	return {
		timeZone: 'UTC',
		profiles: profiles.map((profile) => ({ ...profile, side: 'both' as const })),
		stop,
	};
}

describe('execution controls against real Dovecot: profiles, windows, thresholds and budgets', () => {
	const services = new TestServices();
	let source: DovecotServer;
	let target: DovecotServer;
	let quotaTarget: DovecotServer;

	beforeAll(async () => {
		[source, target, quotaTarget] = await Promise.all([
			services.dovecot({ name: 'source' }),
			services.dovecot({ name: 'target' }),
			// Every user of this target takes QUOTA_MESSAGES messages, then each APPEND fails with [OVERQUOTA].
			services.dovecot({
				name: 'quota',
				extraConf: `plugin {\n  quota_rule = *:messages=${QUOTA_MESSAGES}\n}\n`,
			}),
		]);
	}, 120_000);

	afterAll(async () => {
		await services.stopAll();
	});

	/** A source mailbox of small messages in `folders`, an empty target mailbox and a fresh ledger. */
	async function seed(
		tag: string,
		perFolder: number,
		options: { folders?: string[]; targetServer?: DovecotServer; bodyBytes?: number } = {},
	): Promise<Seeded> {
		const folders = options.folders ?? FOLDERS;
		const targetServer = options.targetServer ?? target;
		const sourceUser = uniqueUser(`${tag}s`);
		const targetUser = uniqueUser(`${tag}t`);
		await Promise.all([
			source.addUser(sourceUser, PASSWORD),
			targetServer.addUser(targetUser, PASSWORD),
		]);
		let bytes = 0;
		await Promise.all(
			folders.map((folder, folderIndex) => {
				const messages = Array.from({ length: perFolder }, (_, index) => {
					// Every 17th message is an exact copy of the first, and some have no Message-ID: distinct items
					// that must each arrive once, also across a pause.
					const n = index % 17 === 16 ? 0 : index;
					const date = new Date(Date.UTC(2021, folderIndex, 1 + (n % 28), 9, n % 60));
					const raw = makeMessage({
						subject: `${tag} ${folder} ${n}`,
						date,
						messageId: n % 11 === 5 ? null : `<${tag}.${folderIndex}.${n}@ctl.example>`,
						body: `${'x'.repeat(options.bodyBytes ?? 150)} ${n}\n`,
					});
					bytes += raw.length;
					return { raw, flags: n % 3 === 0 ? ['\\Seen'] : [], internalDate: date };
				});
				return appendMessages(source, sourceUser, PASSWORD, folder, messages);
			}),
		);
		return {
			sourceUser,
			targetUser,
			source: endpointOf(source, sourceUser),
			target: endpointOf(targetServer, targetUser),
			targetServer,
			ledger: tempLedgerPath(),
			items: folders.length * perFolder,
			bytes,
		};
	}

	/** Target equals source folder by folder: bytes, flags, internal dates, duplicates included, nothing extra. */
	async function expectExactCopy(seeded: Seeded): Promise<void> {
		const sourceSnapshot = comparable(await snapshotMailbox(source, seeded.sourceUser, PASSWORD));
		const targetSnapshot = comparable(
			await snapshotMailbox(seeded.targetServer, seeded.targetUser, PASSWORD),
		);
		expect(Object.keys(targetSnapshot).sort()).toEqual(Object.keys(sourceSnapshot).sort());
		for (const [folder, messages] of Object.entries(sourceSnapshot)) {
			expect({ folder, messages: targetSnapshot[folder] }).toEqual({ folder, messages });
		}
	}

	async function targetCount(seeded: Seeded): Promise<number> {
		const snapshot = await snapshotMailbox(seeded.targetServer, seeded.targetUser, PASSWORD);
		return Object.values(snapshot).reduce((sum, messages) => sum + messages.length, 0);
	}

	/** What the ledger holds for the mailbox: item counts by status, and its runs. */
	async function ledgerOf(seeded: Seeded) {
		const ledger = await openLedger({ kind: 'sqlite', path: seeded.ledger });
		try {
			const account = sourceAccountOf(seeded.source);
			return {
				counts: await ledger.countsByStatus('test', account),
				runs: await ledger.listRuns('test', account),
			};
		} finally {
			await ledger.close();
		}
	}

	/**
	 * Runs one mailbox under the execution's controls. A watchdog aborts it (ending it `partial`, with the limiter's
	 * stats in the thrown message) rather than letting a stuck run hang the file.
	 */
	async function run(
		controls: ExecutionControls,
		seeded: Seeded,
		extra: Partial<MailboxMigrationRequest> & { watchdogMs?: number } = {},
	): Promise<MailboxReport> {
		const { watchdogMs = 40_000, ...request } = extra;
		const watchdog = new AbortController();
		const timer = setTimeout(() => watchdog.abort(new Error('watchdog')), watchdogMs);
		try {
			const report = await migrate(seeded.source, seeded.target, seeded.ledger, 'full', {
				controls: await controls.forMailbox(seeded.source.host, seeded.target.host),
				signal: watchdog.signal,
				...request,
				tuning: { windowMessages: 50, ...request.tuning },
			});
			if (watchdog.signal.aborted) {
				const stats = ['source', 'target'].map((side) =>
					controls.limiter.stats(ExecutionControls.hostKey(side as 'source', seeded.source.host)),
				);
				throw new Error(
					`${seeded.sourceUser} did not finish within ${watchdogMs} ms (${report.status}: ${report.reason}; copied ${report.counts.copied}/${seeded.items}); limiter: ${JSON.stringify(stats)}`,
				);
			}
			return report;
		} finally {
			clearTimeout(timer);
		}
	}

	/** Progress events as (time, messages copied by that batch), summed over mailboxes and folders. */
	function progressLog() {
		const events: { at: number; mailbox: string; messages: number }[] = [];
		const last = new Map<string, number>();
		return {
			events,
			onProgress: (progress: { mailbox: string; folder: string; copied: number }) => {
				const key = `${progress.mailbox}\0${progress.folder}`;
				events.push({
					at: Date.now(),
					mailbox: progress.mailbox,
					messages: progress.copied - (last.get(key) ?? 0),
				});
				last.set(key, progress.copied);
			},
			/** Messages copied so far, over all mailboxes or those of one. */
			copied: (mailbox?: string) =>
				events
					.filter((event) => mailbox === undefined || event.mailbox === mailbox)
					.reduce((sum, event) => sum + event.messages, 0),
			between: (from: number, to: number) =>
				events
					.filter((event) => event.at >= from && event.at < to)
					.reduce((sum, event) => sum + event.messages, 0),
		};
	}

	it('switches 1 -> 4 connections per host at the profile boundary while copying; the rate lifts too', async () => {
		const [a, b] = await Promise.all([seed('up', 100), seed('up', 100)]);
		// The test moves the clock onto the boundary once enough has been copied and sampled under the day profile;
		// the night profile is paced too, so the copy after the boundary lasts seconds however fast the machine is.
		const clock = new ShiftedClock(FAR_LEAD_MS);
		const controls = new ExecutionControls(
			settings([
				{
					name: 'day',
					windows: parseWindows(dailyWindow(clock.boundary - FAR_WINDOW_MS, clock.boundary)),
					maxConnections: 1,
					messagesPerSecond: 30,
				},
				{ name: 'night', maxConnections: 4, messagesPerSecond: 150 },
			]),
			{ clock },
		);
		const sampler = sampleConnections(source, target, controls);
		const progress = progressLog();
		const started = Date.now();
		try {
			const tuning = { connections: 4, batchMessages: 2, pipelineDepth: 1 };
			const running = Promise.all(
				[a, b].map((seeded) => run(controls, seeded, { tuning, onProgress: progress.onProgress })),
			);
			// The boundary comes after 150 of the 800 messages (~5 s at 30/s) and 10 samples, whichever is later.
			await until(
				() =>
					progress.copied() >= 150 &&
					sampler.samples.filter((sample) => sample.end < Date.now() - 50).length >= 10,
				'150 messages copied and 10 samples taken under the day profile',
			);
			clock.jumpToBoundary();
			const reports = await running;
			const ended = Date.now();
			const samples = await sampler.stop();
			const boundary = clock.realBoundary;
			// At most 150/s for the ~650 left: seconds after the boundary.
			expect(ended).toBeGreaterThan(boundary + 1_000);
			for (const report of reports) {
				expect({ status: report.status, copied: report.counts.copied }).toEqual({
					status: 'completed',
					copied: 400,
				});
			}
			// Before the boundary each server sees at most one session of this execution.
			const before = samples.filter((sample) => sample.end < boundary - 50);
			expect(before.length).toBeGreaterThanOrEqual(10);
			expect(Math.max(...before.map((sample) => Math.max(sample.source, sample.target)))).toBe(1);
			// After it, more than one at once.
			const after = samples.filter((sample) => sample.start > boundary + 300);
			expect(Math.max(...after.map((sample) => sample.target))).toBeGreaterThan(1);
			expect(Math.max(...after.map((sample) => sample.source))).toBeGreaterThan(1);
			// 30 messages per second before (pacing has no burst), far more after.
			const rateBefore = progress.between(started, boundary) / ((boundary - started) / 1000);
			const rateAfter = progress.between(boundary, ended + 1) / ((ended - boundary) / 1000);
			expect(rateBefore).toBeLessThanOrEqual(33);
			expect(rateBefore).toBeGreaterThan(10);
			expect(rateAfter).toBeGreaterThan(2 * rateBefore);
			expect(rateAfter).toBeLessThanOrEqual(165);
			process.stdout.write(
				`profile 1->4: ${rateBefore.toFixed(1)} msg/s before, ${rateAfter.toFixed(1)} after; peak after ${Math.max(...after.map((s) => s.target))}\n`,
			);
		} finally {
			await sampler.stop();
			await controls.dispose();
		}
		await expectExactCopy(a);
		await expectExactCopy(b);
	}, 60_000);

	it('sheds connections 4 -> 1 at the profile boundary and never goes above 1 again; the copy stays exact', async () => {
		const [a, b] = await Promise.all([seed('down', 60), seed('down', 60)]);
		// The test moves the clock onto the boundary once a server has been seen with more than one session.
		const clock = new ShiftedClock(FAR_LEAD_MS);
		const controls = new ExecutionControls(
			settings([
				{
					name: 'night',
					windows: parseWindows(dailyWindow(clock.boundary - FAR_WINDOW_MS, clock.boundary)),
					maxConnections: 4,
					messagesPerSecond: 40,
				},
				{ name: 'day', maxConnections: 1, messagesPerSecond: 80 },
			]),
			{ clock },
		);
		const sampler = sampleConnections(source, target, controls);
		try {
			const tuning = { connections: 4, batchMessages: 2, pipelineDepth: 1 };
			const logger = {
				debug: (message: string, meta?: Record<string, unknown>) =>
					process.env.CONTROLS_DEBUG &&
					process.stdout.write(
						`${Date.now() - clock.realBoundary} ${message} ${JSON.stringify(meta)}\n`,
					),
				info: () => undefined,
				warn: (message: string) =>
					process.env.CONTROLS_DEBUG && process.stdout.write(`WARN ${message}\n`),
			};
			const progress = progressLog();
			const running = Promise.all(
				[a, b].map((seeded) =>
					run(controls, seeded, {
						tuning,
						logger,
						onProgress: progress.onProgress,
						watchdogMs: 20_000,
					}),
				),
			);
			await until(
				() =>
					progress.copied() > 0 &&
					sampler.samples.some((sample) => sample.target > 1 && sample.end < Date.now() - 50),
				'more than one target session under the night profile',
			);
			clock.jumpToBoundary();
			const copiedAtBoundary = progress.copied();
			const reports = await running;
			const samples = await sampler.stop();
			const boundary = clock.realBoundary;
			for (const report of reports) {
				expect({ status: report.status, copied: report.counts.copied }).toEqual({
					status: 'completed',
					copied: 240,
				});
			}
			// Most of the copy runs under the day profile: at 80/s on one connection, several seconds of it.
			expect(copiedAtBoundary).toBeLessThan(240);
			const before = samples.filter((sample) => sample.end < boundary - 50);
			expect(Math.max(...before.map((sample) => sample.target))).toBeGreaterThan(1);
			// In-flight batches finish first (one batch of 2 at 40/s: well under a second).
			const after = samples.filter((sample) => sample.start > boundary + 1_000);
			expect(after.length).toBeGreaterThanOrEqual(10);
			expect(Math.max(...after.map((sample) => Math.max(sample.source, sample.target)))).toBe(1);
		} finally {
			const samples = await sampler.stop();
			if (process.env.CONTROLS_DEBUG) {
				for (const sample of samples)
					process.stdout.write(
						`${sample.start - clock.realBoundary}: src ${sample.source} tgt ${sample.target} | ${sample.limiter}\n`,
					);
			}
			await controls.dispose();
		}
		await expectExactCopy(a);
		await expectExactCopy(b);
	}, 60_000);

	it('finishes when a profile allows fewer connections than tuning.connections', async () => {
		const seeded = await seed('few', 10, { folders: ['INBOX', 'Archive', 'Projects'] });
		const controls = new ExecutionControls(
			settings([{ name: 'one', maxConnections: 1, messagesPerSecond: 60 }]),
		);
		const sampler = sampleConnections(source, target, controls);
		try {
			const report = await run(controls, seeded, {
				tuning: { connections: 2, batchMessages: 2 },
				watchdogMs: 10_000,
			});
			expect(report.status).toBe('completed');
			const samples = await sampler.stop();
			expect(Math.max(...samples.map((sample) => Math.max(sample.source, sample.target)))).toBe(1);
			for (const side of ['source', 'target'] as const) {
				const stats = controls.limiter.stats(ExecutionControls.hostKey(side, source.host));
				expect({ side, peak: stats.peakConnections }).toEqual({ side, peak: 1 });
			}
		} finally {
			const samples = await sampler.stop();
			if (process.env.CONTROLS_DEBUG) {
				for (const sample of samples)
					process.stdout.write(`src ${sample.source} tgt ${sample.target} | ${sample.limiter}\n`);
			}
			await controls.dispose();
		}
		await expectExactCopy(seeded);
	}, 30_000);

	it('pauses every unfinished mailbox when the run window closes; the next run finishes exactly', async () => {
		const [a, b] = await Promise.all([seed('win', 40), seed('win', 40)]);
		// The test moves the clock onto the window's end once both mailboxes have copied 10 messages (of 160 each).
		const clock = new ShiftedClock(FAR_LEAD_MS);
		const opens = clock.boundary - FAR_WINDOW_MS;
		const window = dailyWindow(opens, clock.boundary);
		const controls = new ExecutionControls(
			settings([{ name: 'slow', maxConnections: 4, messagesPerSecond: 40 }], {
				runWindows: parseWindows(window),
			}),
			{ clock },
		);
		let first: MailboxReport[];
		try {
			const tuning = { connections: 2, batchMessages: 2, pipelineDepth: 1 };
			const progress = progressLog();
			const running = Promise.all(
				[a, b].map((seeded) => run(controls, seeded, { tuning, onProgress: progress.onProgress })),
			);
			await until(
				() => progress.copied(a.sourceUser) >= 10 && progress.copied(b.sourceUser) >= 10,
				'both mailboxes copied 10 messages',
			);
			clock.jumpToBoundary();
			first = await running;
		} finally {
			await controls.dispose();
		}
		// Reopens at the same minute the next day.
		const resumesAt = new Date(opens + 24 * 3_600_000).toISOString();
		for (const [index, report] of first.entries()) {
			const seeded = [a, b][index];
			expect(report.status).toBe('paused');
			expect(report.reason).toMatch(/^run window .*\bended$/);
			expect(report.reason).toContain(`${hhmm(opens)}-${hhmm(clock.boundary)}`);
			expect(report.resumesAt).toBe(resumesAt);
			expect(report.counts.copied).toBeGreaterThan(0);
			expect(report.counts.copied).toBeLessThan(seeded.items);
			expect(report.counts.failed).toBe(0);
			expect(report.folders.some((folder) => folder.action === 'paused')).toBe(true);
			// The ledger says exactly what the target holds: nothing pending, nothing failed.
			const ledger = await ledgerOf(seeded);
			expect(ledger.counts).toMatchObject({
				pending: 0,
				failed: 0,
				copied: report.counts.copied,
			});
			expect(await targetCount(seeded)).toBe(report.counts.copied);
		}

		const open = new ExecutionControls(settings([{ name: 'any', maxConnections: 4 }]));
		try {
			for (const [index, seeded] of [a, b].entries()) {
				const second = await run(open, seeded);
				expect(second.status).toBe('completed');
				expect(first[index].counts.copied + second.counts.copied).toBe(seeded.items);
				expect(second.counts.alreadyPresent).toBe(first[index].counts.copied);
				await expectExactCopy(seeded);
			}
		} finally {
			await open.dispose();
		}
	}, 60_000);

	it('a mailbox started outside the run windows pauses at once: nothing copied, no login', async () => {
		const seeded = await seed('closed', 5, { folders: ['INBOX'] });
		const clock = new ShiftedClock(30_000);
		// Open only from the boundary on: closed now.
		const window = dailyWindow(clock.boundary, clock.boundary + 2 * MINUTE_MS);
		const controls = new ExecutionControls(
			settings([{ name: 'any', maxConnections: 4 }], { runWindows: parseWindows(window) }),
			{ clock },
		);
		// Seeding logged in as the source user: only what the run adds to the logs counts.
		const logsBefore = [source.log().length, target.log().length];
		let report: MailboxReport;
		try {
			report = await run(controls, seeded);
		} finally {
			await controls.dispose();
		}
		expect(report.status).toBe('paused');
		// Shown as formatWindows writes it: 'Daily' is every day, Mon-Sun.
		expect(report.reason).toBe(`outside the run windows (${window.replace('Daily', 'Mon-Sun')})`);
		expect(report.resumesAt).toBe(new Date(clock.boundary).toISOString());
		expect(report.counts.copied).toBe(0);
		// Neither server saw a login of these users (Dovecot logs each one with user=<...>).
		await sleep(200);
		expect(source.log().slice(logsBefore[0])).not.toContain(`user=<${seeded.sourceUser}>`);
		expect(target.log().slice(logsBefore[1])).not.toContain(`user=<${seeded.targetUser}>`);
		expect(source.log()).toContain(`user=<${seeded.sourceUser}>`);
		// The ledger keeps that it was tried and paused (reports read it), with nothing copied.
		const { runs } = await ledgerOf(seeded);
		expect(runs.map((one) => [one.runId, one.status, one.summary?.status])).toEqual([
			[report.runId, 'completedWithErrors', 'paused'],
		]);
		expect(runs[0].summary).toMatchObject({ reason: report.reason, counts: { copied: 0 } });
		expect(await targetCount(seeded)).toBe(0);
	}, 30_000);

	it('stops a mailbox after maxErrorsPerMailbox refused messages while another mailbox of the execution completes', async () => {
		const [full, fine] = await Promise.all([
			seed('quo', 30, { folders: ['INBOX'], targetServer: quotaTarget }),
			seed('ok', 5, { folders: ['INBOX', 'Archive'] }),
		]);
		const controls = new ExecutionControls(
			settings([{ name: 'any', maxConnections: 4 }], { maxErrorsPerMailbox: 3 }),
		);
		let reports: MailboxReport[];
		try {
			const tuning = { connections: 1, batchMessages: 1, pipelineDepth: 1 };
			reports = await Promise.all([full, fine].map((seeded) => run(controls, seeded, { tuning })));
		} finally {
			await controls.dispose();
		}
		const [stopped, completed] = reports;
		expect(stopped.status).toBe('paused');
		expect(stopped.reason).toBe('3 errors in this mailbox');
		expect(stopped.resumesAt).toBeNull();
		expect(stopped.counts.copied).toBe(QUOTA_MESSAGES);
		expect(stopped.counts.failed).toBe(3);
		expect(stopped.failedItems.map((item) => item.code)).toEqual([
			'OVERQUOTA',
			'OVERQUOTA',
			'OVERQUOTA',
		]);
		const ledger = await ledgerOf(full);
		expect(ledger.counts).toMatchObject({ copied: QUOTA_MESSAGES, failed: 3, pending: 0 });
		expect(await targetCount(full)).toBe(QUOTA_MESSAGES);
		expect(completed.status).toBe('completed');
		await expectExactCopy(fine);
	}, 60_000);

	it('stops the whole execution after maxErrorsPerBatch errors summed over its mailboxes', async () => {
		const [full, busy] = await Promise.all([
			seed('qub', 30, { folders: ['INBOX'], targetServer: quotaTarget }),
			seed('bsy', 100, { folders: ['INBOX', 'Archive'] }),
		]);
		const controls = new ExecutionControls(
			settings([{ name: 'paced', maxConnections: 4, messagesPerSecond: 60 }], {
				maxErrorsPerBatch: 4,
			}),
		);
		let reports: MailboxReport[];
		try {
			const tuning = { connections: 1, batchMessages: 1, pipelineDepth: 1 };
			reports = await Promise.all([full, busy].map((seeded) => run(controls, seeded, { tuning })));
		} finally {
			await controls.dispose();
		}
		for (const report of reports) {
			expect(report.status).toBe('paused');
			expect(report.reason).toBe('4 errors in this batch of mailboxes');
			expect(report.resumesAt).toBeNull();
		}
		expect(reports[0].counts.failed).toBe(4);
		expect(reports[1].counts.failed).toBe(0);
		expect(reports[1].counts.copied).toBeLessThan(busy.items);
		expect(await targetCount(busy)).toBe(reports[1].counts.copied);
		expect((await ledgerOf(busy)).counts).toMatchObject({
			copied: reports[1].counts.copied,
			pending: 0,
		});
	}, 60_000);

	it('pauses at the byte budget without exceeding it; a rerun without budget finishes exactly', async () => {
		const seeded = await seed('byt', 30, { folders: ['INBOX', 'Archive'], bodyBytes: 800 });
		const budget = Math.round(seeded.bytes / 3);
		const controls = new ExecutionControls(
			settings([{ name: 'any', maxConnections: 4 }], { maxBytesPerExecution: budget }),
		);
		let first: MailboxReport;
		try {
			first = await run(controls, seeded, {
				tuning: { connections: 2, batchMessages: 3, pipelineDepth: 2 },
			});
		} finally {
			await controls.dispose();
		}
		expect(first.status).toBe('paused');
		expect(first.reason).toMatch(/^byte budget of [\d.]+ kB reached$/);
		expect(first.resumesAt).toBeNull();
		expect(first.counts.copied).toBeGreaterThan(0);
		expect(first.bytes).toBeLessThanOrEqual(budget);
		const ledger = await ledgerOf(seeded);
		expect(ledger.counts).toMatchObject({ copied: first.counts.copied, pending: 0, failed: 0 });
		const copiedBytes = Object.values(await snapshotMailbox(target, seeded.targetUser, PASSWORD))
			.flat()
			.reduce((sum, message) => sum + message.size, 0);
		expect(copiedBytes).toBe(first.bytes);
		// Batches of 3 messages of ~1 kB: the budget leaves less than one batch unused.
		expect(budget - copiedBytes).toBeLessThan(3 * 1_200);

		const second = await migrate(seeded.source, seeded.target, seeded.ledger);
		expect(second.status).toBe('completed');
		expect(first.counts.copied + second.counts.copied).toBe(seeded.items);
		await expectExactCopy(seeded);
	}, 60_000);

	it('pauses when the time budget is used up', async () => {
		const seeded = await seed('tim', 100, { folders: ['INBOX', 'Archive'] });
		const controls = new ExecutionControls(
			settings([{ name: 'paced', maxConnections: 4, messagesPerSecond: 40 }], {
				timeBudgetMs: 2_000,
			}),
		);
		const started = Date.now();
		let report: MailboxReport;
		try {
			report = await run(controls, seeded, {
				tuning: { connections: 2, batchMessages: 2, pipelineDepth: 1 },
			});
		} finally {
			await controls.dispose();
		}
		const elapsed = Date.now() - started;
		expect(report.status).toBe('paused');
		expect(report.reason).toBe('time budget of 2 s used up');
		expect(report.resumesAt).toBeNull();
		expect(elapsed).toBeLessThan(4_000);
		expect(report.counts.copied).toBeGreaterThan(20);
		expect(report.counts.copied).toBeLessThan(seeded.items);
		expect(await targetCount(seeded)).toBe(report.counts.copied);
	}, 60_000);
});
