/**
 * The limited runs of `npm run bench`: copies a subset of the corpus under a throttle profile (a message rate, then a
 * byte rate) through ExecutionControls, as the Migrate node does, and checks the achieved rate sits within 10 % under
 * the limit and never above it, also over any 5-second span.
 *
 * Measured per run (all on the target host's side; the same profile applies to the source):
 * - achieved: units copied / (last landed batch − first admission request), i.e. from the moment the engine first asks
 *   to move data to the moment the last batch landed. The limiter pays before a batch passes, so this span holds
 *   exactly the units copied; measuring from the first landed batch would leave that batch's payment out.
 * - max 5 s: the highest rate over any span of 5-10 s between two events, counting what came after the first event up
 *   to and including the last (see maxSpanRate), over what the limiter admitted (consume() resolved), over what
 *   landed (onProgress after each batch) and, for bytes, over the bytes on the wire to the target (a counting proxy).
 *   The wire figure is shown, not judged: a batch crosses a local link in milliseconds, so a span that starts just
 *   before a burst holds the whole batch plus the span's budget (up to 1 + batch / (limit × 5 s), 2× for a 10 MB
 *   message at 2 MB/s) however well batches are spaced.
 * Verdict: achieved within [0.9, 1] × limit, the admitted 5 s maximum at most the limit (+1 % for timer lateness: a
 * grant 50 ms late in 5 s), and the landed one at most the limit + the landing jitter: a span anchored on a batch that
 * landed long after its grant (a 10 MB message: 150 ms) and ending on one that landed at once is that much shorter
 * than the admitted span it carries. Jitter = (slowest − fastest grant-to-landing latency) / 5 s, batches matched by
 * their bytes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

import { ExecutionControls, type SideProfile } from '../../nodes/lib/limits/executionControls';
import { InProcessHostLimiter, type HostUsage } from '../../nodes/lib/limits/hostLimiter';
import { runMailboxMigration } from '../../nodes/lib/migration/execution/runMailboxMigration';
import { imapSourceSide, imapTargetSide } from '../../nodes/lib/migration/stores/imap/imapSides';
import { newOwnerId } from '../../nodes/lib/migration/migrateMailbox';
import type { MailboxReport, MigrationProgress } from '../../nodes/lib/migration/types';
import { openLedger } from '../../nodes/lib/ledger';
import type { DovecotServer } from '../harness/dovecot';
import { testEndpoint } from '../harness/endpoints';
import type { CorpusMessage } from './corpus';
import { maxSpanRate, median, type Sample } from './rates';
import { startWireMeter, type WireMeter } from './wireMeter';

/** The shortest span "never above" is checked over. */
const SPAN_MS = 5000;
/** Achieved rates from this fraction of the limit up to the limit pass. */
const LOWEST_RATIO = 0.9;
/** Room above the limit for admissions: timer lateness. */
const TIMER_TOLERANCE = 0.01;

export interface LimitedContext {
	source: DovecotServer;
	target: DovecotServer;
	password: string;
	/** Directory for the ledgers. */
	work: string;
	corpus: CorpusMessage[];
	runs: number;
	/** When set, each run's timelines (requests, grants, landed batches, wire chunks) are written there as JSON. */
	dumpDir?: string;
	load(server: DovecotServer, user: string, corpus: CorpusMessage[]): Promise<void>;
	verify(
		source: DovecotServer,
		sourceUser: string,
		target: DovecotServer,
		targetUser: string,
	): Promise<string>;
	log(message: string): void;
}

interface LimitedCase {
	key: string;
	label: string;
	unit: 'messages' | 'bytes';
	/** Units per second. */
	limit: number;
	profile: Omit<SideProfile, 'name' | 'side'>;
	subset: CorpusMessage[];
}

interface Event {
	at: number;
	messages: number;
	bytes: number;
}

/**
 * The in-process limiter, recording for each host when consume() was asked and when it resolved (a subclass, so it
 * follows the limiter's interface as it grows).
 */
class RecordingLimiter extends InProcessHostLimiter {
	readonly requests = new Map<string, Event[]>();

	readonly grants = new Map<string, Event[]>();

