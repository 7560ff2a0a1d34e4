/**
 * n8n's editor for browser tests: a private `n8n start` on a free loopback port (its own process group, stopped by
 * that group's id), its owner account, and Debian's chromium driven by playwright-core, signed in as that owner.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

import { ensureDebianPackages } from '../harness/debian';
import { freePort } from '../harness/ports';
import { descendantPids, isAlive, waitUntilGone } from '../harness/processes';
import type { N8nHome } from './n8nRuntime';

const CHROMIUM = '/usr/bin/chromium';
/** How long n8n may take to come up on a slow, busy machine (it runs its database migrations on first start). */
const START_TIMEOUT_MS = 5 * 60_000;
const STOP_GRACE_MS = 30_000;

export interface Owner {
	email: string;
	password: string;
}

export interface N8nServer {
	url: string;
	owner: Owner;
	/** n8n's own output, for failure messages. */
	logFile: string;
	stop(): Promise<void>;
}

/** Sends a signal to every process of the group; false when the group is gone. */
function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
	try {
		process.kill(-pgid, signal);
		return true;
	} catch {
		return false;
	}
}

/** SIGTERM to the whole group, SIGKILL to what is left after the grace period. */
async function stopGroup(pgid: number): Promise<void> {
	const members = [pgid, ...descendantPids(pgid)];
	if (!signalGroup(pgid, 'SIGTERM')) return;
	if (await waitUntilGone(members, STOP_GRACE_MS)) return;
	signalGroup(pgid, 'SIGKILL');
	await waitUntilGone(members, STOP_GRACE_MS);
}

function tailOf(file: string, lines = 40): string {
	try {
		return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
	} catch {
		return '';
	}
}

/**
 * Resolves once `GET /rest/settings` answers 200 with JSON; rejects as soon as n8n has exited, or at the timeout.
 * While starting, n8n answers every route 200 with an HTML "n8n is starting up" page, then 404 until its REST routes
 * are registered (measured on 2.41.1: /healthz is `ok` throughout both).
 */
async function waitUntilServing(url: string, pid: number, logFile: string): Promise<void> {
	const deadline = Date.now() + START_TIMEOUT_MS;
	const serving = () =>
		fetch(`${url}/rest/settings`).then(
			(response) =>
				response.ok && /^application\/json/.test(response.headers.get('content-type') ?? ''),
			() => false,
		);
	for (;;) {
		if (!isAlive(pid)) throw new Error(`n8n exited while starting:\n${tailOf(logFile)}`);
		if (await serving()) return;
		if (Date.now() > deadline)
			throw new Error(`n8n did not serve within ${START_TIMEOUT_MS / 1000} s:\n${tailOf(logFile)}`);
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
}

async function setUpOwner(url: string): Promise<Owner> {
	// n8n's rule: 8 to 64 characters with a digit and an upper-case letter.
	const owner = { email: 'owner@example.test', password: `E2e-${randomBytes(9).toString('hex')}` };
	const response = await fetch(`${url}/rest/owner/setup`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ ...owner, firstName: 'Test', lastName: 'Owner' }),
	});
	if (!response.ok)
		throw new Error(`POST /rest/owner/setup answered ${response.status}: ${await response.text()}`);
	return owner;
}

/**
 * Starts `n8n start` in the home's user folder on a free loopback port and sets up its owner. Workflows and
 * credentials imported into the home before are there. A port taken between choosing and binding is retried.
 */
export async function startN8nServer(home: N8nHome): Promise<N8nServer> {
	for (let attempt = 1; ; attempt++) {
		const port = await freePort();
		const brokerPort = await freePort();
		const url = `http://127.0.0.1:${port}`;
		const logFile = path.join(home.folder, `n8n-start-${port}.log`);
		const output = fs.openSync(logFile, 'w');
		const child = spawn(home.node, [home.n8n, 'start'], {
			cwd: home.folder,
			env: {
				...home.env,
				N8N_PORT: String(port),
				N8N_LISTEN_ADDRESS: '127.0.0.1',
				// The editor is served over plain HTTP here; a secure cookie would never be sent back.
				N8N_SECURE_COOKIE: 'false',
				// Its task broker listens on 5679 by default, which another n8n on this machine may hold.
				N8N_RUNNERS_BROKER_PORT: String(brokerPort),
			},
			// Its own process group, so stopping it reaches whatever it started.
			detached: true,
			stdio: ['ignore', output, output],
		});
		fs.closeSync(output);
		const pid = child.pid;
		if (pid === undefined) throw new Error(`could not start n8n: ${tailOf(logFile)}`);
		child.unref();
		try {
			await waitUntilServing(url, pid, logFile);
			const owner = await setUpOwner(url);
			return { url, owner, logFile, stop: () => stopGroup(pid) };
		} catch (error) {
			await stopGroup(pid);
			if (attempt < 3 && /EADDRINUSE/.test(tailOf(logFile))) continue;
			throw error;
		}
	}
}

/**
 * Resolves once n8n serves the production webhook `POST /webhook/<path>` of a published workflow. n8n 2.x registers
 * published triggers asynchronously after it starts serving (its publication reconciler), so a POST sent at once may
 * get 404. The probe is a GET, which never runs the workflow: n8n answers it 404 "...Did you mean to make a POST
 * request?" once the POST webhook is registered, and "...is not registered." before.
 */
export async function waitForPostWebhook(server: N8nServer, webhookPath: string): Promise<void> {
	const deadline = Date.now() + START_TIMEOUT_MS;
	for (;;) {
		const answer = await fetch(`${server.url}/webhook/${webhookPath}`).then(
			async (response) => await response.text(),
			(error: Error) => error.message,
		);
		if (answer.includes('make a POST request')) return;
		if (Date.now() > deadline)
			throw new Error(
				`n8n did not register POST /webhook/${webhookPath} within ${START_TIMEOUT_MS / 1000} s (${answer}):\n${tailOf(server.logFile)}`,
			);
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
}

export interface EditorBrowser {
	browser: Browser;
	context: BrowserContext;
	page: Page;
	close(): Promise<void>;
}

/**
 * Debian's chromium, headless (installed on demand when root, as the test servers are), launched as a browser server
 * so its process is ours to stop: playwright-core starts it as the leader of its own process group.
 */
export async function launchChromium(
	baseURL: string,
	viewport = { width: 1600, height: 1000 },
): Promise<EditorBrowser> {
	ensureDebianPackages(['chromium'], [CHROMIUM]);
	const server = await chromium.launchServer({
		executablePath: CHROMIUM,
		headless: true,
		args: [
			'--no-sandbox',
			'--disable-gpu',
			'--disable-background-networking',
			'--disable-component-update',
			'--disable-sync',
			'--no-first-run',
		],
	});
	const pgid = server.process().pid;
	const close = async () => {
		await server.close().catch(() => undefined);
		if (pgid !== undefined) await stopGroup(pgid);
	};
	try {
		const browser = await chromium.connect(server.wsEndpoint());
		const context = await browser.newContext({ baseURL, viewport });
		const page = await context.newPage();
		return { browser, context, page, close };
	} catch (error) {
		await close();
		throw error;
	}
}

/** Signs in on n8n's /signin page as a user does, and waits (the page's default timeout) until the app has left it. */
export async function signIn(page: Page, owner: Owner): Promise<void> {
	await page.goto('/signin');
	await page.getByLabel('Email').fill(owner.email);
	await page.getByLabel('Password').fill(owner.password);
	await page.getByRole('button', { name: 'Sign in' }).click();
	await page.waitForURL((url) => !url.pathname.startsWith('/signin'));
}
