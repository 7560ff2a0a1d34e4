/**
 * Set Routing through n8n's execute context against real slapd, Postfix and two Dovecots (the old and the new mail
 * server, both taking LMTP): Postfix routes each recipient by its entry's mailHost, so where mail lands proves what
 * Switch, Rollback (one user, then the wave) and Verify did. Each phase sends from its own envelope sender, because
 * Postfix reuses its last route for the same sender and recipient for 30 s (test/harness/postfix.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { NodeApiError, type IDataObject } from 'n8n-workflow';

import { openLedger } from '../../../nodes/lib/ledger';
import type { DovecotServer } from '../../harness/dovecot';
import { arrives, inboxSubjects } from '../../harness/inbox';
import { ldapDirectoryData } from '../../harness/n8nNodeFixtures';
import type { PostfixServer } from '../../harness/postfix';
import { TestServices } from '../../harness/services';
import type { SlapdServer } from '../../harness/slapd';
import { runSetRouting, type ItemParameters } from './setRoutingFixtures';

jest.setTimeout(180_000);

const PASSWORD = 'user:Secret-1';
const OLD_HOST = 'old.mail.test';
const NEW_HOST = 'new.mail.test';
const WAVE = ['alice', 'bob', 'carol'];
const MIGRATION = 'routing-wave-test';

describe('Set Routing switches, verifies and rolls back delivery through real Postfix', () => {
	const services = new TestServices();
	let directory: SlapdServer;
	let oldServer: DovecotServer;
	let newServer: DovecotServer;
	let mx: PostfixServer;
	let ledgerDir: string;
	let credential: Record<string, unknown>;

	beforeAll(async () => {
		[directory, oldServer, newServer] = await Promise.all([
			services.slapd({ name: 'directory' }),
			services.dovecot({ name: 'old', lmtp: true }),
			services.dovecot({ name: 'new', lmtp: true }),
		]);
		for (const uid of [...WAVE, 'dave']) {
			await oldServer.addUser(uid, PASSWORD);
			await newServer.addUser(uid, PASSWORD);
			await directory.addMailUser({
				uid,
				mailLocalAddress: `${uid}@example.test`,
				mailHost: OLD_HOST,
			});
		}
		mx = await services.postfix({
			name: 'mx',
			ldap: directory,
			routes: { [OLD_HOST]: oldServer, [NEW_HOST]: newServer },
		});
		ledgerDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-routing-'));
		credential = ldapDirectoryData(directory, 'startTls');
	}, 180_000);

	afterAll(async () => {
		await services.stopAll();
		fs.rmSync(ledgerDir, { recursive: true, force: true });
	});

	const item = (operation: string, uid: string, extra: ItemParameters = {}): ItemParameters => ({
		operation,
		migrationId: MIGRATION,
		ledgerOptions: { path: path.join(ledgerDir, 'ledger.sqlite') },
		user: `${uid}@example.test`,
		wave: 'wave-1',
		entryLookup: 'search',
		baseDn: directory.peopleDn,
		filterTemplate: '(&(objectClass=inetLocalMailRecipient)(mailLocalAddress={user}))',
		routingAttributes: {
			attribute: [
				{ name: 'mailHost', value: NEW_HOST },
				{ name: 'mailRoutingAddress', value: `${uid}@${NEW_HOST}` },
			],
		},
		...extra,
	});

	const run = async (items: ItemParameters[]) =>
		(await runSetRouting(credential, items)).map((output) => output.json as IDataObject);

	/** Sends one message per user from a sender of this phase, and waits for each where it must land. */
	async function deliver(phase: string, landsOn: Record<string, DovecotServer>): Promise<void> {
		for (const uid of Object.keys(landsOn)) {
			await mx.send({
				from: `${phase}@outside.test`,
				to: `${uid}@example.test`,
				subject: `${phase} for ${uid}`,
				body: phase,
			});
		}
		for (const [uid, server] of Object.entries(landsOn)) {
			await arrives(server, uid, PASSWORD, `${phase} for ${uid}`);
			const other = server === oldServer ? newServer : oldServer;
			expect(await inboxSubjects(other, uid, PASSWORD)).not.toContain(`${phase} for ${uid}`);
		}
	}

	const stamps = async (uid: string) =>
		(await directory.entry(directory.userDn(uid), ['entryCSN', 'modifyTimestamp']))?.attributes;

	it('before Switch, mail lands on the old server', async () => {
		await deliver('before-switch', {
			alice: oldServer,
			bob: oldServer,
			carol: oldServer,
			dave: oldServer,
		});
	});

	it('Switch sets the routing attributes of the wave, after its snapshot, and mail lands on the new server', async () => {
		const outputs = await run(WAVE.map((uid) => item('switch', uid)));
		expect(outputs).toEqual(
			WAVE.map((uid) => ({
				user: `${uid}@example.test`,
				status: 'switched',
				dn: directory.userDn(uid),
				wave: 'wave-1',
				migrationId: MIGRATION,
				snapshotState: 'switched',
				changes: [
					{ attribute: 'mailHost', before: [OLD_HOST], after: [NEW_HOST] },
					{ attribute: 'mailRoutingAddress', before: [], after: [`${uid}@${NEW_HOST}`] },
				],
			})),
		);
		const ledger = await openLedger({
			kind: 'sqlite',
			path: path.join(ledgerDir, 'ledger.sqlite'),
		});
		try {
			const snapshots = await ledger.listRoutingSnapshots(MIGRATION, { wave: 'wave-1' });
			expect(
				snapshots.map((snapshot) => [snapshot.user, snapshot.state, snapshot.previous]),
			).toEqual(
				WAVE.map((uid) => [
					`${uid}@example.test`,
					'switched',
					{ mailHost: [OLD_HOST], mailRoutingAddress: [] },
				]),
			);
		} finally {
			await ledger.close();
		}
		await deliver('after-switch', {
			alice: newServer,
			bob: newServer,
			carol: newServer,
			dave: oldServer,
		});
	});

	it('a second Switch changes nothing: same entryCSN and modifyTimestamp', async () => {
		const before = await Promise.all(WAVE.map(stamps));
		const outputs = await run(WAVE.map((uid) => item('switch', uid)));
		expect(outputs.map((output) => [output.status, output.changes])).toEqual(
			WAVE.map(() => ['unchanged', []]),
		);
		expect(await Promise.all(WAVE.map(stamps))).toEqual(before);
	});

	it('Verify reports verified, and mismatch with the differences after a change by hand', async () => {
		expect(
			(await run(WAVE.map((uid) => item('verify', uid)))).map((output) => output.status),
		).toEqual(['verified', 'verified', 'verified']);
		await directory.modify(
			`dn: ${directory.userDn('bob')}\nchangetype: modify\nreplace: mailRoutingAddress\nmailRoutingAddress: bob@elsewhere.test\n`,
		);
		const [alice, bob] = await run(['alice', 'bob'].map((uid) => item('verify', uid)));
		expect(alice.status).toBe('verified');
		expect(bob).toMatchObject({
			status: 'mismatch',
			differences: [
				{
					attribute: 'mailRoutingAddress',
					before: ['bob@elsewhere.test'],
					after: [`bob@${NEW_HOST}`],
				},
			],
		});
		// Switch again mends it, keeping the first snapshot (Rollback below still restores the old values).
		const [mended] = await run([item('switch', 'bob')]);
		expect(mended).toMatchObject({
			status: 'switched',
			changes: [
				{
					attribute: 'mailRoutingAddress',
					before: ['bob@elsewhere.test'],
					after: [`bob@${NEW_HOST}`],
				},
			],
		});
	});

	it("Rollback of one user brings that user's mail back to the old server; the others stay switched", async () => {
		const [alice] = await run([item('rollback', 'alice', { rollbackScope: 'user' })]);
		expect(alice).toMatchObject({
			user: 'alice@example.test',
			status: 'rolledBack',
			snapshotState: 'rolledBack',
			changes: [
				{ attribute: 'mailHost', before: [NEW_HOST], after: [OLD_HOST] },
				{ attribute: 'mailRoutingAddress', before: [`alice@${NEW_HOST}`], after: [] },
			],
		});
		expect(
			(await directory.entry(directory.userDn('alice'), ['mailHost', 'mailRoutingAddress']))
				?.attributes,
		).toEqual({
			mailHost: [OLD_HOST],
		});
		await deliver('after-rollback', { alice: oldServer, bob: newServer, carol: newServer });
		const verify = await run(WAVE.map((uid) => item('verify', uid)));
		expect(verify.map((output) => output.status)).toEqual(['mismatch', 'verified', 'verified']);
	});

	it('Rollback of the wave restores the rest once, however many items name it', async () => {
		const waveItem = item('rollback', 'alice', { rollbackScope: 'wave', rollbackWave: 'wave-1' });
		const outputs = await runSetRouting(credential, [waveItem, waveItem]);
		expect(
			outputs.map((output) => [output.json.user, output.json.status, output.pairedItem]),
		).toEqual([
			['alice@example.test', 'unchanged', { item: 0 }],
			['bob@example.test', 'rolledBack', { item: 0 }],
			['carol@example.test', 'rolledBack', { item: 0 }],
		]);
		await deliver('after-wave-rollback', { alice: oldServer, bob: oldServer, carol: oldServer });
		for (const uid of WAVE) {
			expect(
				(await directory.entry(directory.userDn(uid), ['mailHost', 'mailRoutingAddress']))
					?.attributes,
			).toEqual({
				mailHost: [OLD_HOST],
			});
		}
	});

	it('after a Rollback, a new Switch takes a fresh snapshot', async () => {
		await directory.modify(
			`dn: ${directory.userDn('carol')}\nchangetype: modify\nreplace: mailHost\nmailHost: interim.mail.test\n`,
		);
		const [carol] = await run([item('switch', 'carol')]);
		expect(carol.changes).toEqual([
			{ attribute: 'mailHost', before: ['interim.mail.test'], after: [NEW_HOST] },
			{ attribute: 'mailRoutingAddress', before: [], after: [`carol@${NEW_HOST}`] },
		]);
		const [back] = await run([item('rollback', 'carol', { rollbackScope: 'user' })]);
		expect(back.changes).toEqual([
			{ attribute: 'mailHost', before: [NEW_HOST], after: ['interim.mail.test'] },
			{ attribute: 'mailRoutingAddress', before: [`carol@${NEW_HOST}`], after: [] },
		]);
	});

	it('never shows the bind password in any output', async () => {
		const outputs = await runSetRouting({ ...credential, bindPassword: 'Wrong-Bind-7x' }, [
			item('switch', 'alice'),
			item('verify', 'bob'),
		]);
		expect(outputs.map((output) => output.json.status)).toEqual(['failed', 'failed']);
		expect(outputs[0].json.error).toMatch(
			/^User alice@example.test: LDAP bind failed: .*invalidCredentials/,
		);
		expect(outputs[0].json.advice).toMatch(/bind DN and password/);
		const everything = JSON.stringify(outputs);
		expect(everything).not.toContain('Wrong-Bind-7x');
		expect(everything).not.toContain(directory.rootPassword);
		const thrown = await runSetRouting(
			{ ...credential, bindPassword: 'Wrong-Bind-7x' },
			[item('switch', 'alice')],
			false,
		).catch((error: unknown) => error as Error);
		// The directory's refusal is an API error: the item, and what the server said.
		expect(thrown).toBeInstanceOf(NodeApiError);
		expect(thrown).toMatchObject({
			message: expect.stringMatching(
				/^User alice@example.test: LDAP bind failed: .*invalidCredentials/,
			),
			description: expect.stringMatching(
				/bind DN and password.*LDAP result code 49, invalidCredentials/,
			),
			context: { itemIndex: 0 },
		});
		expect(
			JSON.stringify({
				...(thrown as object),
				message: (thrown as Error).message,
				stack: (thrown as Error).stack,
			}),
		).not.toContain('Wrong-Bind-7x');
	});
});