	private static push(map: Map<string, Event[]>, host: string, event: Event): void {
		const events = map.get(host) ?? [];
		events.push(event);
		map.set(host, events);
	}

	override async consume(host: string, usage: HostUsage, signal?: AbortSignal): Promise<void> {
		const messages = usage.messages ?? 0;
		const bytes = usage.bytes ?? 0;
		RecordingLimiter.push(this.requests, host, { at: performance.now(), messages, bytes });
		await super.consume(host, usage, signal);
		RecordingLimiter.push(this.grants, host, { at: performance.now(), messages, bytes });
	}
}

/**
 * Every n-th message of the corpus, from the first, until `count` messages or `bytes` bytes are taken: a subset with
 * the corpus's mix of folders and sizes (the byte subset of the default corpus holds one of its ~10 MB messages).
 */
function everyNth(
	corpus: CorpusMessage[],
	n: number,
	{ count = Infinity, bytes = Infinity }: { count?: number; bytes?: number },
): CorpusMessage[] {
	const subset: CorpusMessage[] = [];
	let taken = 0;
	for (let index = 0; index < corpus.length; index += n) {
		if (subset.length >= count || taken >= bytes) break;
		subset.push(corpus[index]);
		taken += corpus[index].raw.length;
	}
	return subset;
}

function bytesOf(messages: CorpusMessage[]): number {
	return messages.reduce((sum, message) => sum + message.raw.length, 0);
}

function cases(corpus: CorpusMessage[]): LimitedCase[] {
	const messageCount = 150;
	const byteTarget = 60e6;
	return [
		{
			key: 'msgs',
			label: '5 msgs/s',
			unit: 'messages',
			limit: 5,
			profile: { maxConnections: 2, messagesPerSecond: 5 },
			subset: everyNth(corpus, Math.max(1, Math.floor(corpus.length / messageCount)), {
				count: messageCount,
			}),
		},
		{
			key: 'bytes',
			label: '2 MB/s',
			unit: 'bytes',
			limit: 2e6,
			profile: { maxConnections: 2, bytesPerSecond: 2e6 },
			subset: everyNth(corpus, Math.max(1, Math.floor(bytesOf(corpus) / byteTarget)), {
				bytes: byteTarget,
			}),
		},
	];
}

interface Measured {
	verify: string;
	copied: number;
	achieved: number;
	admittedSpan: number;
	landedSpan: number;
	/** Room above the limit for the landed maximum: the spread of landing latencies over the span. */
	landingJitter: number;
	/** Bytes on the wire to the target; null for message limits. */
	wireSpan: number | null;
	/** The largest single admission, in the limit's units. */
	largestBatch: number;
	seconds: number;
	waitedMs: number;
	peakConnections: number;
}

