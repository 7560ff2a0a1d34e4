import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import {
	runExecutionIsolated,
	workerFileBeside,
} from '../../../nodes/lib/migration/execution/isolatedExecution';
import {
	runExecution,
	type ExecutionEvent,
	type ExecutionInput,
} from '../../../nodes/lib/migration/execution/runExecution';

function input(overrides: Partial<ExecutionInput> = {}): ExecutionInput {
	return {
		jobs: [],
		mailboxesInParallel: 1,
		controls: { timeZone: 'UTC', profiles: [], stop: {} },
		ledger: { kind: 'sqlite', path: ':memory:' },
		limiter: { kind: 'process' },
		guard: { kind: 'process' },
		owner: 'unit-test',
		...overrides,
	};
}

describe('where an execution runs', () => {
	let dir: string;
	beforeEach(() => {
		dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-worker-'));
	});
	afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

	it('refuses a compiled module whose worker file is missing, naming the file', () => {
		expect(() => workerFileBeside(path.join(dir, 'isolatedExecution.js'))).toThrow(
			`The migration worker ${path.join(dir, 'executionWorker.js')} is missing`,
		);
	});

	it('starts the worker beside a compiled module', () => {
		fs.writeFileSync(path.join(dir, 'executionWorker.js'), '');
		expect(workerFileBeside(path.join(dir, 'isolatedExecution.js'))).toBe(
			path.join(dir, 'executionWorker.js'),
		);
	});

	it('runs TypeScript sources in-process, the only case without a worker', async () => {
		expect(workerFileBeside(path.join(dir, 'isolatedExecution.ts'))).toBeNull();
		const events: ExecutionEvent[] = [];
		await expect(
			runExecutionIsolated(input(), (event) => events.push(event)),
		).resolves.toBeUndefined();
		expect(events).toEqual([]);
	});
});

describe('what an execution builds from its input', () => {
	it.each([
		['ledger', { ledger: { kind: 'mongo' } }, 'Ledger: unknown kind "mongo"; use "sqlite"'],
		[
			'host limiter',
			{ limiter: { kind: 'memcached' } },
			'Host limiter: unknown kind "memcached"; use "process"',
		],
		['run guard', { guard: { kind: 'etcd' } }, 'Run guard: unknown kind "etcd"; use "process"'],
	])('does not start with an unknown %s kind', async (_, overrides, message) => {
		await expect(
			runExecution(input(overrides as Partial<ExecutionInput>), () => undefined),
		).rejects.toThrow(message);
	});

	it('ends a mailbox whose store kind is unknown as a failure of that mailbox only', async () => {
		const events: ExecutionEvent[] = [];
		const endpoint = {
			host: '127.0.0.1',
			port: 1,
			security: 'none' as const,
			allowSelfSigned: false,
			login: { mailbox: 'alice', authUser: 'alice', password: 'pw' },
		};
		await runExecution(
			input({
				jobs: [
					{
						position: 0,
						source: { kind: 'imap', endpoint },
						target: { kind: 'ews' } as never,
						migrationId: 'unit',
						mode: 'dryRun',
						folderRules: {},
					},
				],
			}),
			(event) => events.push(event),
		);
		expect(events).toEqual([
			{
				type: 'failure',
				position: 0,
				failure: { message: 'Target: unknown kind "ews"; use "imap" or "graph"', side: null },
			},
		]);
	});

	it('ends a mailbox whose own ledger cannot be opened as a failure of that mailbox only, naming the ledger', async () => {
		const events: ExecutionEvent[] = [];
		const endpoint = {
			host: '127.0.0.1',
			port: 1,
			security: 'none' as const,
			allowSelfSigned: false,
			login: { mailbox: 'bob', authUser: 'bob', password: 'pw' },
		};
		const job = {
			source: { kind: 'imap' as const, endpoint },
			target: { kind: 'ews' } as never,
			migrationId: 'unit',
			mode: 'dryRun' as const,
			folderRules: {},
		};
		await runExecution(
			input({
				jobs: [
					{ ...job, position: 0, ledger: { kind: 'mongo' } as never },
					{ ...job, position: 1, ledger: { kind: 'sqlite', path: ':memory:' } },
				],
			}),
			(event) => events.push(event),
		);
		expect(events).toEqual([
			{
				type: 'failure',
				position: 0,
				failure: { message: 'Ledger: unknown kind "mongo"; use "sqlite"', side: 'ledger' },
			},
			// Got past its ledger (the execution's own, the same file) to the next thing that fails.
			{
				type: 'failure',
				position: 1,
				failure: { message: 'Target: unknown kind "ews"; use "imap" or "graph"', side: null },
			},
		]);
	});
});
