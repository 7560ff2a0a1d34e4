import { spawn, type ChildProcess } from 'node:child_process';
import { statSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { openLedger } from '../../../nodes/lib/ledger';
import {
	ACCOUNT,
	FOLDER,
	MIGRATION,
	UIDVALIDITY,
	intent,
	outcome,
	tempLedgerDir,
} from '../../unit/ledger/ledgerFixtures';
import { compiledScript } from '../../harness/compiledScripts';
import type { WorkerCommand } from './ledgerWorker';

const REPO_ROOT = join(__dirname, '..', '..', '..');
let workerScript = '';

interface Worker {
	child: ChildProcess;
	/** Resolves with the first reported event of that name. */
	event(name: string): Promise<Record<string, unknown>>;
	exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

function startWorker(command: WorkerCommand): Worker {
	const child = spawn(process.execPath, [workerScript, JSON.stringify(command)], {
		cwd: REPO_ROOT,
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	const events: Record<string, unknown>[] = [];
	const waiters: Array<() => void> = [];
	let stdout = '';
	let stderr = '';
	child.stdout!.on('data', (chunk: Buffer) => {
		stdout += chunk.toString();
		let newline: number;
		while ((newline = stdout.indexOf('\n')) >= 0) {
			events.push(JSON.parse(stdout.slice(0, newline)) as Record<string, unknown>);
			stdout = stdout.slice(newline + 1);
			waiters.splice(0).forEach((wake) => wake());
		}
	});
	child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
	const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>(
		(resolve) =>
			child.on('exit', (code, signal) => {
				resolve({ code, signal, stderr });
				waiters.splice(0).forEach((wake) => wake());
			}),
	);
	const event = async (name: string) => {
		for (;;) {
			const found = events.find((candidate) => candidate.event === name);
			if (found) return found;
			if (child.exitCode !== null || child.signalCode !== null) {
				throw new Error(`worker exited before "${name}": ${stderr}`);
			}
			await new Promise<void>((wake) => waiters.push(wake));
		}
	};
	return { child, event, exit };
}

describe('SQLite ledger shared by processes', () => {
	beforeAll(async () => {
		workerScript = await compiledScript('test/integration/ledger/ledgerWorker.ts');
	}, 120_000);

	let dir: ReturnType<typeof tempLedgerDir>;
	const running: ChildProcess[] = [];

	beforeEach(() => {
		dir = tempLedgerDir();
	});

	afterEach(() => {
		for (const child of running.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
		dir.remove();
	});

	function start(command: WorkerCommand): Worker {
		const worker = startWorker(command);
		running.push(worker.child);
		return worker;
	}

	it('lets only one process hold a mailbox at a time', async () => {
		const counterFile = dir.path('counter');
		writeFileSync(counterFile, '');
		const goFile = dir.path('go');
		const rounds = 40;

		const workers = ['a', 'b'].map((mark) =>
			start({
				op: 'lockCounter',
				path: dir.path(),
				owner: `worker-${mark}`,
				mark,
				rounds,
				counterFile,
				goFile,
			}),
		);
		await Promise.all(workers.map((worker) => worker.event('ready')));
		writeFileSync(goFile, '');
		const results = await Promise.all(workers.map((worker) => worker.exit));

		expect(results.map(({ code, stderr }) => ({ code, stderr }))).toEqual([
			{ code: 0, stderr: '' },
			{ code: 0, stderr: '' },
		]);
		const marks = readFileSync(counterFile, 'utf8');
		expect(marks.length).toBe(2 * rounds);
		// The workers took turns, or the test proved nothing about exclusion.
		const handovers = [...marks].filter(
			(mark, index) => index > 0 && mark !== marks[index - 1],
		).length;
		expect(handovers).toBeGreaterThanOrEqual(2);
	});

	it('keeps every write when two processes write batches at once', async () => {
		const batches = 50;
		const batchSize = 200;
		const workers = [1, 1 + batches * batchSize].map((firstUid) =>
			start({ op: 'write', path: dir.path(), firstUid, batches, batchSize }),
		);
		const results = await Promise.all(workers.map((worker) => worker.exit));

		expect(results.map(({ code, stderr }) => ({ code, stderr }))).toEqual([
			{ code: 0, stderr: '' },
			{ code: 0, stderr: '' },
		]);
		const ledger = await openLedger({ kind: 'sqlite', path: dir.path() });
		expect(await ledger.countsByStatus(MIGRATION, ACCOUNT)).toMatchObject({
			pending: 0,
			copied: 2 * batches * batchSize,
		});
		await ledger.close();
	});

	it('keeps what was recorded when the process is killed right after (kill -9)', async () => {
		const worker = start({ op: 'recordThenHang', path: dir.path(), items: 500 });
		await worker.event('recorded');
		worker.child.kill('SIGKILL');
		expect((await worker.exit).signal).toBe('SIGKILL');
		// The rows live only in the WAL (never checkpointed): reopening must recover them from it.
		expect(statSync(`${dir.path()}-wal`).size).toBeGreaterThan(0);

		const ledger = await openLedger({ kind: 'sqlite', path: dir.path() });
		expect(await ledger.countsByStatus(MIGRATION, ACCOUNT)).toMatchObject({
			pending: 250,
			copied: 250,
		});
		expect(
			await ledger.getItem({
				migrationId: MIGRATION,
				sourceAccount: ACCOUNT,
				sourceFolder: FOLDER,
				uidValidity: UIDVALIDITY,
				uid: 500,
			}),
		).toMatchObject({ status: 'copied', targetUid: 5500, attempts: 1 });
		await ledger.close();
	});

	it('frees the mailbox of a killed holder once its lease expires', async () => {
		// Long enough that killing the holder and opening the ledger (seconds on a loaded machine) stay within it.
		const ttlMs = 5_000;
		const worker = start({ op: 'lockThenHang', path: dir.path(), owner: 'doomed-worker', ttlMs });
		expect(await worker.event('locked')).toMatchObject({ acquired: true });
		// The lease was taken before the worker reported it: it expires at the latest ttlMs after this.
		const lockedAt = Date.now();
		worker.child.kill('SIGKILL');
		await worker.exit;

		const ledger = await openLedger({ kind: 'sqlite', path: dir.path() });
		expect(await ledger.acquireMailboxLock(MIGRATION, ACCOUNT, 'survivor', 60_000)).toMatchObject({
			acquired: false,
			heldBy: 'doomed-worker',
		});
		await new Promise((resolve) => setTimeout(resolve, lockedAt + ttlMs + 100 - Date.now()));
		expect((await ledger.acquireMailboxLock(MIGRATION, ACCOUNT, 'survivor', 60_000)).acquired).toBe(
			true,
		);
		await ledger.close();
	});
});

describe('SQLite ledger at scale', () => {
	it('loads a 100k-item folder quickly', async () => {
		const dir = tempLedgerDir();
		const ledger = await openLedger({ kind: 'sqlite', path: dir.path() });
		try {
			const total = 100_000;
			const batchSize = 5_000;
			const writeStarted = performance.now();
			for (let first = 1; first <= total; first += batchSize) {
				const uids = Array.from({ length: batchSize }, (_, index) => first + index);
				await ledger.recordOutcomes(uids.map((uid) => outcome(uid, 'copied')));
			}
			const writeMs = performance.now() - writeStarted;
			// Another folder and UIDVALIDITY in the same file, so the load has to select, not just read everything.
			await ledger.recordIntents(
				Array.from({ length: 20_000 }, (_, index) =>
					intent(index + 1, { sourceFolder: 'Archive' }),
				),
			);

			const loadTimes: number[] = [];
			let size = 0;
			for (let run = 0; run < 3; run++) {
				const loadStarted = performance.now();
				const items = await ledger.getFolderItems(MIGRATION, ACCOUNT, FOLDER, UIDVALIDITY);
				loadTimes.push(performance.now() - loadStarted);
				size = items.size;
			}

			expect(size).toBe(total);
			console.log(
				`ledger scale: wrote ${total} outcomes in ${Math.round(writeMs)} ms (batches of ${batchSize}); ` +
					`getFolderItems(100k) ${loadTimes.map((ms) => Math.round(ms)).join(' / ')} ms; ` +
					`file ${(statSync(dir.path()).size / 1e6).toFixed(1)} MB + WAL`,
			);
			// Generous bound: the engine loads every folder at the start of each pass.
			expect(Math.min(...loadTimes)).toBeLessThan(2_000);
		} finally {
			await ledger.close();
			dir.remove();
		}
	});
});