async function runOnce(
	context: LimitedContext,
	entry: LimitedCase,
	sourceUser: string,
	targetUser: string,
): Promise<Measured> {
	const { source, target, password } = context;
	await target.addUser(targetUser, password);
	const limiter = new RecordingLimiter();
	const controls = new ExecutionControls(
		{
			timeZone: 'UTC',
			profiles: [{ name: entry.label, side: 'both', ...entry.profile }],
			stop: {},
		},
		{ limiter },
	);
	const landed: Event[] = [];
	const copiedByFolder = new Map<string, number>();
	let lastBytes = 0;
	const onProgress = (progress: MigrationProgress) => {
		const before = copiedByFolder.get(progress.folder) ?? 0;
		copiedByFolder.set(progress.folder, progress.copied);
		landed.push({
			at: performance.now(),
			messages: Math.max(0, progress.copied - before),
			bytes: Math.max(0, progress.bytes - lastBytes),
		});
		lastBytes = Math.max(lastBytes, progress.bytes);
	};
	const cleanup: (() => Promise<void>)[] = [() => controls.dispose(), () => limiter.close()];
	let report: MailboxReport;
	let mailbox: Awaited<ReturnType<ExecutionControls['forMailbox']>>;
	let meter: WireMeter;
	const started = performance.now();
	try {
		const ledger = await openLedger({
			kind: 'sqlite',
			path: path.join(context.work, `${targetUser}.sqlite`),
		});
		cleanup.push(() => ledger.close());
		const opened = await startWireMeter(target.port);
		meter = opened;
		cleanup.push(() => opened.close());
		mailbox = await controls.forMailbox(source.host, target.host);
		report = await runMailboxMigration({
			source: imapSourceSide(testEndpoint(source, sourceUser, password)),
			target: imapTargetSide(testEndpoint(target, targetUser, password, { port: meter.port })),
			migrationId: `bench-limited-${targetUser}`,
			mode: 'full',
			folderRules: { specialUse: false },
			controls: mailbox,
			ledger,
			owner: newOwnerId('bench'),
			onProgress,
		});
	} finally {
		for (const step of cleanup) await step();
	}
	const seconds = (performance.now() - started) / 1000;
	if (report.status !== 'completed' || report.counts.copied !== entry.subset.length) {
		throw new Error(
			`limited run ${entry.label}: ${report.status}, ${report.counts.copied} of ${entry.subset.length} copied (${report.reason ?? ''})`,
		);
	}
	const unitsOf = (event: Event) => (entry.unit === 'messages' ? event.messages : event.bytes);
	const toSamples = (events: Event[]): Sample[] =>
		events.map((event) => ({ at: event.at, units: unitsOf(event) }));
	const requests = limiter.requests.get(mailbox.targetHost) ?? [];
	const grants = limiter.grants.get(mailbox.targetHost) ?? [];
	const firstRequest = Math.min(...requests.map((event) => event.at));
	const lastLanded = Math.max(...landed.map((event) => event.at));
	const units = entry.unit === 'messages' ? report.counts.copied : report.bytes;
	const stats = limiter.stats(mailbox.targetHost);
	if (context.dumpDir) {
		fs.mkdirSync(context.dumpDir, { recursive: true });
		fs.writeFileSync(
			path.join(context.dumpDir, `${targetUser}.json`),
			JSON.stringify({ firstRequest, requests, grants, landed, wire: meter.upstream }),
		);
	}
	return {
		verify: await context.verify(source, sourceUser, target, targetUser),
		copied: report.counts.copied,
		achieved: (units * 1000) / (lastLanded - firstRequest),
		admittedSpan: maxSpanRate(toSamples(grants), SPAN_MS)?.rate ?? 0,
		landedSpan: maxSpanRate(toSamples(landed), SPAN_MS)?.rate ?? 0,
		landingJitter: jitterOf(latencies(grants, landed)),
		wireSpan: entry.unit === 'bytes' ? (maxSpanRate(meter.upstream, SPAN_MS)?.rate ?? 0) : null,
		largestBatch: Math.max(...grants.map(unitsOf)),
		seconds,
		waitedMs: stats.waitedMs,
		peakConnections: stats.peakConnections,
	};
}

function formatRate(entry: LimitedCase, rate: number): string {
	return entry.unit === 'messages' ? `${rate.toFixed(2)}/s` : `${(rate / 1e6).toFixed(2)} MB/s`;
}

function formatAmount(entry: LimitedCase, units: number): string {
	return entry.unit === 'messages' ? `${units} msgs` : `${(units / 1e6).toFixed(1)} MB`;
}

/** Grant-to-landing latency of each landed batch, matched to the earliest unmatched grant of the same bytes. */
function latencies(grants: Event[], landed: Event[]): number[] {
	const unmatched = [...grants];
	const result: number[] = [];
	for (const event of landed) {
		const index = unmatched.findIndex(
			(grant) => grant.bytes === event.bytes && grant.at <= event.at,
		);
		if (event.bytes === 0 || index < 0) continue;
		result.push(event.at - unmatched[index].at);
		unmatched.splice(index, 1);
	}
	return result;
}

function jitterOf(latencyMs: number[]): number {
	return latencyMs.length ? (Math.max(...latencyMs) - Math.min(...latencyMs)) / SPAN_MS : 0;
}

