/**
 * `npm run bench`: migrates a seeded corpus between two local Dovecot instances and prints messages/s, MB/s, peak RSS
 * and the no-op rerun time, side by side with mbsync on the same work in the same run (the machine is noisy: compare
 * within one run, quote medians). Every copy is verified against the source (bytes, flags, dates). Then the limited
 * runs (limited.ts): a subset copied under 5 msgs/s and under 2 MB/s, the achieved rate checked against the limit.
 * Then the Exchange section (exchange.ts): a copy through an Exchange-like throttling target against its allowed
 * rate, and the copy's speed per login method. Then the Graph section (graph.ts): copies into the Microsoft emulator's
 * Graph side under scaled per-mailbox limits, the upload rate per mailbox against the limit, 1 vs 4 vs 16 at once.
 *
 *   npm run bench -- [--messages 5000] [--runs 3] [--no-mbsync] [--scale 1000,5000,20000]
 *                    [--no-limited] [--limited-runs 1] [--limited-dump DIR]
 *                    [--only main|limited|huge|exchange|graph]
 *                    [--no-exchange] [--exchange-rate 25] [--exchange-messages 500] [--exchange-runs 1]
 *                    [--exchange-rounds 3]
 *                    [--no-graph] [--graph-messages 48] [--graph-fan-outs 1,4,16]
 *                    [--huge-messages 1000000]
 *                    [--baseline OTHER_CHECKOUT/.build/test/tools/migrateCli.js]
 *
 * `--baseline` also times another build of this tool (e.g. a checkout of the previous commit, after its
 * `npm run build:scripts`) in the same rounds, alternating, so a change's cost is measured against the same noise.
 * `--only huge` runs the huge-folder section alone (huge.ts): one folder of `--huge-messages` small messages.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { ensureDebianPackages } from '../harness/debian';
import type { DovecotServer } from '../harness/dovecot';
import { startExchangeOnlineStandIn } from '../harness/exchangeOnlineStandIn';
import { startGraphStandIn } from '../harness/graphStandIn';
import { snapshotMailbox } from '../harness/imap-fixtures';
import { TestServices } from '../harness/services';
import { generateCorpus, type CorpusMessage } from './corpus';
import { loginVariants, runExchange } from './exchange';
import { runGraph } from './graph';
import { runHuge } from './huge';
import { runLimited } from './limited';
import { loadCorpus } from './loadCorpus';
import { median } from './rates';
import { timed } from './timed';

const PASSWORD = 'benchpass';
const CLI = path.resolve(__dirname, '..', 'tools', 'migrateCli.js');

interface Args {
	messages: number;
	runs: number;
	mbsync: boolean;
	scale: number[];
	/** The unlimited rounds against mbsync (and the scale series). */
	main: boolean;
	limited: boolean;
	limitedRuns: number;
	limitedDump?: string;
	/** The huge-folder section (only with `--only huge`: it takes long). */
	huge: boolean;
	hugeMessages: number;
	/** The Exchange section: throttled copy against its allowed rate, login comparison. */
	exchange: boolean;
	exchangeRate: number;
	exchangeMessages: number;
	exchangeRuns: number;
	exchangeRounds: number;
	/** The Graph section: upload rate per mailbox under scaled limits, 1 vs 4 vs 16 mailboxes at once. */
	graph: boolean;
	graphMessages: number;
	graphFanOuts: number[];
	/** Another build's migrateCli.js, timed in the same rounds. */
	baseline?: string;
}

function parseArgs(): Args {
	const args: Args = {
		messages: 5000,
		runs: 3,
		mbsync: true,
		scale: [],
		main: true,
		limited: true,
		limitedRuns: 1,
		huge: false,
		hugeMessages: 1_000_000,
		exchange: true,
		exchangeRate: 25,
		exchangeMessages: 500,
		exchangeRuns: 1,
		exchangeRounds: 3,
		graph: true,
		graphMessages: 48,
		graphFanOuts: [1, 4, 16],
	};
	const argv = process.argv.slice(2);
	for (let index = 0; index < argv.length; index++) {
		const arg = argv[index];
		if (arg === '--messages') args.messages = Number(argv[++index]);
		else if (arg === '--runs') args.runs = Number(argv[++index]);
		else if (arg === '--no-mbsync') args.mbsync = false;
		else if (arg === '--scale') args.scale = argv[++index].split(',').map(Number);
		else if (arg === '--no-limited') args.limited = false;
		else if (arg === '--limited-runs') args.limitedRuns = Number(argv[++index]);
		else if (arg === '--limited-dump') args.limitedDump = argv[++index];
		else if (arg === '--baseline') args.baseline = path.resolve(argv[++index]);
		else if (arg === '--huge-messages') args.hugeMessages = Number(argv[++index]);
		else if (arg === '--no-exchange') args.exchange = false;
		else if (arg === '--exchange-rate') args.exchangeRate = Number(argv[++index]);
		else if (arg === '--exchange-messages') args.exchangeMessages = Number(argv[++index]);
		else if (arg === '--exchange-runs') args.exchangeRuns = Number(argv[++index]);
		else if (arg === '--exchange-rounds') args.exchangeRounds = Number(argv[++index]);
		else if (arg === '--no-graph') args.graph = false;
		else if (arg === '--graph-messages') args.graphMessages = Number(argv[++index]);
		else if (arg === '--graph-fan-outs') args.graphFanOuts = argv[++index].split(',').map(Number);
		else if (arg === '--only') {
			const only = argv[++index];
			if (!['main', 'limited', 'huge', 'exchange', 'graph'].includes(only))
				throw new Error(`--only main|limited|huge|exchange|graph, not ${only}`);
			args.main = only === 'main';
			args.limited = only === 'limited';
			args.huge = only === 'huge';
			args.exchange = only === 'exchange';
			args.graph = only === 'graph';
		} else throw new Error(`unknown argument ${arg}`);
	}
	return args;
}

