import fs from 'node:fs';
import path from 'node:path';

function processAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}

/**
 * Runs `work` while holding a lock folder with the owner's PID in it, so parallel test processes do a one-time job
 * (installing n8n, compiling the test tools) once, and the lock of a process that was killed is taken over.
 */
export async function withProcessLock<T>(
	lock: string,
	what: string,
	work: () => T | Promise<T>,
	log: (message: string) => void = () => undefined,
): Promise<T> {
	fs.mkdirSync(path.dirname(lock), { recursive: true });
	const owner = path.join(lock, 'pid');
	let waitingSaid = false;
	for (;;) {
		try {
			fs.mkdirSync(lock);
			fs.writeFileSync(owner, String(process.pid));
			break;
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
			let pid = 0;
			try {
				pid = Number(fs.readFileSync(owner, 'utf8')) || 0;
			} catch {
				// The owner has made the folder and not yet written its PID, or crashed in between.
			}
			if (pid > 0 && !processAlive(pid)) {
				log(`taking over the lock of process ${pid} (${what}), which has ended`);
				fs.rmSync(lock, { recursive: true, force: true });
				continue;
			}
			const made = fs.statSync(lock, { throwIfNoEntry: false });
			if (!made) continue;
			if (pid === 0 && Date.now() - made.mtimeMs > 60_000) {
				fs.rmSync(lock, { recursive: true, force: true });
				continue;
			}
			if (!waitingSaid) log(`waiting for process ${pid || '?'}, which is ${what}`);
			waitingSaid = true;
			await new Promise((resolve) => setTimeout(resolve, 500));
		}
	}
	try {
		return await work();
	} finally {
		fs.rmSync(lock, { recursive: true, force: true });
	}
}
