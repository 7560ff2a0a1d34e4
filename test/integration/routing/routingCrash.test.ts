/**
 * kill -9 at each failpoint of Switch and Rollback (test/tools/routingCli.ts), then a rerun: the entry and the
 * snapshot converge on what one uninterrupted run leaves, with the first snapshot's previous values kept, and a
 * rerun that has nothing left to change modifies nothing (entryCSN unchanged).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { openLedger, type RoutingSnapshot } from '../../../nodes/lib/ledger';
import type { RoutingResult } from '../../../nodes/lib/routing/setRouting';
import { compiledScript } from '../../harness/compiledScripts';
import { TestServices } from '../../harness/services';
import type { SlapdServer } from '../../harness/slapd';
import type { RoutingCliCommand } from '../../tools/routingCli';

jest.setTimeout(120_000);

const MIGRATION = 'crash';
const ATTRIBUTES = { mailHost: ['new.mail.test'], mailRoutingAddress: ['x@new.mail.test'] };

interface CliRun {
	signal: NodeJS.Signals | null;
	code: number | null;
	stdout: string;
	stderr: string;
}

describe('Set Routing converges after kill -9 between its steps', () => {
	const services = new TestServices();
	let slapd: SlapdServer;
	let cli: string;
	let dir: string;

	beforeAll(async () => {
		[slapd, cli] = await Promise.all([
			services.slapd({ name: 'crash' }),
			compiledScript('test/tools/routingCli.ts'),
		]);
		dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-routing-crash-'));
	}, 120_000);

	afterAll(async () => {
		await services.stopAll();
		fs.rmSync(dir, { recursive: true, force: true });
	});

	function run(command: RoutingCliCommand, killAt?: string): Promise<CliRun> {
		return new Promise((resolve) => {
			const child = spawn(process.execPath, [cli, JSON.stringify(command)], {
				env: { ...process.env, MM_ROUTING_KILL_AT: killAt ?? '' },
			});
			let stdout = '';
			let stderr = '';
			child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
			child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
			child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
		});
	}

	async function completed(command: RoutingCliCommand): Promise<RoutingResult> {
		const result = await run(command);
		expect(result).toMatchObject({ code: 0, stderr: '' });
		return JSON.parse(result.stdout) as RoutingResult;
	}

	async function killed(command: RoutingCliCommand, at: string): Promise<void> {
		const result = await run(command, at);
		expect(result.signal).toBe('SIGKILL');
		expect(result.stdout).toBe(`failpoint: killed ${at}\n`);
	}

	async function snapshotOf(command: RoutingCliCommand): Promise<RoutingSnapshot | null> {
		const ledger = await openLedger({ kind: 'sqlite', path: command.ledgerPath });
		try {
			return await ledger.getRoutingSnapshot(command);
		} finally {
			await ledger.close();
		}
	}

	const entryOf = async (uid: string) =>
		(await slapd.entry(slapd.userDn(uid), ['mailHost', 'mailRoutingAddress', 'entryCSN']))!
			.attributes;

	async function user(uid: string): Promise<RoutingCliCommand> {
		await slapd.addMailUser({ uid, mailHost: 'old.mail.test' });
		return {
			op: 'switch',
			ledgerPath: path.join(dir, `${uid}.sqlite`),
			settings: {
				url: slapd.url,
				bindDn: slapd.rootDn,
				password: slapd.rootPassword,
				security: 'none',
			},
			migrationId: MIGRATION,
			user: `${uid}@example.test`,
			dn: slapd.userDn(uid),
			attributes: ATTRIBUTES,
		};
	}

	const PREVIOUS = { mailHost: ['old.mail.test'], mailRoutingAddress: [] };

	it('killed after the snapshot, before the modify: the entry is untouched, the rerun switches it', async () => {
		const command = await user('snap');
		const untouched = await entryOf('snap');
		await killed(command, 'afterSnapshot');
		expect(await snapshotOf(command)).toMatchObject({ state: 'switching', previous: PREVIOUS });
		expect(await entryOf('snap')).toEqual(untouched);

		const rerun = await completed(command);
		expect(rerun).toMatchObject({ status: 'switched', snapshotState: 'switched' });
		expect(rerun.recovered).toBeUndefined();
		expect(await snapshotOf(command)).toMatchObject({ state: 'switched', previous: PREVIOUS });
		expect(await entryOf('snap')).toMatchObject({
			mailHost: ['new.mail.test'],
			mailRoutingAddress: ['x@new.mail.test'],
		});
	});

	it('killed after the modify, before the state: the rerun modifies nothing and completes the record', async () => {
		const command = await user('modified');
		await killed(command, 'afterModify');
		const switched = await entryOf('modified');
		expect(switched).toMatchObject({ mailHost: ['new.mail.test'] });
		expect(await snapshotOf(command)).toMatchObject({ state: 'switching', previous: PREVIOUS });

		const rerun = await completed(command);
		expect(rerun).toMatchObject({
			status: 'switched',
			recovered: true,
			changes: [
				{ attribute: 'mailHost', before: ['old.mail.test'], after: ['new.mail.test'] },
				{ attribute: 'mailRoutingAddress', before: [], after: ['x@new.mail.test'] },
			],
		});
		expect(await entryOf('modified')).toEqual(switched);
		expect(await snapshotOf(command)).toMatchObject({ state: 'switched', previous: PREVIOUS });
		expect(await completed(command)).toMatchObject({ status: 'unchanged', changes: [] });
		expect(await entryOf('modified')).toEqual(switched);

		// Rollback killed after restoring the entry: the rerun restores nothing more and marks it rolled back.
		await killed({ ...command, op: 'rollback' }, 'afterModify');
		const restored = await entryOf('modified');
		expect(restored).toMatchObject({ mailHost: ['old.mail.test'] });
		expect(restored.mailRoutingAddress).toBeUndefined();
		expect(await snapshotOf(command)).toMatchObject({ state: 'switched' });
		expect(await completed({ ...command, op: 'rollback' })).toMatchObject({
			status: 'rolledBack',
			recovered: true,
			snapshotState: 'rolledBack',
		});
		expect(await entryOf('modified')).toEqual(restored);
	});

	it('killed after the snapshot, then rolled back: nothing to restore, said so, and the record closed', async () => {
		const command = await user('never');
		const untouched = await entryOf('never');
		await killed(command, 'afterSnapshot');
		expect(await snapshotOf(command)).toMatchObject({ state: 'switching' });

		expect(await completed({ ...command, op: 'rollback' })).toEqual({
			user: 'never@example.test',
			status: 'unchanged',
			dn: slapd.userDn('never'),
			wave: 'wave-1',
			changes: [],
			note: 'nothing to restore: the entry already holds its values from before the Switch',
			snapshotState: 'rolledBack',
		});
		expect(await entryOf('never')).toEqual(untouched);
		expect(await snapshotOf(command)).toMatchObject({ state: 'rolledBack', previous: PREVIOUS });
	});
});
