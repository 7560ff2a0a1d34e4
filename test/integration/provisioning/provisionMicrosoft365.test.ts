/**
 * Provision Target's Microsoft 365 provider through n8n's execute context against the Graph emulator: users created
 * once and corrected, licences counted, mailboxes awaited (readiness driven by polls, never by time), bad rows failing
 * alone, a lost create answer, and the generated password nowhere but its one output field.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import type { MicrosoftApp } from '../../../nodes/lib/microsoft/microsoftApp';
import { ProvisionTarget } from '../../../nodes/ProvisionTarget/ProvisionTarget.node';
import { startGraphStandIn, type GraphStandIn } from '../../harness/graphStandIn';
import { microsoft365AppData, provisionTargetNode } from '../../harness/n8nNodeFixtures';
import { TestServices } from '../../harness/services';
import { openLedger } from '../../../nodes/lib/ledger';
import { newOwnerId } from '../../../nodes/lib/migration/owner';

const ROLES = ['User.ReadWrite.All', 'Organization.Read.All', 'Mail.Read'];

interface Row {
	userPrincipalName: string;
	displayName: string;
	usageLocation?: string;
	skuPartNumber?: string;
}

interface RunSettings {
	app: MicrosoftApp;
	ledgerPath: string;
	continueOnFail?: boolean;
	options?: IDataObject;
}

/** Everything the node handed out or said, for the secret checks. */
const seen: string[] = [];

function contextFor(rows: Row[], settings: RunSettings): IExecuteFunctions {
	return {
		getInputData: () => rows.map((row) => ({ json: row as unknown as IDataObject })),
		getNodeParameter: (name: string, itemIndex: number, fallback?: unknown) => {
			const row = rows[itemIndex];
			const values: Record<string, unknown> = {
				directory: 'microsoft365',
				userPrincipalName: row.userPrincipalName,
				displayName: row.displayName,
				usageLocation: row.usageLocation ?? 'DE',
				skuPartNumber: row.skuPartNumber ?? 'ENTERPRISEPACK',
				signIn: 'password',
				migrationId: 'wave-1',
				options: { maxWaitSeconds: 0, ...settings.options },
				ledgerOptions: { path: settings.ledgerPath },
			};
			return name in values ? values[name] : fallback;
		},
		getCredentials: async () => microsoft365AppData(settings.app),
		getNode: () => provisionTargetNode,
		getExecutionCancelSignal: () => undefined,
		logger: {
			debug: (...args: unknown[]) => seen.push(JSON.stringify(args)),
			info: (...args: unknown[]) => seen.push(JSON.stringify(args)),
			warn: (...args: unknown[]) => seen.push(JSON.stringify(args)),
			error: (...args: unknown[]) => seen.push(JSON.stringify(args)),
		},
		continueOnFail: () => settings.continueOnFail ?? true,
	} as unknown as IExecuteFunctions;
}

async function provision(rows: Row[], settings: RunSettings): Promise<IDataObject[]> {
	try {
		const [output] = await new ProvisionTarget().execute.call(contextFor(rows, settings));
		seen.push(JSON.stringify(output));
		expect(output.map((item: INodeExecutionData) => item.pairedItem)).toEqual(
			rows.map((_, item) => ({ item })),
		);
		return output.map((item: INodeExecutionData) => item.json);
	} catch (error) {
		seen.push(JSON.stringify(error), String(error), JSON.stringify((error as Error).stack));
		throw error;
	}
}