function log(message: string): void {
	process.stderr.write(`[bench] ${message}\n`);
}

/** Loads the corpus into a user's mailbox (not timed). */
function load(server: DovecotServer, user: string, corpus: CorpusMessage[]): Promise<void> {
	return loadCorpus(server, user, PASSWORD, corpus);
}

async function verify(
	source: DovecotServer,
	sourceUser: string,
	target: DovecotServer,
	targetUser: string,
): Promise<string> {
	const key = (snapshot: Awaited<ReturnType<typeof snapshotMailbox>>) => {
		const result: Record<string, string> = {};
		for (const [folder, messages] of Object.entries(snapshot)) {
			if (messages.length === 0) continue;
			result[folder] = messages
				.map((message) => `${message.sha256}|${message.flags.join(',')}|${message.internalDate}`)
				.sort()
				.join('\n');
		}
		return result;
	};
	const [expected, actual] = [
		key(await snapshotMailbox(source, sourceUser, PASSWORD)),
		key(await snapshotMailbox(target, targetUser, PASSWORD)),
	];
	const problems: string[] = [];
	for (const folder of new Set([...Object.keys(expected), ...Object.keys(actual)])) {
		if (expected[folder] !== actual[folder]) {
			const want = expected[folder]?.split('\n') ?? [];
			const have = actual[folder]?.split('\n') ?? [];
			const haveSet = new Set(have);
			const missing = want.filter((line) => !haveSet.has(line)).length;
			problems.push(`${folder}: ${want.length} source, ${have.length} target, ${missing} differ`);
		}
	}
	return problems.length ? `MISMATCH ${problems.slice(0, 4).join('; ')}` : 'OK';
}

function mbsyncConfig(
	dir: string,
	source: DovecotServer,
	target: DovecotServer,
	sourceUser: string,
	targetUser: string,
): string {
	const file = path.join(dir, 'mbsyncrc');
	fs.mkdirSync(path.join(dir, 'state'), { recursive: true });
	fs.writeFileSync(
		file,
		[
			'IMAPStore src',
			`Host ${source.host}`,
			`Port ${source.port}`,
			`User ${sourceUser}`,
			`Pass ${PASSWORD}`,
			'SSLType None',
			'AuthMechs LOGIN',
			'',
			'IMAPStore dst',
			`Host ${target.host}`,
			`Port ${target.port}`,
			`User ${targetUser}`,
			`Pass ${PASSWORD}`,
			'SSLType None',
			'AuthMechs LOGIN',
			'',
			'Channel copy',
			'Far :dst:',
			'Near :src:',
			'Patterns *',
			'Create Far',
			'Sync Push',
			'Expunge None',
			'Remove None',
			'CopyArrivalDate yes',
			`SyncState ${path.join(dir, 'state')}/`,
			'',
		].join('\n'),
	);
	return file;
}

interface Row {
	tool: string;
	seconds: number[];
	rss: number[];
	verify: string[];
}

