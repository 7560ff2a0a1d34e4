/**
 * Runs one IMAP-to-IMAP mailbox migration outside n8n, for the benchmark, crash tests (killed with -9 at random points)
 * and side-by-side timing with other tools. Prints the mailbox report as one JSON line, with the peak RSS.
 *
 *   node .build/test/tools/migrateCli.js --src imap://user:pass@127.0.0.1:10143 --dst imap://user:pass@127.0.0.1:11143 \
 *     --ledger /tmp/ledger.sqlite [--mode full|delta|verify|dryRun] [--migration NAME] [--connections N] [--depth N] [--batch N] [--window N]
 *     [--isolated yes] [--dst-oauth FILE] [--dst-graph FILE]
 *
 * `--dst-oauth FILE` logs in to the target with XOAUTH2: FILE holds `{ "app": MicrosoftApp, "scope": "..." }` (read from
 * a file so the client secret stays out of argv and the process list); the `--dst` URL then carries no password.
 *
 * `--dst-graph FILE` writes to a Microsoft 365 mailbox through Graph instead of `--dst`: FILE holds the store
 * description `{ "app": MicrosoftApp, "mailbox": "upn", "limits"?: GraphMailboxLimits }` (kind `graph`).
 *
 * `--isolated yes` runs the migration as the n8n node does: in a worker thread with a capped young generation
 * (isolatedExecution.ts). Without it the engine runs in this process, which the crash tests need for their kill hook.
 *
 * Memory diagnostics (issue 3), all off unless set: MM_MEM_LOG (+ MM_MEM_SAMPLE_MS, MM_MEM_SMAPS), MM_HEAP_SNAPSHOT_AT
 * (+ MM_HEAP_SNAPSHOT_DIR), MM_ALLOC_PROFILE; see the functions below. `--isolated yes` runs it in a worker as the node does.
 */
import { appendFileSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';

import { runExecutionIsolated } from '../../nodes/lib/migration/execution/isolatedExecution';
import type { ExecutionEvent } from '../../nodes/lib/migration/execution/runExecution';
import { newOwnerId } from '../../nodes/lib/migration/owner';
import type { CopyTuning, MailboxReport, MigrationMode } from '../../nodes/lib/migration/types';
import type { ImapEndpoint } from '../../nodes/lib/imap/endpoint';
import type {
	GraphStoreOptions,
	TargetStoreOptions,
} from '../../nodes/lib/migration/stores/storeSides';

type GraphTarget = Omit<GraphStoreOptions, 'kind'>;

function endpoint(url: string): ImapEndpoint {
	const parsed = new URL(url);
	const user = decodeURIComponent(parsed.username);
	return {
		host: parsed.hostname,
		port: Number(parsed.port || (parsed.protocol === 'imaps:' ? 993 : 143)),
		security: parsed.protocol === 'imaps:' ? 'tls' : 'none',
		allowSelfSigned: true,
		login: {
			mailbox: user.split('*')[0],
			authUser: user,
			password: decodeURIComponent(parsed.password),
		},
	};
}

/**
 * This process's own peak RSS. getrusage's maxRSS is no use here: Linux carries the parent's high-water mark into a
 * forked child, so a benchmark parent holding the corpus would be measured instead. VmHWM starts afresh at exec.
 */
function peakRssBytes(): number {
	try {
		const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
		if (match) return Number(match[1]) * 1024;
	} catch {
		// Not Linux: fall back to getrusage below.
	}
	return process.resourceUsage().maxRSS * 1024;
}

/** What is still held after the run (after a GC when node runs with --expose-gc): tells retention from GC slack. */
function retainedMemory(): NodeJS.MemoryUsage {
	(globalThis as { gc?: () => void }).gc?.();
	return process.memoryUsage();
}

/**
 * Diagnostics (issue 3): MM_MEM_LOG=file samples process.memoryUsage() and the V8 heap spaces every MM_MEM_SAMPLE_MS
 * (default 200) as JSON lines; MM_HEAP_SNAPSHOT_AT=n[,m] writes a heap snapshot once n messages were copied.
 */
function startMemorySampler(): () => void {
	const file = process.env.MM_MEM_LOG;
	if (!file) return () => undefined;
	const started = Date.now();
	const sample = (label?: string) => {
		const spaces: Record<string, number> = {};
		for (const space of v8.getHeapSpaceStatistics())
			spaces[space.space_name.replace(/_space$/, '')] = Math.round(space.space_size / 1e5) / 10;
		const memory = process.memoryUsage();
		const smaps = process.env.MM_MEM_SMAPS ? residentByKind() : undefined;
		appendFileSync(
			file,
			`${JSON.stringify({
				t: Date.now() - started,
				label,
				rss: Math.round(memory.rss / 1e5) / 10,
				heapTotal: Math.round(memory.heapTotal / 1e5) / 10,
				heapUsed: Math.round(memory.heapUsed / 1e5) / 10,
				external: Math.round(memory.external / 1e5) / 10,
				arrayBuffers: Math.round(memory.arrayBuffers / 1e5) / 10,
				spaces,
				smaps,
			})}\n`,
		);
	};
	const timer = setInterval(sample, Number(process.env.MM_MEM_SAMPLE_MS ?? 200));
	timer.unref();
	return () => {
		clearInterval(timer);
		sample('end');
	};
}

/** Resident MB by mapping kind: brk heap (malloc main arena), anonymous mappings by size, file-backed. */
function residentByKind(): Record<string, number> {
	const totals: Record<string, number> = {};
	let kind = '';
	for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
		const head = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
		if (head) {
			const size = (parseInt(head[2], 16) - parseInt(head[1], 16)) / 1048576;
			const name = head[3];
			kind =
				name === '[heap]'
					? 'brk'
					: name.startsWith('/')
						? 'file'
						: name
							? name
							: size >= 60 && size <= 64
								? 'anon64M'
								: size >= 1
									? 'anon>=1M'
									: 'anon<1M';
			continue;
		}
		const rss = /^Rss:\s+(\d+) kB/.exec(line);
		if (rss) totals[kind] = Math.round(((totals[kind] ?? 0) + Number(rss[1]) / 1024) * 10) / 10;
	}
	return totals;
}

