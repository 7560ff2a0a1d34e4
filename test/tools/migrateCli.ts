/**
 * Runs one IMAP-to-IMAP mailbox migration outside n8n, for the benchmark, crash tests (killed with -9 at random points)
 * and side-by-side timing with other tools. Prints the mailbox report as one JSON line, with the peak RSS.
 *
 *   node .build/test/tools/migrateCli.js --src imap://user:pass@127.0.0.1:10143 --dst imap://user:pass@127.0.0.1:11143 \
 *     --ledger /tmp/ledger.sqlite [--mode full|delta|verify|dryRun] [--migration NAME] [--connections N] [--depth N] [--batch N] [--window N]
 */
import { readFileSync } from 'node:fs';

import { runImapMigration } from '../../nodes/shared/engine/imap/runImapMigration';
import { newOwnerId } from '../../nodes/shared/engine/migrateMailbox';
import type { MigrationMode } from '../../nodes/shared/engine/types';
import type { ImapEndpoint } from '../../nodes/shared/imap/endpoint';
import { openLedger } from '../../nodes/shared/ledger';

function endpoint(url: string): ImapEndpoint {
	const parsed = new URL(url);
	const user = decodeURIComponent(parsed.username);
	return {
		host: parsed.hostname,
		port: Number(parsed.port || (parsed.protocol === 'imaps:' ? 993 : 143)),
		security: parsed.protocol === 'imaps:' ? 'tls' : 'none',
		allowSelfSigned: true,
		login: {
			mailbox: user.split('*')[0],
			authUser: user,
			password: decodeURIComponent(parsed.password),
		},
	};
}

/**
 * This process's own peak RSS. getrusage's maxRSS is no use here: Linux carries the parent's high-water mark into a
 * forked child, so a benchmark parent holding the corpus would be measured instead. VmHWM starts afresh at exec.
 */
function peakRssBytes(): number {
	try {
		const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
		if (match) return Number(match[1]) * 1024;
	} catch {
		// Not Linux: fall back to getrusage below.
	}
	return process.resourceUsage().maxRSS * 1024;
}

/** What is still held after the run (after a GC when node runs with --expose-gc): tells retention from GC slack. */
function retainedMemory(): NodeJS.MemoryUsage {
	(globalThis as { gc?: () => void }).gc?.();
	return process.memoryUsage();
}

async function main(): Promise<void> {
	const args = new Map<string, string>();
	for (let index = 2; index < process.argv.length; index += 2) {
		args.set(process.argv[index].replace(/^--/, ''), process.argv[index + 1]);
	}
	const required = (name: string) => {
		const value = args.get(name);
		if (!value) throw new Error(`--${name} is required`);
		return value;
	};
	// Crash tests: die by SIGKILL right after the target accepted the N-th batch, before the ledger records it.
	let appendsLeft = Number(process.env.MM_KILL_AFTER_APPENDS ?? 0);
	const afterAppend = appendsLeft
		? () => {
				if (--appendsLeft === 0) process.kill(process.pid, 'SIGKILL');
			}
		: undefined;
	const ledger = await openLedger({ kind: 'sqlite', path: required('ledger') });
	try {
		const report = await runImapMigration({
			source: endpoint(required('src')),
			target: endpoint(required('dst')),
			migrationId: args.get('migration') ?? 'cli',
			mode: (args.get('mode') ?? 'full') as MigrationMode,
			folderRules: { specialUse: args.get('special-use') !== 'off' },
			tuning: {
				...(args.has('connections') ? { connections: Number(args.get('connections')) } : {}),
				...(args.has('depth') ? { pipelineDepth: Number(args.get('depth')) } : {}),
				...(args.has('batch') ? { batchMessages: Number(args.get('batch')) } : {}),
				...(args.has('window') ? { windowMessages: Number(args.get('window')) } : {}),
			},
			ledger,
			owner: newOwnerId('cli'),
			afterAppend,
		});
		process.stdout.write(
			`${JSON.stringify({ ...report, peakRssBytes: peakRssBytes(), memory: retainedMemory() })}\n`,
		);
		process.exitCode = report.status === 'completed' ? 0 : 3;
	} finally {
		await ledger.close();
	}
}

main().catch((error: unknown) => {
	process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
	process.exitCode = 2;
});