/** The unlimited rounds, ours against mbsync, and the scale series: the lines of their table. */
async function runMain(
	args: Args,
	source: DovecotServer,
	target: DovecotServer,
	work: string,
	corpus: CorpusMessage[],
): Promise<string[]> {
	await source.addUser('alice', PASSWORD);
	const corpusBytes = corpus.reduce((sum, message) => sum + message.raw.length, 0);
	log(`loading ${corpus.length} messages, ${(corpusBytes / 1e6).toFixed(1)} MB`);
	await load(source, 'alice', corpus);

	const rows = new Map<string, Row>();
	const row = (tool: string) => {
		if (!rows.has(tool)) rows.set(tool, { tool, seconds: [], rss: [], verify: [] });
		return rows.get(tool) as Row;
	};
	let targetIndex = 0;
	for (let round = 0; round <= args.runs; round++) {
		const kind = round === 0 ? 'warm-up' : `round ${round}`;
		const tools = args.baseline
			? [['ours', CLI] as const, ['baseline', args.baseline] as const]
			: [['ours', CLI] as const];
		// Alternate which build goes first, so neither always meets a warmer server.
		for (const [tool, cli] of round % 2 === 0 ? tools : [...tools].reverse()) {
			const user = `${tool}${++targetIndex}`;
			await target.addUser(user, PASSWORD);
			const cliArgs = [
				cli,
				'--src',
				`imap://alice:${PASSWORD}@${source.host}:${source.port}`,
				'--dst',
				`imap://${user}:${PASSWORD}@${target.host}:${target.port}`,
				'--ledger',
				path.join(work, `${user}.sqlite`),
				'--special-use',
				'off',
				// As the n8n node runs it: in a worker with a capped young generation.
				'--isolated',
				'yes',
			];
			const full = await timed(process.execPath, cliArgs);
			if (full.code !== 0)
				throw new Error(`${tool} migration failed: ${full.stderr || full.stdout}`);
			const report = JSON.parse(full.stdout) as {
				peakRssBytes: number;
				counts: { copied: number };
			};
			const noop = await timed(process.execPath, cliArgs);
			const noopReport = JSON.parse(noop.stdout) as { counts: { copied: number } };
			if (noopReport.counts.copied !== 0)
				throw new Error(`the ${tool} no-op rerun copied messages`);
			const checked = await verify(source, 'alice', target, user);
			log(
				`${kind}: ${tool} ${full.seconds.toFixed(2)} s (${report.counts.copied} copied), rerun ${noop.seconds.toFixed(2)} s, ${checked}`,
			);
			if (round > 0) {
				row(tool).seconds.push(full.seconds);
				row(tool).rss.push(report.peakRssBytes);
				row(tool).verify.push(checked);
				row(`${tool} no-op rerun`).seconds.push(noop.seconds);
			}
		}
		if (args.mbsync) {
			const mbsyncUser = `mbsync${++targetIndex}`;
			await target.addUser(mbsyncUser, PASSWORD);
			const config = mbsyncConfig(path.join(work, mbsyncUser), source, target, 'alice', mbsyncUser);
			const run = await timed('mbsync', ['-q', '-c', config, '-a']);
			const mbsyncVerify = await verify(source, 'alice', target, mbsyncUser);
			log(`${kind}: mbsync ${run.seconds.toFixed(2)} s, ${mbsyncVerify}`);
			if (round > 0) {
				row('mbsync').seconds.push(run.seconds);
				row('mbsync').verify.push(mbsyncVerify);
			}
		}
	}

	const messages = corpus.length;
	const mb = corpusBytes / 1e6;
	const lines = [
		`corpus: ${messages} messages, ${mb.toFixed(1)} MB, ${args.runs} timed rounds after a warm-up (medians; min-max)`,
		'tool                 seconds (min-max)        msgs/s    MB/s   peak RSS   verify',
	];
	for (const entry of rows.values()) {
		const seconds = median(entry.seconds);
		const rss = entry.rss.length ? `${(median(entry.rss) / 1e6).toFixed(0)} MB` : '-';
		const rate = entry.tool.includes('rerun') ? '-' : (messages / seconds).toFixed(0);
		const mbRate = entry.tool.includes('rerun') ? '-' : (mb / seconds).toFixed(1);
		lines.push(
			`${entry.tool.padEnd(20)} ${seconds.toFixed(2).padStart(6)} (${Math.min(...entry.seconds).toFixed(2)}-${Math.max(...entry.seconds).toFixed(2)})`.padEnd(
				45,
			) +
				`${rate.padStart(6)} ${mbRate.padStart(7)} ${rss.padStart(10)}   ${entry.verify[0] ?? '-'}`,
		);
	}
	const ours = rows.get('ours');
	const mbsync = rows.get('mbsync');
	const baseline = rows.get('baseline');
	if (ours && baseline) {
		const noop = (tool: string) => median(rows.get(`${tool} no-op rerun`)?.seconds ?? [NaN]);
		lines.push(
			`ours vs baseline (${args.baseline}): full copy ${(median(baseline.seconds) / median(ours.seconds)).toFixed(3)}x, ` +
				`no-op rerun ${(noop('baseline') / noop('ours')).toFixed(3)}x (above 1: ours faster)`,
		);
	}
	if (ours && mbsync) {
		lines.push(
			`throughput ratio ours/mbsync: ${(median(mbsync.seconds) / median(ours.seconds)).toFixed(2)}x`,
		);
	}

	for (const size of args.scale) {
		const user = `scale${size}`;
		await source.addUser(user, PASSWORD);
		await load(source, user, generateCorpus(size, 7, { smallOnly: true }));
		// The node's way (a worker with a capped young generation) and the engine alone in the process, for contrast.
		for (const isolated of [true, false]) {
			const targetUser = `scaledst${size}${isolated ? 'w' : 'p'}`;
			await target.addUser(targetUser, PASSWORD);
			const run = await timed(process.execPath, [
				CLI,
				'--src',
				`imap://${user}:${PASSWORD}@${source.host}:${source.port}`,
				'--dst',
				`imap://${targetUser}:${PASSWORD}@${target.host}:${target.port}`,
				'--ledger',
				path.join(work, `${targetUser}.sqlite`),
				...(isolated ? ['--isolated', 'yes'] : []),
			]);
			const report = JSON.parse(run.stdout) as { peakRssBytes: number };
			lines.push(
				`scale ${size} small messages, ${isolated ? 'worker (as in n8n)' : 'in-process       '}: ${run.seconds.toFixed(2)} s, peak RSS ${(report.peakRssBytes / 1e6).toFixed(0)} MB`,
			);
		}
	}
	return lines;
}

