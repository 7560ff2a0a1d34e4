/**
 * Lease owner ids: who holds a mailbox, readable in a `locked` reason, and precise enough to tell a holder that died on
 * this machine (kill -9, OOM) from one that is alive elsewhere. Containers often share a hostname, so the hostname
 * alone would let one container take over the live lease of another; the kernel's boot id and the PID namespace say
 * whose PIDs a PID is.
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { hostname } from 'node:os';

/** `prefix@hostname:pid:processSpace:uuid`, and `/row` for one job of an execution. */
const OWNER_ID = /^(.*)@([^:@]+):(\d+):([0-9a-f]+|-):[0-9a-f-]+(?:\/(\d+))?$/;

/**
 * Where this process's PIDs are meaningful: a hash of the boot id and the PID namespace, or '-' where they cannot be
 * read (not Linux), in which case no holder is ever judged dead and its lease simply runs out.
 */
export function processSpaceOf(bootId: string | null, pidNamespace: string | null): string {
	if (!bootId || !pidNamespace) return '-';
	return createHash('sha256').update(`${bootId.trim()}/${pidNamespace}`).digest('hex').slice(0, 16);
}

function readOrNull(read: () => string): string | null {
	try {
		return read();
	} catch {
		return null;
	}
}

let thisProcessSpace: string | undefined;

function ownProcessSpace(): string {
	thisProcessSpace ??= processSpaceOf(
		readOrNull(() => fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8')),
		readOrNull(() => fs.readlinkSync('/proc/self/ns/pid')),
	);
	return thisProcessSpace;
}

/** A ledger owner id for one process and run: unique, so two executions never share a lease. */
export function newOwnerId(prefix: string): string {
	return `${prefix}@${hostname()}:${process.pid}:${ownProcessSpace()}:${randomUUID()}`;
}

/** The owner id of one mailbox job: each row of an execution holds its lease on its own. */
export function jobOwnerId(executionOwner: string, position: number): string {
	return `${executionOwner}/${position + 1}`;
}

/** An owner id as a person reads it in a reason: the run's name, its row, host and process; never a secret. */
export function describeOwner(owner: string): string {
	const match = OWNER_ID.exec(owner);
	if (!match) return owner;
	const [, prefix, host, pid, , row] = match;
	return `${prefix}${row ? ` (row ${row})` : ''} on ${host}, process ${pid}`;
}

/** True when the owner id names a process of this host and PID namespace that no longer exists. */
export function isDeadLocalOwner(owner: string): boolean {
	const match = OWNER_ID.exec(owner);
	if (!match || match[2] !== hostname()) return false;
	const space = match[4];
	if (space === '-' || space !== ownProcessSpace()) return false;
	const pid = Number(match[3]);
	if (pid === process.pid) return false;
	try {
		process.kill(pid, 0);
		return false;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'ESRCH';
	}
}
