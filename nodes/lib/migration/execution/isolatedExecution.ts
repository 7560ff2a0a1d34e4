/**
 * Runs an execution in a worker thread with a capped young generation. Why: V8 grows the young generation whenever
 * many objects survive its scavenges, and a migration's per-window metadata does, so in the n8n process the heap (and
 * RSS) kept growing with the number of messages copied (89 MB at 1k, 245 MB at 50k) though little is retained. In the
 * worker it stays flat, and an out-of-memory error ends the execution, not n8n.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

// Types only: the engine itself is loaded in the worker, not in the n8n process.
import type { ExecutionEvent, ExecutionInput } from './runImapExecution';

/** A positive number from the environment, for operators tuning memory against speed; else the default. */
function fromEnvironment(name: string, fallback: number): number {
	const value = Number(process.env[name]);
	return Number.isFinite(value) && value > 0 ? value : fallback;
}

/** Young generation of the worker (three semi-space-sized areas): 12 MB means 4 MB semi-spaces. */
export const WORKER_YOUNG_GENERATION_MB = fromEnvironment(
	'MAILBOX_MIGRATION_YOUNG_GENERATION_MB',
	12,
);

/** Generous, only so that a runaway execution fails alone instead of taking n8n down. */
export const WORKER_OLD_GENERATION_MB = fromEnvironment(
	'MAILBOX_MIGRATION_OLD_GENERATION_MB',
	1024,
);

const WORKER_FILE = path.join(__dirname, 'executionWorker.js');

type WorkerMessage =
	ExecutionEvent | { type: 'done' } | { type: 'fatal'; message: string; name: string };

/**
 * Same contract as runImapExecution. Falls back to running in-process where the compiled worker file is absent
 * (TypeScript sources under a test runner).
 */
export async function runImapExecutionIsolated(
	input: ExecutionInput,
	emit: (event: ExecutionEvent) => void,
	signal?: AbortSignal,
): Promise<void> {
	if (!fs.existsSync(WORKER_FILE)) {
		const { runImapExecution } = await import('./runImapExecution');
		await runImapExecution(input, emit, signal);
		return;
	}
	const worker = new Worker(WORKER_FILE, {
		workerData: input,
		resourceLimits: {
			maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB,
			maxOldGenerationSizeMb: WORKER_OLD_GENERATION_MB,
		},
	});
	const onAbort = () => worker.postMessage({ type: 'abort' });
	signal?.addEventListener('abort', onAbort, { once: true });
	try {
		await new Promise<void>((resolve, reject) => {
			let finished = false;
			worker.on('message', (message: WorkerMessage) => {
				if (message.type === 'done') {
					finished = true;
					resolve();
				} else if (message.type === 'fatal') {
					finished = true;
					reject(Object.assign(new Error(message.message), { name: message.name }));
				} else {
					emit(message);
				}
			});
			// ERR_WORKER_OUT_OF_MEMORY and other crashes of the worker: the ledger is write-ahead, so a rerun resumes.
			worker.on('error', (error) => {
				finished = true;
				reject(new Error(`the migration worker stopped: ${error.message}`, { cause: error }));
			});
			worker.on('exit', (code) => {
				if (!finished) reject(new Error(`the migration worker exited with code ${code}`));
			});
		});
	} finally {
		signal?.removeEventListener('abort', onAbort);
		await worker.terminate();
	}
}
