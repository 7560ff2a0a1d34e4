import fs from 'node:fs';

/** Parses /proc/<pid>/stat: the command name is in parentheses and may itself contain spaces or ')'. */
function statOf(pid: number): { state: string; ppid: number } | null {
	let stat: string;
	try {
		stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
	} catch {
		return null;
	}
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	return { state: fields[0], ppid: Number(fields[1]) };
}

/** Running, and not a zombie (a reparented daemon may stay a zombie if PID 1 does not reap). */
export function isAlive(pid: number): boolean {
	const stat = statOf(pid);
	return stat !== null && stat.state !== 'Z' && stat.state !== 'X';
}

export function descendantPids(root: number): number[] {
	const children = new Map<number, number[]>();
	for (const entry of fs.readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		const stat = statOf(Number(entry));
		if (stat === null) continue;
		children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), Number(entry)]);
	}
	const result: number[] = [];
	const queue = [...(children.get(root) ?? [])];
	while (queue.length > 0) {
		const pid = queue.shift() as number;
		result.push(pid);
		queue.push(...(children.get(pid) ?? []));
	}
	return result.filter(isAlive);
}

/** Resolves true once none of the processes is alive, false at the timeout. */
export async function waitUntilGone(pids: number[], timeoutMs: number): Promise<boolean> {
	const deadline = Date.now() + timeoutMs;
	while (pids.some(isAlive)) {
		if (Date.now() > deadline) return false;
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
	return true;
}

/** A PID with its start time, so a signal never reaches a new process that reused the PID. */
export interface ProcessIdentity {
	pid: number;
	startTime: string;
}

function startTimeOf(pid: number): string | null {
	try {
		const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
		return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
	} catch {
		return null;
	}
}

export function processIdentity(pid: number): ProcessIdentity {
	return { pid, startTime: startTimeOf(pid) ?? '' };
}

export function pidsOf(identities: ProcessIdentity[]): number[] {
	return identities.map((identity) => identity.pid);
}

/** Sends the signal to each process that is still the one identified (alive, same start time). */
export function signalSame(identities: ProcessIdentity[], signal: NodeJS.Signals): void {
	for (const { pid, startTime } of identities) {
		if (!isAlive(pid) || startTimeOf(pid) !== startTime) continue;
		try {
			process.kill(pid, signal);
		} catch {
			// Exited between the check and the signal.
		}
	}
}
