/**
 * The one way tests run TypeScript in a child process: this repository's scripts compiled once by tsc
 * (tsconfig.scripts.json, the same build `npm run bench` and `npm run demo` use) into .build/, and the child runs
 * the JavaScript. Compiled once per test process, under a lock so parallel suites do not write .build/ together.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { withProcessLock } from './processLock';

const ROOT = path.resolve(__dirname, '..', '..');
const OUT_DIR = path.join(ROOT, '.build');

let compiled: Promise<void> | undefined;

function compile(): Promise<void> {
	compiled ??= withProcessLock(path.join(ROOT, '.build-lock'), 'compiling the test scripts', () => {
		execFileSync(
			process.execPath,
			[path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.scripts.json'],
			{ cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] },
		);
	});
	return compiled;
}

/** The compiled JavaScript of a script, given by its path from the repository root (`test/tools/migrateCli.ts`). */
export async function compiledScript(source: string): Promise<string> {
	await compile();
	const output = path.join(OUT_DIR, source.replace(/\.ts$/, '.js'));
	if (!fs.existsSync(output)) throw new Error(`${source} was not compiled to ${output}`);
	return output;
}
