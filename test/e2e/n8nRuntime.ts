/**
 * Real n8n for end-to-end tests and the demo: a pinned n8n on Node 24, installed once into a cache outside the repository,
 * a fresh user folder per test with this package installed as a community package, and headless workflow runs.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { freePort } from '../harness/ports';
import { cleanNpmEnv, ensureN8n } from './n8nInstall';

export { N8N_VERSION } from './n8nInstall';

/** test/e2e/ under jest, .build/test/e2e/ when compiled for `npm run demo`. */
const COMPILED = path.basename(path.resolve(__dirname, '..', '..')) === '.build';
const REPO_ROOT = path.resolve(__dirname, COMPILED ? '../../..' : '../..');
const PACKAGE_NAME = 'n8n-nodes-mailbox-migration';

function log(message: string): void {
	process.stderr.write(`[n8n-e2e] ${message}\n`);
}

function run(command: string, args: string[], cwd: string): void {
	const started = Date.now();
	log(`${command} ${args.join(' ')} (in ${cwd})`);
	execFileSync(command, args, { cwd, env: cleanNpmEnv(), stdio: ['ignore', 'inherit', 'inherit'] });
	log(`done in ${Math.round((Date.now() - started) / 1000)} s`);
}

/** Builds (when dist/ is missing) and packs this package; returns the tarball path. */
export function packPackage(): string {
	if (!fs.existsSync(path.join(REPO_ROOT, 'dist', 'nodes')))
		run('npm', ['run', 'build'], REPO_ROOT);
	const out = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-pack-'));
	const name = execFileSync('npm', ['pack', '--silent', '--pack-destination', out], {
		cwd: REPO_ROOT,
		encoding: 'utf8',
	})
		.trim()
		.split('\n')
		.pop() as string;
	return path.join(out, name);
}

export interface N8nHome {
	folder: string;
	env: NodeJS.ProcessEnv;
	node: string;
	n8n: string;
}

/**
 * Installs the packed package into `<userFolder>/.n8n/nodes` the way n8n installs a community package: from the
 * tarball, without dev or peer dependencies and without install scripts. Returns the installed package's folder.
 */
export function installCommunityPackage(tarball: string, userFolder: string): string {
	const nodesDir = path.join(userFolder, '.n8n', 'nodes');
	fs.mkdirSync(nodesDir, { recursive: true });
	fs.writeFileSync(
		path.join(nodesDir, 'package.json'),
		JSON.stringify({ name: 'installed-nodes', private: true, dependencies: {} }),
	);
	execFileSync(
		'npm',
		[
			'install',
			tarball,
			'--ignore-scripts',
			'--omit=dev',
			'--omit=peer',
			'--no-audit',
			'--no-fund',
		],
		{ cwd: nodesDir, env: cleanNpmEnv(), stdio: ['ignore', 'ignore', 'inherit'] },
	);
	return path.join(nodesDir, 'node_modules', PACKAGE_NAME);
}

/** A fresh n8n user folder with the package installed as a community package. */
export async function createN8nHome(tarball: string): Promise<N8nHome> {
	const runtime = await ensureN8n();
	const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-n8n-'));
	installCommunityPackage(tarball, folder);
	const env: NodeJS.ProcessEnv = {
		...process.env,
		PATH: `${path.dirname(runtime.node)}:${process.env.PATH ?? ''}`,
		N8N_USER_FOLDER: folder,
		N8N_ENCRYPTION_KEY: randomBytes(24).toString('hex'),
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_COMMUNITY_PACKAGES_ENABLED: 'true',
		N8N_RUNNERS_ENABLED: 'false',
		N8N_LOG_LEVEL: 'info',
		N8N_LOG_OUTPUT: 'console',
		NODE_OPTIONS: '',
		// Jest sets NODE_ENV=test, which makes n8n's CLI commands skip their work (no database, no output).
		NODE_ENV: 'production',
	};
	return { folder, env, node: runtime.node, n8n: runtime.n8n };
}

export interface CommandResult {
	code: number;
	stdout: string;
	stderr: string;
}

/**
 * Runs one n8n CLI command in the home. `n8n execute` starts n8n's task broker, by default on port 5679, which any
 * other n8n on the machine may hold ("Task Broker's port 5679 is already in use"): each command gets a free port.
 */
export async function n8nCommand(
	home: N8nHome,
	args: string[],
	timeoutMs = 10 * 60_000,
): Promise<CommandResult> {
	const env = { ...home.env, N8N_RUNNERS_BROKER_PORT: String(await freePort()) };
	return new Promise((resolve, reject) => {
		const child = spawn(home.node, [home.n8n, ...args], { env, cwd: home.folder });
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
		child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
		child.on('error', reject);
		child.on('close', (code) => {
			clearTimeout(timer);
			resolve({ code: code ?? -1, stdout, stderr });
		});
	});
}

function tail(text: string, lines = 50): string {
	return text.split('\n').slice(-lines).join('\n');
}

