import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

/** A ledger owner id for one process and run: unique, so two executions never share a lease. */
export function newOwnerId(prefix: string): string {
	return `${prefix}@${hostname()}:${process.pid}:${randomUUID()}`;
}

/** True when the owner id names a process of this host that no longer exists. */
export function isDeadLocalOwner(owner: string): boolean {
	const match = /@([^:@]+):(\d+):[0-9a-f-]+$/.exec(owner);
	if (!match || match[1] !== hostname()) return false;
	const pid = Number(match[2]);
	if (pid === process.pid) return false;
	try {
		process.kill(pid, 0);
		return false;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'ESRCH';
	}
}