/**
 * Dovecot's imap processes are capped at 256 MB by default; resyncing the uidlist of a 1,000,000-message Maildir
 * needs more (the source's imap process died "Out of memory (service imap { vsz_limit=256 MB })" at 1M, not at 200k).
 * A server that holds folders this size is configured for them.
 */
const HUGE_FOLDER_CONF = 'service imap {\n  vsz_limit = 1G\n}\n';
/**
 * The target stores mail in mdbox: Dovecot's Maildir target slowed to ~100 APPENDs/s past 500,000 messages in one
 * folder (its imap process at 100 % CPU re-syncing the directory; our process at 7 %), which measures Maildir, not the
 * engine. A server holding such folders uses a format made for them.
 */
const HUGE_TARGET_CONF = `${HUGE_FOLDER_CONF}mail_location = mdbox:~/mdbox\n`;

async function main(): Promise<void> {
	const args = parseArgs();
	if (args.main && args.mbsync) ensureDebianPackages(['isync']);
	const services = new TestServices();
	const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-bench-'));
	try {
		const [source, target] = await Promise.all([
			services.dovecot({ name: 'bench-source', extraConf: args.huge ? HUGE_FOLDER_CONF : '' }),
			services.dovecot({ name: 'bench-target', extraConf: args.huge ? HUGE_TARGET_CONF : '' }),
		]);
		const corpus = args.main || args.limited ? generateCorpus(args.messages) : [];
		// Each section prints its table when it ends, so a failing later section loses nothing.
		const print = (lines: string[]) => process.stdout.write(`${lines.join('\n')}\n`);
		if (args.main) print(await runMain(args, source, target, work, corpus));
		if (args.limited) {
			print(
				await runLimited({
					source,
					target,
					password: PASSWORD,
					work,
					corpus,
					runs: args.limitedRuns,
					dumpDir: args.limitedDump,
					load,
					verify,
					log,
				}),
			);
		}
		if (args.exchange) {
			const exchange = await startExchangeOnlineStandIn(services, { name: 'bench-exchange' });
			print(
				await runExchange(
					{
						source,
						target,
						password: PASSWORD,
						work,
						// Its own seed: the mix of the main corpus (sizes, folders, flags), other messages.
						corpus: generateCorpus(args.exchangeMessages, 11),
						rate: args.exchangeRate,
						runs: args.exchangeRuns,
						loginRounds: args.exchangeRounds,
						load,
						verify,
						log,
					},
					loginVariants(exchange, PASSWORD),
				),
			);
		}
		if (args.graph) {
			const m365 = await startGraphStandIn(services);
			print(
				await runGraph({
					source,
					m365,
					password: PASSWORD,
					work,
					messages: args.graphMessages,
					// Messages small against the window (about 7 %), as real ones are against 150 MB: a window then
					// wastes little of its room on the message that no longer fits.
					attachmentBytes: 100_000,
					// 0.5 MB/s per mailbox: binding within seconds, and 16 mailboxes' worth fits the machine.
					uploadBytesPerWindow: 2_000_000,
					windowMs: 4000,
					fanOuts: args.graphFanOuts,
					log,
				}),
			);
		}
		if (args.huge) {
			print(
				await runHuge({
					source,
					target,
					password: PASSWORD,
					work,
					cli: CLI,
					messages: args.hugeMessages,
					log,
				}),
			);
		}
	} finally {
		await services.stopAll();
		fs.rmSync(work, { recursive: true, force: true });
	}
}

main().catch((error: unknown) => {
	process.stderr.write(
		`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
	);
	process.exitCode = 1;
});
