/**
 * Prototype for issue 3: runs migrateCli.js unchanged inside a worker_thread whose V8 heap has resourceLimits, so
 * the young generation cannot grow with the run (the main isolate's semi-space doubles whenever the bytes surviving
 * scavenges since the last growth exceed its size, up to 64 MB, i.e. 134 MB committed). The worker writes the same
 * report line; its peakRssBytes (VmHWM) is the whole process's, main isolate included.
 *
 *   MM_WORKER_YOUNG_MB=12 MM_WORKER_OLD_MB=64 node .build/test/tools/migrateWorkerCli.js <migrateCli arguments>
 *
 * maxYoungGenerationSizeMb is three semi-spaces (two plus the young large-object space): 12 means 4 MB semi-spaces.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';

const youngMb = Number(process.env.MM_WORKER_YOUNG_MB ?? 12);
const oldMb = Number(process.env.MM_WORKER_OLD_MB ?? 0);

const worker = new Worker(path.join(__dirname, 'migrateCli.js'), {
	argv: process.argv.slice(2),
	resourceLimits: {
		...(youngMb > 0 ? { maxYoungGenerationSizeMb: youngMb } : {}),
		...(oldMb > 0 ? { maxOldGenerationSizeMb: oldMb } : {}),
	},
});
worker.on('error', (error) => {
	// ERR_WORKER_OUT_OF_MEMORY when the old-generation limit is too small for the run.
	process.stderr.write(`${error.message}\n`);
	process.exitCode = 2;
});
worker.on('exit', (code) => {
	process.exitCode ??= code;
});
