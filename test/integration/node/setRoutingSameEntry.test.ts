/**
 * One directory entry reached under several names, through n8n's execute context against real slapd: two spellings
 * of one user (also twice in one batch), an alias found by the filter, a ledger written before the snapshots were
 * keyed by user lower-cased and guarded by entry, and a snapshot whose modify slapd refused. Each ends with the
 * entry's routing attributes (what Postfix's ldap_table reads, see setRouting.test.ts) back on the old host.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';

import type { IDataObject } from 'n8n-workflow';

import { openLedger, type RoutingSnapshot } from '../../../nodes/lib/ledger';
import { SQLITE_MIGRATIONS, applyMigrations } from '../../../nodes/lib/ledger/sqlite/sqliteSchema';
import { ldapDirectoryData } from '../../harness/n8nNodeFixtures';
import { TestServices } from '../../harness/services';
import type { SlapdServer } from '../../harness/slapd';
import { runSetRouting, type ItemParameters } from './setRoutingFixtures';

jest.setTimeout(60_000);

const OLD_HOST = 'old.mail.test';
const NEW_HOST = 'new.mail.test';
const MIGRATION = 'same-entry';

describe('Set Routing keeps one snapshot per entry, whatever name reaches it', () => {
	const services = new TestServices();
	let slapd: SlapdServer;
	let ledgerDir: string;
	let credential: Record<string, unknown>;

	beforeAll(async () => {
		slapd = await services.slapd({ name: 'same-entry' });
		ledgerDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-same-entry-'));
		credential = ldapDirectoryData(slapd);
	}, 60_000);

	afterAll(async () => {
		await services.stopAll();
		fs.rmSync(ledgerDir, { recursive: true, force: true });
	});

	const ledgerPath = (name: string) => path.join(ledgerDir, `${name}.sqlite`);

	const switchItem = (ledger: string, user: string, wave: string, host = NEW_HOST) => ({
		operation: 'switch',
		migrationId: MIGRATION,
		ledgerOptions: { path: ledgerPath(ledger) },
		user,
		wave,
		entryLookup: 'search',
		baseDn: slapd.peopleDn,
		filterTemplate: '(mailLocalAddress={user})',
		routingAttributes: {
			attribute: [
				{ name: 'mailHost', value: host },
				{ name: 'mailRoutingAddress', value: `routed@${NEW_HOST}` },
			],
		},
	});

	const rollbackItem = (ledger: string, scope: ItemParameters) => ({
		operation: 'rollback',
		migrationId: MIGRATION,
		ledgerOptions: { path: ledgerPath(ledger) },
		...scope,
	});

	const run = async (items: ItemParameters[]) =>
		(await runSetRouting(credential, items)).map((output) => output.json as IDataObject);

	const routingOf = async (uid: string) =>
		(await slapd.entry(slapd.userDn(uid), ['mailHost', 'mailRoutingAddress']))?.attributes;

	const csnOf = async (uid: string) =>
		(await slapd.entry(slapd.userDn(uid), ['entryCSN']))?.attributes.entryCSN;

	async function snapshots(ledger: string): Promise<RoutingSnapshot[]> {
		const store = await openLedger({ kind: 'sqlite', path: ledgerPath(ledger) });
		try {
			return await store.listRoutingSnapshots(MIGRATION);
		} finally {
			await store.close();
		}
	}

	it('two spellings of one user, twice in one batch and again later, are one user with the first snapshot', async () => {
		await slapd.addMailUser({
			uid: 'erin',
			mailLocalAddress: 'erin@example.test',
			mailHost: OLD_HOST,
		});
		const outputs = await run(
			['Erin@Example.test', 'erin@example.test', 'erin@example.test'].map((user) =>
				switchItem('spellings', user, 'wave-a'),
			),
		);
		expect(outputs.map((output) => [output.user, output.status, output.changes])).toEqual([
			[
				'erin@example.test',
				'switched',
				[
					{ attribute: 'mailHost', before: [OLD_HOST], after: [NEW_HOST] },
					{ attribute: 'mailRoutingAddress', before: [], after: [`routed@${NEW_HOST}`] },
				],
			],
			['erin@example.test', 'unchanged', []],
			['erin@example.test', 'unchanged', []],
		]);
		const switched = await csnOf('erin');
		expect((await run([switchItem('spellings', 'ERIN@example.test', 'wave-a')]))[0].status).toBe(
			'unchanged',
		);
		expect(await csnOf('erin')).toEqual(switched);
		expect(
			(await snapshots('spellings')).map((snapshot) => [snapshot.user, snapshot.previous]),
		).toEqual([['erin@example.test', { mailHost: [OLD_HOST], mailRoutingAddress: [] }]]);

		const rolledBack = await run([
			rollbackItem('spellings', { rollbackScope: 'wave', rollbackWave: 'wave-a' }),
		]);
		expect(rolledBack.map((output) => [output.user, output.status])).toEqual([
			['erin@example.test', 'rolledBack'],
		]);
		expect(await routingOf('erin')).toEqual({ mailHost: [OLD_HOST] });
	});

	it('an alias of a switched entry is refused by name, the entry left as switched, and the wave rolls it back', async () => {
		await slapd.addMailUser({
			uid: 'frank',
			mailLocalAddress: ['frank@example.test', 'f.smith@example.test'],
			mailHost: OLD_HOST,
		});
		const [frank, alias] = await run([
			switchItem('alias', 'frank@example.test', 'wave-b'),
			switchItem('alias', 'f.smith@example.test', 'wave-b', 'other.mail.test'),
		]);
		expect(frank.status).toBe('switched');
		expect(alias).toMatchObject({ user: 'f.smith@example.test', status: 'failed', changes: [] });
		expect(alias.error).toBe(
			`User f.smith@example.test: Ledger: entry ${slapd.userDn('frank')} is already switched for user frank@example.test in migration ${MIGRATION}: switch or roll it back under that user, not a second name of the same entry`,
		);
		expect(await routingOf('frank')).toEqual({
			mailHost: [NEW_HOST],
			mailRoutingAddress: [`routed@${NEW_HOST}`],
		});
		expect((await snapshots('alias')).map((snapshot) => snapshot.user)).toEqual([
			'frank@example.test',
		]);

		const outputs = await run([
			rollbackItem('alias', { rollbackScope: 'wave', rollbackWave: 'wave-b' }),
		]);
		expect(outputs.map((output) => [output.user, output.status])).toEqual([
			['frank@example.test', 'rolledBack'],
		]);
		expect(await routingOf('frank')).toEqual({ mailHost: [OLD_HOST] });
	});

	it('a ledger written before (two spellings, an alias, each second snapshot taken from the switched entry) rolls each entry back once', async () => {
		for (const [uid, addresses] of [
			['gina', ['gina@example.test']],
			['hank', ['hank@example.test', 'h.jones@example.test']],
		] as const) {
			await slapd.addMailUser({
				uid,
				mailLocalAddress: [...addresses],
				mailHost: NEW_HOST,
				mailRoutingAddress: `routed@${NEW_HOST}`,
			});
		}
		// The rows as the release before wrote them (schema version 7): the user as typed, no guard by entry.
		const db = new DatabaseSync(ledgerPath('legacy'));
		applyMigrations(
			db,
			SQLITE_MIGRATIONS.filter((migration) => migration.version <= 7),
		);
		const row = db.prepare(
			`INSERT INTO routing_snapshots VALUES (?, ?, 'wave-c', ?, ?, ?, 'switched', ?, ?, NULL, ?)`,
		);
		const applied = JSON.stringify({
			mailHost: [NEW_HOST],
			mailRoutingAddress: [`routed@${NEW_HOST}`],
		});
		const original = JSON.stringify({ mailHost: [OLD_HOST], mailRoutingAddress: [] });
		for (const [user, uid, previous, at] of [
			['Gina@example.test', 'gina', original, '2025-03-01T00:00:00.000Z'],
			['gina@example.test', 'gina', applied, '2025-03-02T00:00:00.000Z'],
			['hank@example.test', 'hank', original, '2025-03-01T00:00:00.000Z'],
			['h.jones@example.test', 'hank', applied, '2025-03-02T00:00:00.000Z'],
		]) {
			row.run(MIGRATION, user, slapd.userDn(uid), previous, applied, at, at, at);
		}
		db.close();

		const outputs = await run([
			rollbackItem('legacy', { rollbackScope: 'wave', rollbackWave: 'wave-c' }),
		]);
		// What the old code got wrong: the later snapshot put the new host back.
		expect(await routingOf('gina')).toEqual({ mailHost: [OLD_HOST] });
		expect(await routingOf('hank')).toEqual({ mailHost: [OLD_HOST] });
		expect(outputs.map((output) => [output.user, output.status, output.note])).toEqual([
			['gina@example.test', 'rolledBack', undefined],
			[
				'h.jones@example.test',
				'rolledBack',
				"restored from the snapshot of hank@example.test, which holds this entry's values",
			],
			['hank@example.test', 'unchanged', undefined],
		]);
		expect((await snapshots('legacy')).map((snapshot) => [snapshot.user, snapshot.state])).toEqual([
			['gina@example.test', 'rolledBack'],
			['h.jones@example.test', 'rolledBack'],
			['hank@example.test', 'rolledBack'],
		]);
	});

	it('a snapshot whose modify slapd refused: Rollback has nothing to restore, says so, and closes it', async () => {
		await slapd.addMailUser({
			uid: 'ivy',
			mailLocalAddress: 'ivy@example.test',
			mailHost: OLD_HOST,
		});
		const refused = switchItem('refused', 'ivy@example.test', 'wave-d');
		// mailHost is SINGLE-VALUE (misc.schema): slapd refuses the whole modify.
		refused.routingAttributes.attribute.push({ name: 'mailHost', value: 'second.mail.test' });
		const [switching] = await run([refused]);
		expect(switching.status).toBe('failed');
		expect(switching.error).toMatch(/mailHost/);
		expect((await snapshots('refused')).map((snapshot) => snapshot.state)).toEqual(['switching']);
		const untouched = await csnOf('ivy');

		const [rollback] = await run([
			rollbackItem('refused', { rollbackScope: 'user', user: 'ivy@example.test' }),
		]);
		expect(rollback).toMatchObject({
			user: 'ivy@example.test',
			status: 'unchanged',
			changes: [],
			note: 'nothing to restore: the entry already holds its values from before the Switch',
			snapshotState: 'rolledBack',
		});
		expect(rollback.recovered).toBeUndefined();
		expect(await csnOf('ivy')).toEqual(untouched);
		expect((await snapshots('refused')).map((snapshot) => snapshot.state)).toEqual(['rolledBack']);
	});
});