describe('Provision Target, Microsoft 365, against the Graph emulator', () => {
	const services = new TestServices();
	let m365: GraphStandIn;
	let app: MicrosoftApp;
	let dir: string;
	let ledgerPath: string;
	let domain: string;
	/** Every password the emulator's users got, checked against everything the node put out. */
	const passwords = new Set<string>();
	const upn = (alias: string) => `${alias}@${domain}`;
	const row = (alias: string, overrides: Partial<Row> = {}): Row => ({
		userPrincipalName: upn(alias),
		displayName: `${alias[0].toUpperCase()}${alias.slice(1)} Example`,
		...overrides,
	});
	const userOf = (alias: string) =>
		m365.emulator.graph.users().find((user) => user.userPrincipalName === upn(alias));
	const remember = (alias: string) => {
		const password = m365.emulator.graph.passwordOf(upn(alias));
		if (password) passwords.add(password);
		return password;
	};

	beforeAll(async () => {
		m365 = await startGraphStandIn(services);
		domain = m365.emulator.tenantDomain;
		dir = fs.mkdtempSync(path.join(os.tmpdir(), 'provision-m365-'));
	}, 60_000);

	beforeEach(() => {
		m365.emulator.graph.reset();
		m365.emulator.graph.setSkus([
			{ skuPartNumber: 'ENTERPRISEPACK', enabled: 10 },
			{ skuPartNumber: 'O365_BUSINESS_PREMIUM', enabled: 5 },
		]);
		app = m365.registerApp({ roles: ROLES });
		ledgerPath = path.join(
			dir,
			`${expect.getState().currentTestName?.replace(/\W+/g, '-')}.sqlite`,
		);
	});

	afterAll(async () => {
		// No password in anything the node said, but in its `password` field, once per password set.
		const everything = seen.join('\n');
		for (const password of passwords) {
			const fields = seen.flatMap((text) =>
				[...text.matchAll(/"password":"([^"]*)"/g)].map((m) => m[1]),
			);
			expect(fields.filter((value) => value === password)).toHaveLength(1);
			expect(everything.split(password)).toHaveLength(2);
			for (const file of fs.readdirSync(dir)) {
				expect(fs.readFileSync(path.join(dir, file)).includes(password)).toBe(false);
			}
		}
		expect(passwords.size).toBeGreaterThan(3);
		fs.rmSync(dir, { recursive: true, force: true });
		await services.stopAll();
	});

	it('creates users with a licence and a ready mailbox, then finds them unchanged, then corrects a changed attribute', async () => {
		const rows = [row('anna'), row('ben', { skuPartNumber: 'O365_BUSINESS_PREMIUM' })];
		const first = await provision(rows, { app, ledgerPath, options: { maxWaitSeconds: 30 } });
		expect(first).toMatchObject([
			{ account: upn('anna'), status: 'created', mailboxReady: true, licences: 'ENTERPRISEPACK' },
			{
				account: upn('ben'),
				status: 'created',
				mailboxReady: true,
				licences: 'O365_BUSINESS_PREMIUM',
			},
		]);
		for (const [index, alias] of ['anna', 'ben'].entries()) {
			expect(first[index].password).toBe(remember(alias));
			expect(userOf(alias)).toMatchObject({
				forceChangePasswordNextSignIn: true,
				usageLocation: 'DE',
			});
		}
		expect(first[0].userId).toBe(userOf('anna')?.id);
		expect(m365.emulator.graph.licences().map((sku) => sku.consumedUnits)).toEqual([1, 1]);

		const second = await provision(rows, { app, ledgerPath });
		expect(second).toMatchObject([
			{ status: 'unchanged', changes: [] },
			{ status: 'unchanged', changes: [] },
		]);
		expect(second.every((item) => !('password' in item))).toBe(true);

		m365.emulator.graph.editUser(upn('anna'), { displayName: 'Anna (old)', usageLocation: 'FR' });
		const third = await provision(rows, { app, ledgerPath });
		expect(third[0]).toMatchObject({
			status: 'updated',
			changes: [
				{ field: 'displayName', before: 'Anna (old)', after: 'Anna Example' },
				{ field: 'usageLocation', before: 'FR', after: 'DE' },
			],
		});
		expect(third[1].status).toBe('unchanged');
		expect(userOf('anna')).toMatchObject({ displayName: 'Anna Example', usageLocation: 'DE' });
		expect(m365.emulator.graph.users()).toHaveLength(2);
	});

	it('licenses an existing unlicensed user (usage location first) and reports it updated', async () => {
		m365.emulator.graph.addUser({ userPrincipalName: upn('olga'), displayName: 'Olga Example' });
		const [olga] = await provision([row('olga')], {
			app,
			ledgerPath,
			options: { maxWaitSeconds: 30 },
		});
		expect(olga).toMatchObject({
			status: 'updated',
			changes: [
				{ field: 'usageLocation', before: null, after: 'DE' },
				{ field: 'licence', before: null, after: 'ENTERPRISEPACK' },
			],
			mailboxReady: true,
		});
		expect(olga.password).toBeUndefined();
		expect(m365.emulator.graph.passwordOf(upn('olga'))).toBeNull();
	});

	it('fails the user the licences run out for, naming what is free, and provisions the others', async () => {
		m365.emulator.graph.setSkus([
			{ skuPartNumber: 'ENTERPRISEPACK', enabled: 1 },
			{ skuPartNumber: 'O365_BUSINESS_PREMIUM', enabled: 2 },
		]);
		const rows = [
			row('carla'),
			row('dirk'),
			row('emil', { skuPartNumber: 'O365_BUSINESS_PREMIUM' }),
		];
		const result = await provision(rows, { app, ledgerPath });
		expect(result.map((item) => item.status)).toEqual(['created', 'failed', 'created']);
		expect(result[1].error).toMatch(
			/dirk@.*no ENTERPRISEPACK licence is free.*O365_BUSINESS_PREMIUM \(2 free\)/,
		);
		// Not created at all: a user who could not get their licence would be a half-made account.
		expect(userOf('dirk')).toBeUndefined();
		remember('carla');
		remember('emil');
	});

	it('leaves a mailbox that is not ready yet provisioning, and the next run reports it created once ready', async () => {
		m365.emulator.graph.setMailboxReadyAfterPolls(upn('fritz'), Infinity);
		const [first] = await provision([row('fritz')], { app, ledgerPath });
		expect(first).toMatchObject({ status: 'provisioning', mailboxReady: false });
		expect(Date.parse(String(first.resumesAt))).toBeGreaterThan(Date.now());
		expect(first.password).toBe(remember('fritz'));

		const [still] = await provision([row('fritz')], { app, ledgerPath });
		expect(still).toMatchObject({ status: 'provisioning' });
		expect(still.password).toBeUndefined();

		m365.emulator.graph.makeMailboxReady(upn('fritz'));
		const [ready] = await provision([row('fritz')], { app, ledgerPath });
		expect(ready).toMatchObject({
			status: 'created',
			mailboxReady: true,
			changes: [{ field: 'licence', before: null, after: 'ENTERPRISEPACK' }],
		});
		expect(ready.password).toBeUndefined();
		expect(ready.provisioningStartedAt).toEqual(expect.any(String));
		const [after] = await provision([row('fritz')], { app, ledgerPath });
		expect(after.status).toBe('unchanged');
		expect(m365.emulator.graph.users()).toHaveLength(1);
	});

	it('polls several mailboxes side by side: a slow one does not hold up the others', async () => {
		m365.emulator.graph.setMailboxReadyAfterPolls(upn('gina'), Infinity);
		m365.emulator.graph.setMailboxReadyAfterPolls(upn('hans'), 1);
		const result = await provision([row('gina'), row('hans')], {
			app,
			ledgerPath,
			options: { maxWaitSeconds: 8 },
		});
		expect(result.map((item) => item.status)).toEqual(['provisioning', 'created']);
		// hans: refused once, ready at the second poll; gina polled meanwhile on her own back-off.
		expect(m365.emulator.graph.mailboxPolls(upn('hans'))).toBe(1);
		expect(m365.emulator.graph.mailboxPolls(upn('gina'))).toBeGreaterThanOrEqual(2);
		remember('gina');
		remember('hans');
	}, 60_000);

	it('fails bad rows alone with Continue On Fail, and before anything is created without it', async () => {
		m365.emulator.graph.addUser({
			userPrincipalName: upn('old.ida'),
			displayName: 'Ida (old address)',
			licences: ['ENTERPRISEPACK'],
			proxyAddresses: [`SMTP:${upn('old.ida')}`, `smtp:${upn('ida')}`],
		});
		const rows = [
			row('jan'),
			{ userPrincipalName: '', displayName: 'Nobody' },
			row('kim', { userPrincipalName: 'kim@not-verified.example' }),
			row('lea', { skuPartNumber: 'NO_SUCH_SKU' }),
			row('ida'),
			row('max', { usageLocation: 'Germany' }),
			row('nina'),
		];
		const result = await provision(rows, { app, ledgerPath });
		expect(result.map((item) => item.status)).toEqual([
			'created',
			'failed',
			'failed',
			'failed',
			'failed',
			'failed',
			'created',
		]);
		expect(result[1].error).toMatch(/item 1.*no user principal name/);
		expect(result[2].error).toMatch(/not-verified\.example.*not a verified domain of the tenant/);
		expect(result[3].error).toMatch(
			/no licence NO_SUCH_SKU \(its subscriptions: ENTERPRISEPACK, O365_BUSINESS_PREMIUM\)/,
		);
		expect(result[4].error).toMatch(new RegExp(`already belongs to ${upn('old.ida')}`));
		expect(result[5].error).toMatch(/two-letter country code/);
		expect(
			m365.emulator.graph
				.users()
				.map((user) => user.userPrincipalName)
				.sort(),
		).toEqual([upn('jan'), upn('nina'), upn('old.ida')].sort());
		remember('jan');
		remember('nina');

		const strict = [row('otto'), { userPrincipalName: 'bad upn', displayName: 'Bad' }];
		await expect(
			provision(strict, { app, ledgerPath, continueOnFail: false }),
		).rejects.toMatchObject({
			context: { itemIndex: 1 },
			message: expect.stringMatching(/bad upn/),
		});
		expect(userOf('otto')).toBeUndefined();
	});

	it('creates exactly one user when the answer to the create is lost, and hands out its password', async () => {
		m365.emulator.graph.injectFaults({
			route: '/users',
			method: 'POST',
			count: 1,
			fault: { kind: 'reset', when: 'after' },
		});
		const [paul] = await provision([row('paul')], { app, ledgerPath });
		expect(paul.status).toBe('created');
		expect(paul.password).toBe(remember('paul'));
		expect(m365.emulator.graph.users()).toHaveLength(1);
		const requests = m365.emulator.graph.counters().requests;
		expect(requests['POST /users reset']).toBe(1);
		expect(requests['POST /users 201']).toBeUndefined();
	});

	it("honours Graph's 429 Retry-After on the directory calls", async () => {
		m365.emulator.graph.injectFaults(
			{
				route: '/subscribedSkus',
				count: 1,
				fault: { kind: 'status', status: 429, retryAfterSeconds: 1 },
			},
			{
				route: '/users',
				method: 'POST',
				count: 1,
				fault: { kind: 'status', status: 429, retryAfterSeconds: 1 },
			},
			{
				route: '/users/{id}/assignLicense',
				count: 1,
				fault: { kind: 'status', status: 429, retryAfterSeconds: 1 },
			},
		);
		const [rita] = await provision([row('rita')], { app, ledgerPath });
		expect(rita).toMatchObject({ status: 'created', licences: 'ENTERPRISEPACK' });
		remember('rita');
		expect(m365.emulator.graph.pendingFaults()).toBe(0);
		expect(m365.emulator.graph.users()).toHaveLength(1);
	}, 30_000);

	it('sets a new password for a user whose first one never went out (the run stopped on a later item)', async () => {
		const rows = [row('sven'), row('tara', { userPrincipalName: 'tara@not-verified.example' })];
		await expect(provision(rows, { app, ledgerPath, continueOnFail: false })).rejects.toMatchObject(
			{
				context: { itemIndex: 1 },
			},
		);
		const lost = m365.emulator.graph.passwordOf(upn('sven'));
		const [sven] = await provision([row('sven')], { app, ledgerPath });
		expect(sven).toMatchObject({
			status: 'created',
			changes: [{ field: 'password', before: null, after: null }],
		});
		expect(sven.password).toBe(remember('sven'));
		expect(sven.password).not.toBe(lost);
	});

	it('provisions a UPN named twice in one batch once: the later item fails naming the first, one password', async () => {
		const result = await provision([row('wanda'), row('WANDA')], { app, ledgerPath });
		expect(result.map((item) => item.status)).toEqual(['created', 'failed']);
		expect(result[1].error).toMatch(/the same account as item 0/);
		expect(result[1].password).toBeUndefined();
		expect(result[0].password).toBe(remember('wanda'));
		expect(m365.emulator.graph.counters().requests['PATCH /users/{id} 204']).toBeUndefined();
		expect(m365.emulator.graph.users()).toHaveLength(1);
	});

	it("leaves a user alone while another live run holds its creating row; a released one's is taken over", async () => {
		m365.emulator.graph.addUser({
			userPrincipalName: upn('xena'),
			displayName: 'Xena Example',
			licences: ['ENTERPRISEPACK'],
		});
		const store = await openLedger({ kind: 'sqlite', path: ledgerPath });
		const key = { migrationId: 'wave-1', provider: 'microsoft365', account: upn('xena') };
		const other = newOwnerId('provision-target');
		await store.claimProvisionedAccount({ ...key, owner: other, ttlMs: 3_600_000 });
		const [busy] = await provision([row('xena')], { app, ledgerPath });
		expect(busy).toMatchObject({ status: 'failed' });
		expect(busy.error).toMatch(/being provisioned by another run .*nothing was changed/);
		expect(m365.emulator.graph.passwordOf(upn('xena'))).toBeNull();

		// That run ended without handing out its output (it released its claim): the user is ours, with a new password.
		await store.releaseProvisionedAccount(key, other);
		await store.close();
		const [taken] = await provision([row('xena')], { app, ledgerPath });
		expect(taken).toMatchObject({ status: 'created' });
		expect(taken.password).toBe(remember('xena'));
	});

	it("records no earlier user as done when a later one's mailbox wait fails the batch, so the next run hands out a new password", async () => {
		m365.emulator.graph.injectFaults({
			path: new RegExp(`/users/${encodeURIComponent(upn('zoe'))}/mailFolders`),
			count: 1,
			fault: { kind: 'status', status: 403, code: 'ErrorAccessDenied' },
		});
		await expect(
			provision([row('yann'), row('zoe')], {
				app,
				ledgerPath,
				continueOnFail: false,
				options: { maxWaitSeconds: 30 },
			}),
		).rejects.toMatchObject({ context: { itemIndex: 1 } });
		const lost = m365.emulator.graph.passwordOf(upn('yann'));
		const [yann] = await provision([row('yann')], { app, ledgerPath });
		expect(yann).toMatchObject({
			status: 'created',
			changes: [{ field: 'password', before: null, after: null }],
		});
		expect(yann.password).toBe(remember('yann'));
		expect(yann.password).not.toBe(lost);
		// zoe's password went out to nobody either (the batch stopped at her): the next run gives her a new one.
		const [zoe] = await provision([row('zoe')], { app, ledgerPath });
		expect(zoe).toMatchObject({ status: 'created' });
		expect(zoe.password).toBe(remember('zoe'));
	});

	it('fails the items that want a licence when the licences cannot be read, with and without Continue On Fail', async () => {
		m365.emulator.graph.injectFaults({
			route: '/subscribedSkus',
			count: 2,
			fault: { kind: 'status', status: 403, code: 'Authorization_RequestDenied' },
		});
		const result = await provision([row('abel'), row('bea', { skuPartNumber: '' })], {
			app,
			ledgerPath,
		});
		expect(result).toMatchObject([
			{ account: upn('abel'), status: 'failed' },
			{ account: upn('bea'), status: 'created', licences: null },
		]);
		expect(userOf('abel')).toBeUndefined();
		remember('bea');
		await expect(
			provision([row('cai')], { app, ledgerPath, continueOnFail: false }),
		).rejects.toMatchObject({ context: { itemIndex: 0 } });
		expect(userOf('cai')).toBeUndefined();
	});

	it("addresses a UPN holding ' as OData's key with the quote doubled, and finds the user again", async () => {
		const [first] = await provision([row("o'brien")], {
			app,
			ledgerPath,
			options: { maxWaitSeconds: 30 },
		});
		expect(first).toMatchObject({ account: upn("o'brien"), status: 'created', mailboxReady: true });
		expect(first.password).toBe(remember("o'brien"));
		const [again] = await provision([row("o'brien")], { app, ledgerPath });
		expect(again).toMatchObject({ status: 'unchanged' });
		expect(m365.emulator.graph.users()).toHaveLength(1);
		const requests = m365.emulator.graph.counters().requests;
		expect(requests['GET /users/{id} by key 404']).toBe(1);
		expect(requests['GET /users/{id} by key 200']).toBe(1);
		expect(requests['GET /users/{id}/mailFolders/{id} by key 200']).toBe(2);
	});

	it("meets another worker's use of the last licence unit with Graph's CountViolation: the user exists unlicensed, the item fails, the next run finishes it", async () => {
		const skuId = '6fd2c87f-b296-42f0-b197-1e91e994b900';
		m365.emulator.graph.setSkus([{ skuPartNumber: 'ENTERPRISEPACK', enabled: 1, skuId }]);
		// This run has read the licences (one free) and is creating dora when another worker takes the unit.
		const hold = m365.emulator.graph.hold({ route: '/users', method: 'POST' });
		const running = provision([row('dora')], { app, ledgerPath });
		await hold.waitForHeld(1);
		m365.emulator.graph.addUser({
			userPrincipalName: upn('other.worker'),
			displayName: 'Other Worker',
			licences: ['ENTERPRISEPACK'],
		});
		hold.release();
		const [dora] = await running;
		expect(dora).toMatchObject({ status: 'failed' });
		expect(dora.error).toMatch(/no licence unit left for dora@.*CountViolation/);
		expect(dora.password).toBeUndefined();
		expect(userOf('dora')).toMatchObject({ licences: [] });

		// A unit is freed: the next run licenses her, and as her first password reached nobody, sets a new one.
		m365.emulator.graph.setSkus([{ skuPartNumber: 'ENTERPRISEPACK', enabled: 2, skuId }]);
		const [next] = await provision([row('dora')], { app, ledgerPath });
		expect(next).toMatchObject({ status: 'created', licences: 'ENTERPRISEPACK' });
		expect(next.password).toBe(remember('dora'));
	});

	it('names the missing permission for every item', async () => {
		const weak = m365.registerApp({ roles: ['User.Read.All', 'Mail.Read'] });
		const result = await provision([row('uwe'), row('vera')], { app: weak, ledgerPath });
		for (const item of result) {
			expect(item).toMatchObject({ status: 'failed' });
			expect(item.error).toMatch(/not User\.ReadWrite\.All.*Grant admin consent/);
		}
		expect(m365.emulator.graph.users()).toHaveLength(0);
	});
});
