/** Runs a benchmark child process and times it; optionally kills it with SIGKILL after a while (a crash, for resume runs). */
import { spawn } from 'node:child_process';

export interface Timed {
	seconds: number;
	stdout: string;
	stderr: string;
	code: number | null;
	signal: NodeJS.Signals | null;
}

export function timed(
	command: string,
	args: string[],
	options: { env?: NodeJS.ProcessEnv; killAfterMs?: number } = {},
): Promise<Timed> {
	return new Promise((resolve, reject) => {
		const started = process.hrtime.bigint();
		const child = spawn(command, args, { env: options.env ?? process.env });
		const killer =
			options.killAfterMs === undefined
				? undefined
				: setTimeout(() => child.kill('SIGKILL'), options.killAfterMs);
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
		child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		child.on('error', reject);
		child.on('close', (code, signal) => {
			clearTimeout(killer);
			resolve({
				seconds: Number(process.hrtime.bigint() - started) / 1e9,
				stdout,
				stderr,
				code,
				signal,
			});
		});
	});
}