function verdictOf(limit: number, achieved: number, runs: Measured[]): string {
	if (achieved > limit * (1 + TIMER_TOLERANCE)) return 'ABOVE on average';
	const above = runs.some(
		(run) =>
			run.admittedSpan > limit * (1 + TIMER_TOLERANCE) ||
			run.landedSpan > limit * (1 + Math.max(TIMER_TOLERANCE, run.landingJitter)),
	);
	if (above) return 'ABOVE over 5 s';
	if (achieved < limit * LOWEST_RATIO) return 'too far under';
	return 'within 10 % under';
}

/** Runs every limited case `runs` times and returns the lines of its table. */
export async function runLimited(context: LimitedContext): Promise<string[]> {
	const rows: string[] = [];
	let allPassed = true;
	for (const entry of cases(context.corpus)) {
		const sourceUser = `limited${entry.key}`;
		await context.source.addUser(sourceUser, context.password);
		await context.load(context.source, sourceUser, entry.subset);
		const subsetMb = bytesOf(entry.subset) / 1e6;
		context.log(
			`limited ${entry.label}: ${entry.subset.length} messages, ${subsetMb.toFixed(1)} MB, ${context.runs} run(s)`,
		);
		const measured: Measured[] = [];
		for (let run = 1; run <= context.runs; run++) {
			const result = await runOnce(context, entry, sourceUser, `limited${entry.key}${run}`);
			context.log(
				`limited ${entry.label} run ${run}: ${result.seconds.toFixed(1)} s, achieved ${formatRate(entry, result.achieved)}, max 5 s admitted ${formatRate(entry, result.admittedSpan)}, landed ${formatRate(entry, result.landedSpan)} (landing jitter ${(result.landingJitter * 100).toFixed(1)} %)${result.wireSpan === null ? '' : `, wire ${formatRate(entry, result.wireSpan)}`}, largest batch ${formatAmount(entry, result.largestBatch)}, waited ${(result.waitedMs / 1000).toFixed(0)} s, peak connections ${result.peakConnections}, ${result.verify}`,
			);
			measured.push(result);
		}
		const achieved = median(measured.map((result) => result.achieved));
		// The 5 s maxima are a ceiling: the worst run counts, not the median.
		const worst = (pick: (result: Measured) => number) => Math.max(...measured.map(pick));
		const admitted = worst((result) => result.admittedSpan);
		const landed = worst((result) => result.landedSpan);
		const wire = entry.unit === 'bytes' ? worst((result) => result.wireSpan ?? 0) : null;
		const verify =
			measured.find((result) => result.verify !== 'OK')?.verify ?? measured[0]?.verify ?? '-';
		const verdict = verdictOf(entry.limit, achieved, measured);
		if (verdict !== 'within 10 % under' || verify !== 'OK') allPassed = false;
		const withRatio = (rate: number) =>
			`${formatRate(entry, rate)} (${(rate / entry.limit).toFixed(3)})`;
		rows.push(
			[
				entry.label.padEnd(8),
				`${entry.subset.length} msgs, ${subsetMb.toFixed(1)} MB`.padEnd(19),
				formatRate(entry, achieved).padStart(9),
				(achieved / entry.limit).toFixed(3).padStart(5),
				withRatio(admitted).padStart(18),
				withRatio(landed).padStart(18),
				`${(worst((result) => result.landingJitter) * 100).toFixed(1)} %`.padStart(6),
				(wire === null ? '-' : withRatio(wire)).padStart(18),
				formatAmount(
					entry,
					worst((result) => result.largestBatch),
				).padStart(9),
				verify.padEnd(6),
				verdict,
			].join('  '),
		);
	}
	return [
		`limited runs: one profile on both hosts via ExecutionControls, ${context.runs} run(s) each (achieved: median; max over 5 s: worst run; ratio to the limit in brackets)`,
		[
			'limit   ',
			'subset             ',
			' achieved',
			'ratio',
			'  max 5 s admitted',
			'    max 5 s landed',
			'jitter',
			'   max 5 s on wire',
			'  largest',
			'verify',
			'verdict',
		].join('  '),
		...rows,
		`limited runs: ${allPassed ? 'all within 10 % under their limits' : 'NOT all within 10 % under their limits'} (landed judged with the landing jitter as room; on wire: shown, not judged)`,
	];
}