function snapshotTrigger(): ((copied: number) => void) | undefined {
	const marks = (process.env.MM_HEAP_SNAPSHOT_AT ?? '')
		.split(',')
		.filter(Boolean)
		.map(Number)
		.sort((a, b) => a - b);
	if (marks.length === 0) return undefined;
	let copiedSoFar = 0;
	return (copied) => {
		copiedSoFar = copied;
		while (marks.length && copiedSoFar >= marks[0]) {
			const mark = marks.shift() as number;
			const file = v8.writeHeapSnapshot(
				path.join(
					process.env.MM_HEAP_SNAPSHOT_DIR ?? os.tmpdir(),
					`heap-${process.pid}-${mark}.heapsnapshot`,
				),
			);
			process.stderr.write(`heap snapshot at ${copiedSoFar}: ${file}\n`);
		}
	};
}

/** MM_ALLOC_PROFILE=file: a sampling allocation profile that keeps garbage (what the young generation sees). */
async function startAllocationProfile(): Promise<() => Promise<void>> {
	const file = process.env.MM_ALLOC_PROFILE;
	if (!file) return async () => undefined;
	const { Session } = await import('node:inspector/promises');
	const session = new Session();
	session.connect();
	await session.post('HeapProfiler.startSampling', {
		samplingInterval: 16384,
		includeObjectsCollectedByMajorGC: true,
		includeObjectsCollectedByMinorGC: true,
	} as never);
	return async () => {
		const { profile } = (await session.post('HeapProfiler.stopSampling')) as { profile: unknown };
		writeFileSync(file, JSON.stringify(profile));
		session.disconnect();
	};
}

