import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';

import {
	describeOwner,
	isDeadLocalOwner,
	jobOwnerId,
	newOwnerId,
	processSpaceOf,
} from '../../../nodes/lib/migration/owner';

/** An owner id like this process's, with another PID (and optionally another process space). */
function ownerWith(pid: number, space?: string): string {
	const [prefixAndHost, , ownSpace, uuid] = newOwnerId('test').split(':');
	return [prefixAndHost, pid, space ?? ownSpace, uuid].join(':');
}

const gonePid = () => spawnSync(process.execPath, ['-e', '0']).pid as number;

describe('lease owner ids', () => {
	it('tells process spaces apart by boot id and PID namespace, and has none without them', () => {
		const here = processSpaceOf('boot-1\n', 'pid:[4026531836]');
		expect(here).toMatch(/^[0-9a-f]{16}$/);
		expect(processSpaceOf('boot-1', 'pid:[4026531836]')).toBe(here);
		// Two containers on one kernel share the boot id, not the PID namespace; two hosts share neither.
		expect(processSpaceOf('boot-1', 'pid:[4026532201]')).not.toBe(here);
		expect(processSpaceOf('boot-2', 'pid:[4026531836]')).not.toBe(here);
		expect(processSpaceOf(null, 'pid:[4026531836]')).toBe('-');
		expect(processSpaceOf('boot-1', null)).toBe('-');
	});

	it('takes a gone process of this host and PID namespace for dead', () => {
		expect(isDeadLocalOwner(ownerWith(gonePid()))).toBe(process.platform === 'linux');
	});

	it('never takes a holder for dead when it ran under another PID namespace with the same hostname', () => {
		const otherContainer = ownerWith(gonePid(), processSpaceOf('another', 'pid:[1]'));
		expect(otherContainer).toContain(`@${hostname()}:`);
		expect(isDeadLocalOwner(otherContainer)).toBe(false);
		expect(isDeadLocalOwner(ownerWith(gonePid(), '-'))).toBe(false);
	});

	it('never takes this process, a live one or an id of another shape for dead', () => {
		expect(isDeadLocalOwner(newOwnerId('test'))).toBe(false);
		expect(isDeadLocalOwner(ownerWith(process.ppid))).toBe(false);
		expect(
			isDeadLocalOwner(`test@${hostname()}:${gonePid()}:00000000-0000-0000-0000-000000000000`),
		).toBe(false);
	});

	it('names one job of an execution, readably and without secrets', () => {
		const job = jobOwnerId(newOwnerId('n8n-execution-42'), 1);
		expect(describeOwner(job)).toBe(
			`n8n-execution-42 (row 2) on ${hostname()}, process ${process.pid}`,
		);
		expect(isDeadLocalOwner(job.replace(`:${process.pid}:`, `:${gonePid()}:`))).toBe(
			process.platform === 'linux',
		);
		expect(describeOwner('worker-a')).toBe('worker-a');
	});
});
