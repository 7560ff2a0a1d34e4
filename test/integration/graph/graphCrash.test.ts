/**
 * kill -9 during a copy into Graph, many times, at failpoints (right after Graph took a batch, before the ledger
 * records it) and at random moments (mid-create, mid-upload): the final runs leave every source message exactly once
 * in the target, found by its source key, also when the ledger is lost before the last run.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { compiledScript } from '../../harness/compiledScripts';
import { makeMessage } from '../../harness/imap-fixtures';
import { PASSWORD, tempLedgerPath } from '../engine/engineFixtures';
import { sourceKeyOf } from '../../harness/graphStandIn';
import { graphSuite, sha256, type SourceCorpus } from './graphFixtures';

let CLI = '';

function seeded(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state * 1664525 + 1013904223) >>> 0;
		return state / 2 ** 32;
	};
}

interface CliRun {
	code: number | null;
	signal: NodeJS.Signals | null;
	stdout: string;
	stderr: string;
}

/** Runs the CLI; `killAfterFirstAppendMs`: SIGKILL that long after it says Graph took its first batch. */
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

describe('kill -9 during a copy into Microsoft 365 (Graph)', () => {
	const suite = graphSuite();

	beforeAll(async () => {
		CLI = await compiledScript('test/tools/migrateCli.ts');
	}, 180_000);

	it('22 kills, then the ledger lost: every source message exactly once, none a draft', async () => {
		const random = seeded(12);
		const corpus: SourceCorpus = {};
		const folders = ['INBOX', 'Projects', 'Projects/Alpha'];
		const sourceKeys: string[] = [];
		for (const [position, folder] of folders.entries()) {
			const messages = [];
			for (let index = 0; index < 160; index++) {
				const number = position * 1000 + index;
				const raw = makeMessage({
					subject: `message ${number}`,
					date: new Date(Date.UTC(2018, 0, 1) + Math.floor(random() * 5e10)),
					messageId: index % 37 === 0 ? null : `<g${number}@example.com>`,
					body: 'z'.repeat(Math.floor(random() * 5_000)),
					// Some go by upload session, so kills land mid-upload too.
					attachments:
						index % 40 === 7 ? [{ name: `big${number}.bin`, bytes: randomBytes(3_500_000) }] : [],
				});
				sourceKeys.push(sha256(raw));
				messages.push({ raw, flags: index % 3 === 0 ? ['\\Seen'] : [] });
			}
			corpus[folder] = messages;
		}
		// Two byte-identical messages: each needs its own copy.
		const twin = makeMessage({ subject: 'twin', messageId: '<twin@example.com>' });
		corpus.INBOX.push({ raw: twin }, { raw: twin });
		sourceKeys.push(sha256(twin), sha256(twin));
		const { user } = await suite.seedSource('gcsrc', corpus);

		const mailbox = suite.mailbox('gcdst');
		const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'graph-crash-'));
		const targetFile = path.join(dir, 'target.json');
		fs.writeFileSync(targetFile, JSON.stringify({ app: suite.app(), mailbox }), {
			mode: 0o600,
		});
		const ledger = tempLedgerPath();
		const args = [
			'--src',
			`imap://${encodeURIComponent(user)}:${encodeURIComponent(PASSWORD)}@${suite.source.host}:${suite.source.port}`,
			'--dst-graph',
			targetFile,
			'--ledger',
			ledger,
			'--batch',
			'5',
			'--window',
			'100',
		];
		// Each round is bounded by what it may write (failpoint: 1-3 batches; timed: at most 4), so work is left
		// for every one: 11 × 15 + 11 × 20 = 385 of the 482 messages.
		let killedByTimer = 0;
		for (let round = 0; round < 22; round++) {
			const failpoint = round % 2 === 0;
			const run = failpoint
				? await runCli(args, {
						env: { MM_KILL_AFTER_APPENDS: String(1 + Math.floor(random() * 3)) },
					})
				: await runCli(args, {
						killAfterFirstAppendMs: Math.floor(random() * 60),
						env: { MM_KILL_AFTER_APPENDS: '4' },
					});
			expect({ round, signal: run.signal, stderr: run.stderr }).toEqual({
				round,
				signal: 'SIGKILL',
				stderr: '',
			});
			if (!failpoint && !run.stdout.includes('killed after append')) killedByTimer++;
		}
		process.stderr.write(
			`graph crash test: ${killedByTimer} of 11 timed rounds died by the timer\n`,
		);

		const expectExactlyOnce = () => {
			const stored = suite.emulator.graph.messages(mailbox);
			expect(stored.filter((message) => message.isDraft)).toEqual([]);
			expect(stored.map(sourceKeyOf).sort()).toEqual([...sourceKeys].sort());
		};
		const final = await runCli(args);
		expect(final.stderr).toBe('');
		expect(JSON.parse(final.stdout).status).toBe('completed');
		expectExactlyOnce();

		fs.rmSync(ledger, { force: true });
		const lost = await runCli(args);
		expect(lost.stderr).toBe('');
		const report = JSON.parse(lost.stdout);
		expect(report.status).toBe('completed');
		expect(report.counts.copied).toBe(0);
		expect(report.counts.alreadyPresent).toBe(sourceKeys.length);
		expectExactlyOnce();
		const verify = JSON.parse((await runCli([...args, '--mode', 'verify'])).stdout);
		expect(verify.differences).toEqual([]);
		fs.rmSync(dir, { recursive: true, force: true });
	}, 600_000);
});
