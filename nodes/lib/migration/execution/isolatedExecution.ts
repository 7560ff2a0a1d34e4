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
import type { ExecutionEvent, ExecutionInput } from './runExecution';

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

/**
 * The compiled worker beside `moduleFile` (this module), or null to run in this process. Only TypeScript sources run
 * in-process (jest, Node's type stripping): no compiled worker can exist beside them. A compiled module without its
 * worker is a packaging slip, and running in-process would lose the memory cap unnoticed, so that is an error.
 */
export function workerFileBeside(moduleFile: string): string | null {
	if (moduleFile.endsWith('.ts')) return null;
	const workerFile = path.join(path.dirname(moduleFile), 'executionWorker.js');
	if (!fs.existsSync(workerFile)) {
		throw new Error(
			`The migration worker ${workerFile} is missing: the package is incomplete; reinstall it`,
		);
	}
	return workerFile;
}

type WorkerMessage =
	ExecutionEvent | { type: 'done' } | { type: 'fatal'; message: string; name: string };

/** Same contract as runExecution; in a worker thread, except from TypeScript sources (see workerFileBeside). */
export async function runExecutionIsolated(
	input: ExecutionInput,
	emit: (event: ExecutionEvent) => void,
	signal?: AbortSignal,
): Promise<void> {
	const workerFile = workerFileBeside(__filename);
	if (!workerFile) {
		const { runExecution } = await import('./runExecution');
		await runExecution(input, emit, signal);
		return;
	}
	const worker = new Worker(workerFile, {
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
