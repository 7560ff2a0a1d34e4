import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';

import { compiledScript } from '../../harness/compiledScripts';
import type { DovecotServer } from '../../harness/dovecot';
import { appendMessages, makeMessage, snapshotMailbox } from '../../harness/imap-fixtures';
import { TestServices } from '../../harness/services';
import {
	comparable,
	endpointOf,
	migrate,
	PASSWORD,
	tempLedgerPath,
	uniqueUser,
} from './engineFixtures';

let CLI = '';

/** Deterministic pseudo-random numbers, so a failing run can be replayed. */
function seeded(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state * 1664525 + 1013904223) >>> 0;
		return state / 2 ** 32;
	};
}

function corpus(count: number, seed: number) {
	const random = seeded(seed);
	// Names that special-use mapping leaves alone, so source and target folders compare by name.
	const folders = ['INBOX', 'Archive/2019', 'Projects', 'Kunden/Müller GmbH'];
	const result: Record<string, { raw: Buffer; flags: string[]; internalDate: Date }[]> = {};
	for (let index = 0; index < count; index++) {
		const folder = folders[index % folders.length];
		const date = new Date(Date.UTC(2018, 0, 1) + Math.floor(random() * 5e10));
		const raw = makeMessage({
			subject: `message ${index}`,
			date,
			messageId: index % 37 === 0 ? null : `<m${index}.${seed}@example.com>`,
			body: 'y'.repeat(Math.floor(random() * 20_000)),
		});
		(result[folder] ??= []).push({
			raw,
			flags: random() < 0.5 ? ['\\Seen'] : [],
			internalDate: date,
		});
	}
	// An exact duplicate and a duplicate without Message-ID: distinct items, both to be copied.
	result.INBOX.push({ ...result.INBOX[1] }, { ...result.INBOX[0] });
	return result;
}

interface CliRun {
	code: number | null;
	signal: NodeJS.Signals | null;
	stdout: string;
	stderr: string;
}

/**
 * Runs the CLI; `killAfterFirstAppendMs` kills it with SIGKILL that long after it says the target accepted its first
 * batch, so where a timed kill lands does not depend on how fast the machine starts a process.
 */