async function importFile(
	home: N8nHome,
	kind: 'workflow' | 'credentials',
	data: unknown,
): Promise<void> {
	const file = path.join(home.folder, `${kind}-${randomBytes(4).toString('hex')}.json`);
	fs.writeFileSync(file, JSON.stringify(data));
	const result = await n8nCommand(home, [`import:${kind}`, `--input=${file}`]);
	fs.rmSync(file, { force: true });
	if (result.code !== 0) {
		throw new Error(
			`n8n import:${kind} failed (${result.code}):\n${tail(result.stdout + result.stderr)}`,
		);
	}
}

export interface CredentialImport {
	id: string;
	name: string;
	type: string;
	data: Record<string, unknown>;
}

export async function importCredentials(
	home: N8nHome,
	credentials: CredentialImport[],
): Promise<void> {
	await importFile(home, 'credentials', credentials);
}

export async function importWorkflow(
	home: N8nHome,
	workflow: Record<string, unknown>,
): Promise<void> {
	await importFile(home, 'workflow', workflow);
}

/**
 * Publishes a workflow's current version (n8n 2.x; "activating" before): its triggers start with the next `n8n start`,
 * and only a published workflow runs as another's error workflow.
 */
export async function publishWorkflow(home: N8nHome, workflowId: string): Promise<void> {
	const result = await n8nCommand(home, ['publish:workflow', `--id=${workflowId}`]);
	if (result.code !== 0) {
		throw new Error(
			`n8n publish:workflow failed (${result.code}):\n${tail(result.stdout + result.stderr)}`,
		);
	}
}

export interface WorkflowRun {
	/** Output items (json) of each node that ran, by node name, from its first output. */
	nodes: Record<string, Record<string, unknown>[]>;
	/** Items of each output branch of each node. */
	outputs: Record<string, Record<string, unknown>[][]>;
	error: string | null;
	stdout: string;
	stderr: string;
}

interface RawTaskData {
	data?: { main?: Array<Array<{ json: Record<string, unknown> }> | null> };
	error?: { message?: string };
}

/** Runs a workflow headless with `n8n execute --rawOutput` and returns each node's output. */
export async function executeWorkflow(home: N8nHome, workflowId: string): Promise<WorkflowRun> {
	const result = await n8nCommand(home, ['execute', `--id=${workflowId}`, '--rawOutput']);
	// The run data is printed indented, from a line `{` to a line `}`; n8n logs around it, sometimes after it
	// (its task runner registers asynchronously), so take exactly that block.
	const start = result.stdout.search(/^\{$/m);
	const end = result.stdout.lastIndexOf('\n}');
	let parsed: {
		data?: {
			resultData?: { runData?: Record<string, RawTaskData[]>; error?: { message?: string } };
		};
	} | null = null;
	if (start >= 0 && end > start) {
		try {
			parsed = JSON.parse(result.stdout.slice(start, end + 2));
		} catch {
			parsed = null;
		}
	}
	if (!parsed) {
		throw new Error(
			`n8n execute printed no run data (exit ${result.code}):\n${tail(result.stdout)}\n${tail(result.stderr)}`,
		);
	}
	const runData = parsed.data?.resultData?.runData ?? {};
	const nodes: WorkflowRun['nodes'] = {};
	const outputs: WorkflowRun['outputs'] = {};
	for (const [name, tasks] of Object.entries(runData)) {
		const main = tasks[tasks.length - 1]?.data?.main ?? [];
		outputs[name] = main.map((branch) => (branch ?? []).map((item) => item.json));
		nodes[name] = outputs[name][0] ?? [];
	}
	return {
		nodes,
		outputs,
		error: parsed.data?.resultData?.error?.message ?? null,
		stdout: result.stdout,
		stderr: result.stderr,
	};
}

/** A fresh n8n home with this package packed and installed, and these credentials imported. */
export async function n8nHomeWithCredentials(credentials: CredentialImport[]): Promise<N8nHome> {
	const home = await createN8nHome(packPackage());
	await importCredentials(home, credentials);
	return home;
}

/** Imports a workflow (replacing one with its id) and runs it once. */
export async function runWorkflow(
	home: N8nHome,
	workflow: Record<string, unknown>,
): Promise<WorkflowRun> {
	await importWorkflow(home, workflow);
	return executeWorkflow(home, workflow.id as string);
}

export function removeN8nHome(home: N8nHome): void {
	if (process.env.KEEP_TEST_SERVICES === '1') {
		log(`kept n8n home ${home.folder}`);
		return;
	}
	fs.rmSync(home.folder, { recursive: true, force: true });
}

/** A shipped template with its mailbox list and credential ids replaced for a run. */
export function loadTemplate(name: string): Record<string, unknown> {
	return JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'workflows', name), 'utf8')) as Record<
		string,
		unknown
	>;
}

/** The shipped templates' file names (`workflows/*.json`), sorted: what the editor test and the demo import. */
export function templateFiles(): string[] {
	return fs
		.readdirSync(path.join(REPO_ROOT, 'workflows'))
		.filter((file) => file.endsWith('.json'))
		.sort();
}

export const packageName = PACKAGE_NAME;