async function main(): Promise<void> {
	const stopProfile = await startAllocationProfile();
	const stopSampler = startMemorySampler();
	const onSnapshot = snapshotTrigger();
	let totalCopied = 0;
	const folderCopied = new Map<string, number>();
	const args = new Map<string, string>();
	for (let index = 2; index < process.argv.length; index += 2) {
		args.set(process.argv[index].replace(/^--/, ''), process.argv[index + 1]);
	}
	const required = (name: string) => {
		const value = args.get(name);
		if (!value) throw new Error(`--${name} is required`);
		return value;
	};
	// Crash tests: MM_KILL_AFTER_APPENDS=N dies by SIGKILL right after the target accepted the N-th batch, before the
	// ledger records it; the first accepted batch is said on stdout, for a test that times its own kill from there.
	const killAfterAppends = Number(process.env.MM_KILL_AFTER_APPENDS ?? 0);
	let appends = 0;
	const afterAppend = killAfterAppends
		? () => {
				appends++;
				if (appends === 1) writeSync(1, 'failpoint: first append\n');
				if (appends < killAfterAppends) return;
				writeSync(1, 'failpoint: killed after append\n');
				process.kill(process.pid, 'SIGKILL');
			}
		: undefined;
	const tuning: Partial<CopyTuning> = {
		...(args.has('connections') ? { connections: Number(args.get('connections')) } : {}),
		...(args.has('depth') ? { pipelineDepth: Number(args.get('depth')) } : {}),
		...(args.has('batch') ? { batchMessages: Number(args.get('batch')) } : {}),
		...(args.has('window') ? { windowMessages: Number(args.get('window')) } : {}),
	};
	const graphFile = args.get('dst-graph');
	const target: TargetStoreOptions = graphFile
		? { kind: 'graph', ...(JSON.parse(readFileSync(graphFile, 'utf8')) as GraphTarget) }
		: { kind: 'imap', endpoint: endpoint(required('dst')) };
	const oauthFile = args.get('dst-oauth');
	if (oauthFile && target.kind === 'imap')
		target.endpoint.login.oauth = JSON.parse(readFileSync(oauthFile, 'utf8'));
	const mode = (args.get('mode') ?? 'full') as MigrationMode;
	const folderRules = { specialUse: args.get('special-use') !== 'off' };
	if (args.get('isolated') === 'yes') {
		await runIsolated(required, target, mode, folderRules, tuning, args.get('migration') ?? 'cli');
		return;
	}
	// Loaded here, not at the top: an --isolated run loads the engine in its worker only, as the node does.
	const { openLedger } = await import('../../nodes/lib/ledger');
	const { runMailboxMigration } =
		await import('../../nodes/lib/migration/execution/runMailboxMigration');
	const { imapSourceSide } = await import('../../nodes/lib/migration/stores/imap/imapSides');
	const { targetSideOf } = await import('../../nodes/lib/migration/stores/storeSides');
	const ledger = await openLedger({ kind: 'sqlite', path: required('ledger') });
	try {
		const report = await runMailboxMigration({
			source: imapSourceSide(endpoint(required('src'))),
			target: targetSideOf(target),
			migrationId: args.get('migration') ?? 'cli',
			mode,
			folderRules,
			tuning,
			ledger,
			owner: newOwnerId('cli'),
			afterAppend,
			...(onSnapshot
				? {
						onProgress: (progress: { folder: string; copied: number }) => {
							totalCopied += progress.copied - (folderCopied.get(progress.folder) ?? 0);
							folderCopied.set(progress.folder, progress.copied);
							onSnapshot(totalCopied);
						},
					}
				: {}),
		});
		stopSampler();
		await stopProfile();
		process.stdout.write(
			`${JSON.stringify({ ...report, peakRssBytes: peakRssBytes(), memory: retainedMemory() })}\n`,
		);
		process.exitCode = report.status === 'completed' ? 0 : 3;
	} finally {
		await ledger.close();
	}
}

/** The node's way: one job through runExecutionIsolated, no limits or stop conditions. */
async function runIsolated(
	required: (name: string) => string,
	target: TargetStoreOptions,
	mode: MigrationMode,
	folderRules: { specialUse: boolean },
	tuning: Partial<CopyTuning>,
	migrationId: string,
): Promise<void> {
	let report: MailboxReport | null = null;
	let failure: string | null = null;
	await runExecutionIsolated(
		{
			jobs: [
				{
					position: 0,
					source: { kind: 'imap', endpoint: endpoint(required('src')) },
					target,
					migrationId,
					mode,
					folderRules,
					tuning,
					oversize: { maxMessageBytes: null, zipAttachments: true },
					maxFailedItemsReported: 1000,
				},
			],
			mailboxesInParallel: 1,
			controls: { timeZone: 'UTC', profiles: [], stop: {} },
			ledger: { kind: 'sqlite', path: required('ledger') },
			limiter: { kind: 'process' },
			guard: { kind: 'process' },
			owner: newOwnerId('cli'),
		},
		(event: ExecutionEvent) => {
			if (event.type === 'report') report = event.report;
			if (event.type === 'failure') failure = event.failure.message;
		},
	);
	if (!report) throw new Error(failure ?? 'no report');
	const done: MailboxReport = report;
	process.stdout.write(
		`${JSON.stringify({ ...done, peakRssBytes: peakRssBytes(), memory: retainedMemory() })}
`,
	);
	process.exitCode = done.status === 'completed' ? 0 : 3;
}

main().catch((error: unknown) => {
	process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
	process.exitCode = 2;
});