function runCli(
	args: string[],
	options: { killAfterFirstAppendMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<CliRun> {
	return new Promise((resolve) => {
		const child = spawn(process.execPath, [CLI, ...args], {
			env: { ...process.env, ...options.env },
		});
		let stdout = '';
		let stderr = '';
		let timer: NodeJS.Timeout | null = null;
		child.stdout.on('data', (chunk: Buffer) => {
			stdout += chunk.toString();
			if (options.killAfterFirstAppendMs === undefined || timer) return;
			if (stdout.includes('failpoint: first append'))
				timer = setTimeout(() => child.kill('SIGKILL'), options.killAfterFirstAppendMs);
		});
		child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		child.on('close', (code, signal) => {
			if (timer) clearTimeout(timer);
			resolve({ code, signal, stdout, stderr });
		});
	});
}

function url(server: DovecotServer, user: string, port = server.port): string {
	return `imap://${encodeURIComponent(user)}:${encodeURIComponent(PASSWORD)}@${server.host}:${port}`;
}

describe('crashes and faults end in a resumable state that converges to the source', () => {
	const services = new TestServices();
	let source: DovecotServer;
	let target: DovecotServer;

	beforeAll(async () => {
		CLI = await compiledScript('test/tools/migrateCli.ts');
		[source, target] = await Promise.all([
			services.dovecot({ name: 'source' }),
			services.dovecot({ name: 'target', extraConf: 'plugin {\n  quota_max_mail_size = 1M\n}\n' }),
		]);
	}, 180_000);

	afterAll(async () => {
		await services.stopAll();
	});

	async function seed(count: number, seedValue: number) {
		const sourceUser = uniqueUser('crsrc');
		const targetUser = uniqueUser('crdst');
		await source.addUser(sourceUser, PASSWORD);
		await target.addUser(targetUser, PASSWORD);
		for (const [folder, messages] of Object.entries(corpus(count, seedValue))) {
			await appendMessages(source, sourceUser, PASSWORD, folder, messages);
		}
		return { sourceUser, targetUser };
	}

	async function expectExactCopy(sourceUser: string, targetUser: string): Promise<void> {
		const sourceSnapshot = comparable(await snapshotMailbox(source, sourceUser, PASSWORD));
		const targetSnapshot = comparable(await snapshotMailbox(target, targetUser, PASSWORD));
		for (const [folder, messages] of Object.entries(sourceSnapshot)) {
			expect({ folder, messages: targetSnapshot[folder] }).toEqual({ folder, messages });
		}
	}

	it('survives 24 kill -9s, half of them between an APPEND and its ledger record, with zero duplicates', async () => {
		const { sourceUser, targetUser } = await seed(2500, 7);
		const ledger = tempLedgerPath();
		const args = [
			'--src',
			url(source, sourceUser),
			'--dst',
			url(target, targetUser),
			'--ledger',
			ledger,
			'--batch',
			'5',
			'--window',
			'300',
			'--depth',
			'4',
		];
		const random = seeded(99);
		// Every round must die, on a fast machine or a slow one, so each is bounded by what it may write: a
		// failpoint round dies right after the target accepted its 1st to 4th batch (before the ledger records it);
		// a timed round is killed at a random moment up to 80 ms after its first batch was accepted (mid-command,
		// mid-record), or at the latest right after its 25th. 24 rounds write at most 12 × 4 + 12 × 25 batches of 5
		// = 1,740 of the 2,502 messages, so work is left for every one of them.
		let killedByTimer = 0;
		let betweenAppendAndLedger = 0;
		for (let round = 0; round < 24; round++) {
			const failpoint = round % 2 === 0;
			const run = failpoint
				? await runCli(args, {
						env: { MM_KILL_AFTER_APPENDS: String(1 + Math.floor(random() * 4)) },
					})
				: await runCli(args, {
						killAfterFirstAppendMs: Math.floor(random() * 80),
						env: { MM_KILL_AFTER_APPENDS: '25' },
					});
			expect({ round, signal: run.signal, stderr: run.stderr }).toEqual({
				round,
				signal: 'SIGKILL',
				stderr: '',
			});
			if (failpoint) betweenAppendAndLedger++;
			else if (!run.stdout.includes('killed after append')) killedByTimer++;
		}
		expect(betweenAppendAndLedger).toBe(12);
		// Not asserted (it depends on the machine's speed), but said, so a run shows what it exercised.
		process.stderr.write(`crash test: ${killedByTimer} of 12 timed rounds died by the timer\n`);
		const final = await runCli(args);
		expect(final.stderr).toBe('');
		const report = JSON.parse(final.stdout);
		expect(report.status).toBe('completed');
		await expectExactCopy(sourceUser, targetUser);
	}, 600_000);

	it('reconnects after the source connection is cut mid-copy and finishes exactly', async () => {
		const { sourceUser, targetUser } = await seed(300, 11);
		const proxy = await services.faultProxy(source.port);
		let cut = false;
		const report = await migrate(
			endpointOf(source, sourceUser, proxy.port),
			endpointOf(target, targetUser),
			tempLedgerPath(),
			'full',
			{
				tuning: { batchMessages: 10, connections: 1 },
				onProgress: (progress) => {
					if (!cut && progress.copied >= 30) {
						cut = true;
						proxy.cutAll();
					}
				},
			},
		);
		expect(cut).toBe(true);
		expect(report.reconnects).toBeGreaterThanOrEqual(1);
		expect(report.status).toBe('completed');
		await expectExactCopy(sourceUser, targetUser);
	}, 300_000);

	it('recovers from a target Dovecot restart mid-copy', async () => {
		const { sourceUser, targetUser } = await seed(300, 13);
		let restarted: Promise<void> | null = null;
		const ledger = tempLedgerPath();
		const first = await migrate(
			endpointOf(source, sourceUser),
			endpointOf(target, targetUser),
			ledger,
			'full',
			{
				tuning: { batchMessages: 10, connections: 1 },
				onProgress: (progress) => {
					if (!restarted && progress.copied >= 30) restarted = target.restart();
				},
			},
		);
		await restarted;
		expect(restarted).not.toBeNull();
		// Either the run rode the restart out by reconnecting, or it stopped cleanly and the rerun finishes.
		const final =
			first.status === 'completed'
				? first
				: await migrate(endpointOf(source, sourceUser), endpointOf(target, targetUser), ledger);
		expect(final.status).toBe('completed');
		await expectExactCopy(sourceUser, targetUser);
	}, 300_000);

	it('records a message the target refuses with its reason and copies the rest', async () => {
		const sourceUser = uniqueUser('rfsrc');
		const targetUser = uniqueUser('rfdst');
		await source.addUser(sourceUser, PASSWORD);
		await target.addUser(targetUser, PASSWORD);
		// Random bytes: zipping cannot bring it under the target's 1 MB, so it is refused for good.
		const tooBig = makeMessage({
			subject: 'too big',
			attachments: [{ name: 'x.bin', bytes: randomBytes(2 * 1024 * 1024) }],
		});
		await appendMessages(source, sourceUser, PASSWORD, 'INBOX', [
			{ raw: makeMessage({ subject: 'small 1' }) },
			{ raw: tooBig },
			{ raw: makeMessage({ subject: 'small 2' }) },
		]);
		const ledger = tempLedgerPath();
		const report = await migrate(
			endpointOf(source, sourceUser),
			endpointOf(target, targetUser),
			ledger,
		);
		expect(report.counts.copied).toBe(2);
		expect(report.counts.failed + report.counts.skipped).toBe(1);
		const reasons = JSON.stringify([report.failedItems, report.counts.skippedByReason]);
		expect(reasons).toMatch(/oversize|too large|size|LIMIT|TOOBIG/i);
		const target1 = await snapshotMailbox(target, targetUser, PASSWORD);
		expect(target1.INBOX).toHaveLength(2);
		// The rerun copies nothing twice.
		const rerun = await migrate(
			endpointOf(source, sourceUser),
			endpointOf(target, targetUser),
			ledger,
		);
		expect(rerun.counts.copied).toBe(0);
		expect((await snapshotMailbox(target, targetUser, PASSWORD)).INBOX).toHaveLength(2);
	}, 120_000);
});
