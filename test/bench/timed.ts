/**
 * Runs a benchmark child process and times it; optionally kills it with SIGKILL after a while or once a condition
 * holds (a crash, for resume runs), noting the child's peak RSS just before.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';

export interface Timed {
	seconds: number;
	stdout: string;
	stderr: string;
	code: number | null;
	signal: NodeJS.Signals | null;
	/** The killed child's peak RSS (VmHWM) read just before the kill; null when it was not killed. */
	peakRssBeforeKill: number | null;
}

const KILL_CONDITION_POLL_MS = 2000;

function peakRssOf(pid: number | undefined): number | null {
	try {
		const match = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
		return match ? Number(match[1]) * 1024 : null;
	} catch {
		return null;
	}
}

export function timed(
	command: string,
	args: string[],
	options: {
		env?: NodeJS.ProcessEnv;
		killAfterMs?: number;
		/** Asked every 2 s; the child is killed once it says true. */
		killWhen?: () => Promise<boolean>;
	} = {},
): Promise<Timed> {
	return new Promise((resolve, reject) => {
		const started = process.hrtime.bigint();
		const child = spawn(command, args, { env: options.env ?? process.env });
		let peakRssBeforeKill: number | null = null;
		const kill = () => {
			if (child.exitCode !== null || child.signalCode !== null) return;
			peakRssBeforeKill = peakRssOf(child.pid);
			child.kill('SIGKILL');
		};
		const killer =
			options.killAfterMs === undefined ? undefined : setTimeout(kill, options.killAfterMs);
		const { killWhen } = options;
		let watching = killWhen !== undefined;
		const watch = async (): Promise<void> => {
			while (watching) {
				await new Promise((done) => setTimeout(done, KILL_CONDITION_POLL_MS));
				if (watching && (await killWhen!().catch(() => false))) {
					kill();
					return;
				}
			}
		};
		void watch();
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
		child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		child.on('error', reject);
		child.on('close', (code, signal) => {
			clearTimeout(killer);
			watching = false;
			resolve({
				seconds: Number(process.hrtime.bigint() - started) / 1e9,
				stdout,
				stderr,
				code,
				signal,
				peakRssBeforeKill,
			});
		});
	});
}
