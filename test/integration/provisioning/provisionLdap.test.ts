/**
 * Provision Target's LDAP directory provider through n8n's execute context, against a real slapd and a real Dovecot
 * whose passdb binds as the user's entry (auth_bind): whatever password the node sets is what an IMAP login proves.
 * Entries created once and corrected, reruns that leave the entry untouched (its entryCSN), every password storage,
 * bad rows next to good ones, injection attempts that stay literal RDN and assertion values, and the generated
 * password nowhere but its one output field.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { ProvisionTarget } from '../../../nodes/ProvisionTarget/ProvisionTarget.node';
import type { DovecotServer } from '../../harness/dovecot';
import { logsIn } from '../../harness/imap-fixtures';
import { provisionTargetNode } from '../../harness/n8nNodeFixtures';
import { replaceLdif } from '../../harness/ldif';
import { TestServices } from '../../harness/services';
import type { LdapEntry, SlapdServer } from '../../harness/slapd';
import { openLedger } from '../../../nodes/lib/ledger';
import { newOwnerId } from '../../../nodes/lib/migration/owner';

jest.setTimeout(120_000);

/** An owner id of this host whose process has exited: a run that died (kill -9) as isDeadLocalOwner sees it. */
async function deadOwnerId(): Promise<string> {
	const child = spawn(process.execPath, ['-e', '']);
	await new Promise((resolve) => child.once('exit', resolve));
	return newOwnerId('provision-target').replace(`:${process.pid}:`, `:${child.pid}:`);
}

interface Row {
	uid: string;
	cn?: string;
	sn?: string;
	mail?: string;
	mailHost?: string;
	/** Several values. */
	aliases?: string[];
	/** Further attributes, e.g. a misspelt one. */
	extra?: { name: string; value: unknown }[];
	/** Node parameters of this item only. */
	parameters?: Record<string, unknown>;
}

interface RunSettings {
	continueOnFail?: boolean;
	parameters?: Record<string, unknown>;
	options?: IDataObject;
	/** Credential types getCredentials does not find. */
	missingCredentials?: string[];
}

const PEOPLE = 'ou=people,dc=example,dc=test';
const IMAP_CREDENTIAL_PASSWORD = 'imap-credential-Secret-9';

/** Everything the node handed out or said, for the secret checks. */
const seen: string[] = [];

function attributesOf(row: Row): { name: string; value: unknown }[] {
	return [
		{ name: 'uid', value: row.uid },
		{ name: 'cn', value: row.cn ?? `${row.uid} Example` },
		{ name: 'sn', value: row.sn ?? 'Example' },
		{ name: 'mail', value: row.mail ?? `${row.uid}@example.test` },
		{ name: 'mailLocalAddress', value: row.aliases ?? [] },
		{ name: 'mailHost', value: row.mailHost ?? 'imap.new.example.test' },
		...(row.extra ?? []),
	];
}

describe('Provision Target, LDAP directory, against slapd and Dovecot (LDAP passdb)', () => {
	const services = new TestServices();
	let ldap: SlapdServer;
	let dovecot: DovecotServer;
	let dir: string;
	let ledgerPath: string;
	/** Every password the node generated, checked against everything it put out. */
	const passwords = new Set<string>();

	const dnOf = (uid: string) => `uid=${uid},${PEOPLE}`;

	function contextFor(rows: Row[], settings: RunSettings = {}): IExecuteFunctions {
		return {
			getInputData: () => rows.map((row) => ({ json: row as unknown as IDataObject })),
			getNodeParameter: (name: string, itemIndex: number, fallback?: unknown) => {
				const row = rows[itemIndex];
				const values: Record<string, unknown> = {
					directory: 'ldap',
					login: row.uid,
					dnTemplate: 'uid={uid},ou=people,dc=example,dc=test',
					objectClasses: 'inetOrgPerson, inetLocalMailRecipient',
					'attributes.attribute': attributesOf(row),
					passwordSource: 'generate',
					passwordStorage: 'ssha',
					resetPassword: false,
					verifyLogin: true,
					migrationId: 'wave-1',
					ldapOptions: settings.options ?? {},
					'ledgerOptions.path': ledgerPath,
					...settings.parameters,
					...row.parameters,
				};
				return name in values ? values[name] : fallback;
			},
			getCredentials: async (type: string) => {
				if (settings.missingCredentials?.includes(type)) {
					// n8n's own words for a node whose credential is not set.
					throw new Error('Node does not have any credentials set');
				}
				return type === 'ldapDirectory'
					? {
							url: ldap.url,
							connectionSecurity: 'startTls',
							trustedCaPem: ldap.caPem,
							bindDN: ldap.rootDn,
							bindPassword: ldap.rootPassword,
						}
					: {
							host: '127.0.0.1',
							port: dovecot.tlsPort,
							security: 'tls',
							trustedCaPem: dovecot.certPem,
							loginMode: 'user',
							user: 'someone-else',
							password: IMAP_CREDENTIAL_PASSWORD,
						};
			},
			getNode: () => provisionTargetNode,
			getExecutionCancelSignal: () => undefined,
			continueOnFail: () => settings.continueOnFail ?? true,
		} as unknown as IExecuteFunctions;
	}

	async function provision(rows: Row[], settings: RunSettings = {}): Promise<IDataObject[]> {
		try {
			const [output] = await new ProvisionTarget().execute.call(contextFor(rows, settings));
			seen.push(JSON.stringify(output));
			expect(output.map((item: INodeExecutionData) => item.pairedItem)).toEqual(
				rows.map((_, item) => ({ item })),
			);
			const items = output.map((item: INodeExecutionData) => item.json);
			for (const item of items) if (typeof item.password === 'string') passwords.add(item.password);
			return items;
		} catch (error) {
			seen.push(JSON.stringify(error), String(error), JSON.stringify((error as Error).stack));
			throw error;
		}
	}

	/** Every entry of the suffix with its operational attributes (entryCSN, modifyTimestamp, userPassword as root). */
	const dump = async (): Promise<Map<string, LdapEntry>> =>
		new Map(
			(await ldap.search(ldap.suffix, '(objectClass=*)', ['*', '+'])).map((entry) => [
				entry.dn,
				entry,
			]),
		);

	const stamp = async (uid: string) =>
		(await ldap.entry(dnOf(uid), ['entryCSN', 'modifyTimestamp']))?.attributes;

	beforeAll(async () => {
		ldap = await services.slapd({ name: 'provisioning' });
		dovecot = await services.dovecot({
			name: 'ldap-target',
			ldap: {
				url: ldap.url,
				baseDn: ldap.peopleDn,
				bindDn: ldap.rootDn,
				bindPassword: ldap.rootPassword,
			},
		});
		dir = fs.mkdtempSync(path.join(os.tmpdir(), 'provision-ldap-'));
	});

	beforeEach(() => {
		ledgerPath = path.join(
			dir,
			`${expect.getState().currentTestName?.replace(/\W+/g, '-').slice(0, 80)}.sqlite`,
		);
	});

	afterAll(async () => {
		// No password in anything the node said but its `password` field, once per password.
		const everything = seen.join('\n');
		const fields = seen.flatMap((text) =>
			[...text.matchAll(/"password":"([^"]*)"/g)].map((match) => match[1]),
		);
		for (const password of passwords) {
			expect(fields.filter((value) => value === password)).toHaveLength(1);
			expect(everything.split(password)).toHaveLength(2);
			for (const file of fs.readdirSync(dir)) {
				expect(fs.readFileSync(path.join(dir, file)).includes(password)).toBe(false);
			}
			expect(ldap.log().includes(password)).toBe(false);
		}
		expect(everything).not.toContain(IMAP_CREDENTIAL_PASSWORD);
		expect(everything).not.toContain(ldap.rootPassword);
		expect(passwords.size).toBeGreaterThan(5);
		fs.rmSync(dir, { recursive: true, force: true });
		await services.stopAll();
	});

	it('creates entries that log in, finds them unchanged (entryCSN untouched), then corrects a changed attribute', async () => {
		const rows: Row[] = [
			{ uid: 'anna', aliases: ['anna@old.example.test', 'a.schmidt@example.test'] },
			{ uid: 'ben' },
		];
		const first = await provision(rows);
		expect(first).toMatchObject([
			{ account: 'anna', status: 'created', dn: dnOf('anna'), loginVerified: true, changes: [] },
			{ account: 'ben', status: 'created', dn: dnOf('ben'), loginVerified: true },
		]);
		const anna = await ldap.entry(dnOf('anna'));
		expect(anna?.attributes).toMatchObject({
			objectClass: ['inetOrgPerson', 'inetLocalMailRecipient'],
			uid: ['anna'],
			cn: ['anna Example'],
			sn: ['Example'],
			mail: ['anna@example.test'],
			mailHost: ['imap.new.example.test'],
			mailLocalAddress: ['anna@old.example.test', 'a.schmidt@example.test'],
		});
		expect(anna?.attributes.userPassword?.[0]).toMatch(/^\{SSHA\}/);
		expect(first[0].entryUUID).toBe(
			(await ldap.entry(dnOf('anna'), ['entryUUID']))?.attributes.entryUUID[0],
		);
		for (const [index, uid] of ['anna', 'ben'].entries()) {
			expect(await logsIn(dovecot, uid, first[index].password as string)).toBe(true);
		}
		expect(first[0].password).not.toBe(first[1].password);

		const before = await stamp('anna');
		const second = await provision(rows);
		expect(second).toMatchObject([
			{ status: 'unchanged', changes: [], loginVerified: null },
			{ status: 'unchanged', changes: [] },
		]);
		expect(second.every((item) => !('password' in item))).toBe(true);
		expect(await stamp('anna')).toEqual(before);
		expect(await logsIn(dovecot, 'anna', first[0].password as string)).toBe(true);

		// Someone changes the entry: what the template names is corrected, what it does not is left alone.
		await ldap.modify(
			replaceLdif(dnOf('anna'), {
				mailHost: 'imap.old.example.test',
				mailLocalAddress: ['anna@old.example.test'],
				description: 'set by hand',
			}),
		);
		const third = await provision(rows);
		expect(third[0]).toMatchObject({
			status: 'updated',
			changes: [
				{
					field: 'mailLocalAddress',
					before: 'anna@old.example.test',
					after: 'anna@old.example.test, a.schmidt@example.test',
					beforeValues: ['anna@old.example.test'],
					afterValues: ['anna@old.example.test', 'a.schmidt@example.test'],
				},
				{ field: 'mailHost', before: 'imap.old.example.test', after: 'imap.new.example.test' },
			],
		});
		expect(third[1].status).toBe('unchanged');
		expect((await ldap.entry(dnOf('anna')))?.attributes).toMatchObject({
			mailHost: ['imap.new.example.test'],
			description: ['set by hand'],
		});
		expect(await logsIn(dovecot, 'anna', first[0].password as string)).toBe(true);
		expect(await ldap.search(PEOPLE, '(uid=anna)', ['1.1'])).toHaveLength(1);
	});

	it.each([
		['ssha', /^\{SSHA\}/],
		['ssha512', /^\{SSHA512\}/],
		['sha512crypt', /^\{CRYPT\}\$6\$/],
		// slapd hashes it by its olcPasswordHash, {SSHA} by default.
		['passwordModify', /^\{SSHA\}/],
	])(
		'password storage %s: the entry holds a hash, never the password, and the login works',
		async (storage, stored) => {
			const uid = `store-${storage.toLowerCase()}`;
			const [created] = await provision([{ uid }], {
				parameters: { passwordStorage: storage },
			});
			expect(created).toMatchObject({ status: 'created', loginVerified: true });
			const password = created.password as string;
			const hash = (await ldap.entry(dnOf(uid), ['userPassword']))?.attributes.userPassword[0];
			expect(hash).toMatch(stored);
			expect(hash).not.toContain(password);
			expect(await logsIn(dovecot, uid, password)).toBe(true);
			expect(await logsIn(dovecot, uid, `${password}x`)).toBe(false);
		},
	);

	it('leaves the password of an existing entry alone unless Reset Password, which sets a new one', async () => {
		const [created] = await provision([{ uid: 'carla' }]);
		const [kept] = await provision([{ uid: 'carla' }]);
		expect(kept).toMatchObject({ status: 'unchanged', changes: [] });
		const [reset] = await provision([{ uid: 'carla' }], {
			parameters: { resetPassword: true, passwordStorage: 'passwordModify' },
		});
		expect(reset).toMatchObject({
			status: 'updated',
			changes: [{ field: 'password', before: null, after: null }],
			loginVerified: true,
		});
		expect(reset.password).toEqual(expect.any(String));
		expect(reset.password).not.toBe(created.password);
		expect(await logsIn(dovecot, 'carla', created.password as string)).toBe(false);
		expect(await logsIn(dovecot, 'carla', reset.password as string)).toBe(true);
	});

	it('verifies no login with a given password the run did not set: the entry existed and Reset Password is off', async () => {
		const given = 'Given-Pw-4711!';
		await ldap.addMailUser({ uid: 'dora', password: 'the-real-one' });
		const [result] = await provision([{ uid: 'dora', cn: 'dora Example' }], {
			parameters: { passwordSource: 'given', password: given },
		});
		expect(result).toMatchObject({
			account: 'dora',
			status: 'updated',
			loginVerified: null,
			loginNotVerified: expect.stringMatching(/set no password .*Reset Password is off/),
		});
		expect(result.changes).not.toContainEqual(expect.objectContaining({ field: 'password' }));
		expect(JSON.stringify(result)).not.toContain(given);
		expect(await logsIn(dovecot, 'dora', 'the-real-one')).toBe(true);
		expect(await logsIn(dovecot, 'dora', given)).toBe(false);
	});

	it('fails a login that does not work with the server answer, never the password', async () => {
		// An entry outside the base Dovecot's passdb searches: created with the password, yet no login can work.
		await ldap.add(
			'dn: ou=elsewhere,dc=example,dc=test\nobjectClass: organizationalUnit\nou: elsewhere\n',
		);
		const given = 'Given-Pw-4712!';
		const [result] = await provision([{ uid: 'dorian' }], {
			parameters: {
				passwordSource: 'given',
				password: given,
				dnTemplate: 'uid={uid},ou=elsewhere,dc=example,dc=test',
			},
		});
		expect(result).toMatchObject({ account: 'dorian', status: 'failed' });
		expect(result.error).toMatch(
			/^Account dorian: logging in as dorian at 127\.0\.0\.1:\d+ with the provisioned password failed: Authentication: .*rejected the login/,
		);
		expect(JSON.stringify(result)).not.toContain(given);
		expect(seen.join('\n')).not.toContain(given);
	});

	it('provisions an account named twice in one batch once: the later item fails naming the first, the first password works', async () => {
		const results = await provision([{ uid: 'alice' }, { uid: 'bob' }, { uid: 'Alice' }]);
		expect(results.map((item) => item.status)).toEqual(['created', 'created', 'failed']);
		expect(results[2].error).toMatch(/^Account Alice: the same account as item 0/);
		expect(results[2].password).toBeUndefined();
		expect(await logsIn(dovecot, 'alice', results[0].password as string)).toBe(true);
		// userPassword written once: the entry was never modified after its add.
		const alice = await ldap.entry(dnOf('alice'), [
			'createTimestamp',
			'modifyTimestamp',
			'entryCSN',
		]);
		expect(alice?.attributes.modifyTimestamp).toEqual(alice?.attributes.createTimestamp);
		expect(ldap.log()).not.toMatch(new RegExp(`MOD dn="${dnOf('alice')}"`, 'i'));
		const [again] = await provision([{ uid: 'alice' }]);
		expect(again).toMatchObject({ status: 'unchanged' });
		expect(again.password).toBeUndefined();

		// Without Continue On Fail: the batch stops at the repeat, before anything is written.
		await expect(
			provision([{ uid: 'amy' }, { uid: 'amy' }], { continueOnFail: false }),
		).rejects.toMatchObject({
			context: { itemIndex: 1 },
			message: expect.stringMatching(/^Account amy: the same account as item 0/),
		});
		expect(await ldap.entry(dnOf('amy'))).toBeNull();
	});

	it("leaves an account alone while another live run holds its creating row, and takes over a dead run's", async () => {
		// Another worker's run is creating bert: its entry exists, its output (and password) not out yet.
		await ldap.addMailUser({ uid: 'bert', password: 'first-run-password' });
		const store = await openLedger({ kind: 'sqlite', path: ledgerPath });
		const live = newOwnerId('provision-target');
		const key = { migrationId: 'wave-1', provider: 'ldap', account: 'bert' };
		await store.claimProvisionedAccount({ ...key, owner: live, ttlMs: 3_600_000 });
		await store.claimProvisionedAccount({
			...key,
			account: 'cleo',
			owner: live,
			ttlMs: 3_600_000,
		});
		const before = await dump();
		const busy = await provision([{ uid: 'bert' }, { uid: 'cleo' }]);
		for (const item of busy) {
			expect(item).toMatchObject({ status: 'failed' });
			expect(item.error).toMatch(/being provisioned by another run .*nothing was changed/);
			expect(item.password).toBeUndefined();
		}
		expect(await dump()).toEqual(before);
		expect(await logsIn(dovecot, 'bert', 'first-run-password')).toBe(true);
		expect(await ldap.entry(dnOf('cleo'))).toBeNull();

		// That worker died (its process is gone): its entries are ours, bert gets a new password, cleo is created.
		const dead = await deadOwnerId();
		for (const account of ['bert', 'cleo']) {
			await store.claimProvisionedAccount({
				...key,
				account,
				owner: dead,
				replacing: live,
				ttlMs: 3_600_000,
			});
		}
		await store.close();
		const taken = await provision([{ uid: 'bert' }, { uid: 'cleo' }]);
		expect(taken).toMatchObject([
			{
				status: 'created',
				changes: expect.arrayContaining([{ field: 'password', before: null, after: null }]),
				loginVerified: true,
			},
			{ status: 'created', loginVerified: true },
		]);
		expect(await logsIn(dovecot, 'bert', taken[0].password as string)).toBe(true);
		expect(await logsIn(dovecot, 'bert', 'first-run-password')).toBe(false);
		const rerun = await provision([{ uid: 'bert' }, { uid: 'cleo' }]);
		expect(rerun.map((item) => item.status)).toEqual(['unchanged', 'unchanged']);
	});

	it('corrects an entry named by another attribute without touching its RDN value, comparing case-ignoring values ignoring case', async () => {
		await ldap.add(`dn: cn=Alice Smith,${PEOPLE}
objectClass: inetOrgPerson
objectClass: inetLocalMailRecipient
cn: Alice Smith
sn: Smith
uid: Alice
mail: Alice.Smith@Example.Test
mailHost: imap.new.example.test
`);
		const row: Row = {
			uid: 'alice.smith',
			cn: 'Alice M. Smith',
			sn: 'Smith',
			mail: 'alice.smith@example.test',
			extra: [],
			parameters: {},
		};
		const options = { searchBase: PEOPLE, filterTemplate: '(mail={mail})' };
		const attributes = [
			{ name: 'uid', value: 'alice' },
			{ name: 'cn', value: row.cn },
			{ name: 'sn', value: row.sn },
			{ name: 'mail', value: row.mail },
			{ name: 'mailHost', value: 'IMAP.new.example.test' },
		];
		const [first] = await provision([row], {
			options,
			parameters: { verifyLogin: false, 'attributes.attribute': attributes },
		});
		expect(first).toMatchObject({
			status: 'updated',
			dn: `cn=Alice Smith,${PEOPLE}`,
			changes: [
				{
					field: 'cn',
					before: 'Alice Smith',
					after: 'Alice Smith, Alice M. Smith',
					afterValues: ['Alice Smith', 'Alice M. Smith'],
				},
			],
		});
		expect((await ldap.entry(`cn=Alice Smith,${PEOPLE}`))?.attributes).toMatchObject({
			cn: ['Alice Smith', 'Alice M. Smith'],
			uid: ['Alice'],
			mail: ['Alice.Smith@Example.Test'],
		});
		const [second] = await provision([row], {
			options,
			parameters: { verifyLogin: false, 'attributes.attribute': attributes },
		});
		expect(second).toMatchObject({ status: 'unchanged', changes: [] });
	});

	it('fails only the items that need a missing credential with Continue On Fail, and names the first without it', async () => {
		const rows: Row[] = [
			{ uid: 'edda', parameters: { verifyLogin: false } },
			{ uid: 'finn' },
			{ uid: 'gina', parameters: { verifyLogin: false } },
		];
		const results = await provision(rows, { missingCredentials: ['mailTargetImap'] });
		expect(results.map((item) => item.status)).toEqual(['created', 'failed', 'created']);
		expect(results[1].error).toMatch(/^Account finn: Node does not have any credentials set/);
		expect(await ldap.entry(dnOf('finn'))).toBeNull();

		await expect(
			provision([{ uid: 'hugo', parameters: { verifyLogin: false } }, { uid: 'ines' }], {
				continueOnFail: false,
				missingCredentials: ['mailTargetImap'],
			}),
		).rejects.toMatchObject({
			context: { itemIndex: 1 },
			message: expect.stringMatching(/^Account ines: Node does not have any credentials set/),
		});
		expect(await ldap.entry(dnOf('hugo'))).toBeNull();

		// The directory's own credential missing fails every item, each in its place.
		const none = await provision([{ uid: 'jana' }, { uid: 'kurt' }], {
			missingCredentials: ['ldapDirectory'],
		});
		expect(none).toMatchObject([
			{ account: 'jana', status: 'failed', error: expect.stringMatching(/credentials set/) },
			{ account: 'kurt', status: 'failed', error: expect.stringMatching(/credentials set/) },
		]);
		await expect(
			provision([{ uid: 'jana' }], {
				continueOnFail: false,
				missingCredentials: ['ldapDirectory'],
			}),
		).rejects.toMatchObject({ context: { itemIndex: 0 } });
	});

	it('fails bad rows alone with Continue On Fail, naming the user and the attribute; the others are provisioned', async () => {
		const rows: Row[] = [
			{ uid: 'emil' },
			// The DN template's {uid} has no value.
			{ uid: '' },
			{ uid: 'fritz', extra: [{ name: 'mailHostname', value: 'x' }] },
			{ uid: 'gerd', extra: [{ name: 'telephoneNumber', value: 'not a phone ☎' }] },
			{ uid: 'hans', sn: '' },
			{ uid: 'ida' },
		];
		const before = await dump();
		const results = await provision(rows);
		expect(results.map((item) => item.status)).toEqual([
			'created',
			'failed',
			'failed',
			'failed',
			'failed',
			'created',
		]);
		expect(results[1].error).toMatch(/^Account of item 1: Login is empty/);
		expect(results[2].error).toMatch(
			/^Account fritz: LDAP add failed: .*the attribute mailHostname is not in the schema of the directory \(undefinedAttributeType/,
		);
		expect(results[3].error).toMatch(
			/^Account gerd: LDAP add failed: .*the attribute telephoneNumber has a value the attribute's syntax does not allow/,
		);
		expect(results[4].error).toMatch(
			/^Account hans: LDAP add failed: .*object class 'inetOrgPerson' requires attribute 'sn'.*the attribute sn does not fit the object classes \(objectClassViolation\)/,
		);
		for (const uid of ['fritz', 'gerd', 'hans']) expect(await ldap.entry(dnOf(uid))).toBeNull();
		const after = await dump();
		expect([...after.keys()].filter((dn) => !before.has(dn)).sort()).toEqual(
			[dnOf('emil'), dnOf('ida')].sort(),
		);

		// The DN template's value missing with Login set: named as such.
		const [noUid] = await provision([{ uid: 'jo', extra: [] }], {
			parameters: { dnTemplate: 'uid={employeeNumber},ou=people,dc=example,dc=test' },
		});
		expect(noUid.error).toMatch(
			/^Account jo: the DN template uses \{employeeNumber\}, which has no value/,
		);
	});

	it('without Continue On Fail stops at the first bad row: a bad template value before anything is written, a schema refusal after the rows before it', async () => {
		await expect(
			provision([{ uid: 'kai' }, { uid: 'lars', extra: [{ name: 'uid', value: 'second' }] }], {
				continueOnFail: false,
				parameters: { dnTemplate: 'uid={uid},ou=people,dc=example,dc=test' },
			}),
		).rejects.toMatchObject({
			context: { itemIndex: 1 },
			message: expect.stringMatching(
				/^Account lars: \{uid\} names the attribute uid, which has 2 values/,
			),
		});
		expect(await ldap.entry(dnOf('kai'))).toBeNull();

		await expect(
			provision([{ uid: 'mia' }, { uid: 'nora', sn: '' }, { uid: 'olaf' }], {
				continueOnFail: false,
			}),
		).rejects.toMatchObject({
			context: { itemIndex: 1 },
			message: expect.stringMatching(/^Account nora: .*attribute sn/),
		});
		expect(await ldap.entry(dnOf('mia'))).not.toBeNull();
		expect(await ldap.entry(dnOf('olaf'))).toBeNull();
		// mia's password went out to nobody: the next run gives her a new one, and reports her created.
		const [mia] = await provision([{ uid: 'mia' }]);
		expect(mia).toMatchObject({
			status: 'created',
			changes: [{ field: 'password', before: null, after: null }],
			loginVerified: true,
		});
		expect(await logsIn(dovecot, 'mia', mia.password as string)).toBe(true);
		const [again] = await provision([{ uid: 'mia' }]);
		expect(again).toMatchObject({ status: 'unchanged' });
		expect(again.password).toBeUndefined();
	});

	it('finds an entry that lives elsewhere by the escaped search, corrects it there, and never duplicates it', async () => {
		await ldap.add('dn: ou=staff,dc=example,dc=test\nobjectClass: organizationalUnit\nou: staff\n');
		await ldap.add(
			`dn: uid=pia,ou=staff,dc=example,dc=test
objectClass: inetOrgPerson
uid: pia
cn: Pia
sn: Example
mail: pia@example.test
`,
		);
		const [pia] = await provision([{ uid: 'pia', cn: 'Pia' }], {
			parameters: { verifyLogin: false },
			options: { searchBase: 'dc=example,dc=test', filterTemplate: '(mail={mail})' },
		});
		expect(pia).toMatchObject({
			status: 'updated',
			dn: 'uid=pia,ou=staff,dc=example,dc=test',
			changes: [
				{
					field: 'objectClass',
					before: 'inetOrgPerson',
					after: 'inetOrgPerson, inetLocalMailRecipient',
				},
				{ field: 'mailHost', before: null, after: 'imap.new.example.test' },
			],
		});
		expect(pia.password).toBeUndefined();
		expect(await ldap.entry(dnOf('pia'))).toBeNull();
		expect(await ldap.search(ldap.suffix, '(uid=pia)', ['1.1'])).toHaveLength(1);
	});

	it('removes an attribute whose values are empty only when Empty Values says so', async () => {
		await provision([{ uid: 'quinn', aliases: ['q@example.test'] }], {
			parameters: { verifyLogin: false },
		});
		const [left] = await provision([{ uid: 'quinn', aliases: [] }]);
		expect(left.status).toBe('unchanged');
		const [removed] = await provision([{ uid: 'quinn', aliases: [] }], {
			options: { emptyValues: 'remove' },
		});
		expect(removed).toMatchObject({
			status: 'updated',
			changes: [{ field: 'mailLocalAddress', before: 'q@example.test', after: null }],
		});
		expect((await ldap.entry(dnOf('quinn')))?.attributes.mailLocalAddress).toBeUndefined();
	});

	it('keeps roster values literal: escaped in the DN as RDN values and in the filter as assertion values; no other entry is read or changed', async () => {
		for (const uid of ['admin', 'x', 'victim']) await ldap.addMailUser({ uid, password: 'pw' });
		const hostile = [
			'*)(uid=*',
			'admin)(|(objectClass=*',
			'cn=x,dc=evil',
			'nul\0byte',
			'Jürgen Müller-Łukasz 李',
			'  padded ',
		];
		const before = await dump();
		const searchesBefore = ldap.log().length;
		const results = await provision(
			hostile.map((uid) => ({ uid, mail: 'victim@example.test' })),
			{
				parameters: { verifyLogin: false },
				options: { searchBase: PEOPLE, filterTemplate: '(uid={uid})' },
			},
		);
		const after = await dump();
		// Nothing that existed changed (entryCSN, modifyTimestamp and userPassword included).
		for (const [dn, entry] of before) expect(after.get(dn)).toEqual(entry);
		const added = [...after.values()].filter((entry) => !before.has(entry.dn));
		// A value holding NUL is refused before anything is sent: slapd cuts assertion values at NUL.
		const withNul = hostile.indexOf('nul\0byte');
		expect(results[withNul]).toMatchObject({ status: 'failed' });
		expect(JSON.stringify(results[withNul])).toMatch(/NUL character/);
		const literal = hostile.filter((uid) => !uid.includes('\0'));
		for (const uid of literal) {
			const result = results[hostile.indexOf(uid)];
			// slapd takes every other one as a literal value.
			expect(result).toMatchObject({ account: uid.trim(), status: 'created' });
			const entry = added.find((candidate) => candidate.dn === result.dn);
			expect(entry?.attributes.uid).toEqual([uid]);
			// One RDN under ou=people: the value could not add RDNs or change the parent.
			expect(String(result.dn).endsWith(`,${PEOPLE}`)).toBe(true);
			expect(await ldap.search(PEOPLE, '(objectClass=*)', ['1.1'])).toEqual(
				expect.arrayContaining([{ dn: result.dn, attributes: {} }]),
			);
		}
		expect(added).toHaveLength(literal.length);
		// As slapd spells the DNs it stores (RFC 4514 hex escapes).
		expect(results.slice(0, 3).map((result) => result.dn)).toEqual([
			'uid=*)(uid\\3D*,ou=people,dc=example,dc=test',
			'uid=admin)(|(objectClass\\3D*,ou=people,dc=example,dc=test',
			'uid=cn\\3Dx\\2Cdc\\3Devil,ou=people,dc=example,dc=test',
		]);

		// The searches slapd ran carried the values escaped: no wildcard, no extra clause.
		const searches = ldap.log().slice(searchesBefore);
		expect(searches).toContain('filter="(uid=\\2A\\29\\28uid=\\2A)"');
		expect(searches).not.toMatch(/filter="\(uid=\*\)/);
		// A rerun finds each one by its own escaped filter: all unchanged, none duplicated.
		const rerun = await provision(
			hostile.map((uid) => ({ uid, mail: 'victim@example.test' })),
			{
				parameters: { verifyLogin: false },
				options: { searchBase: PEOPLE, filterTemplate: '(uid={uid})' },
			},
		);
		expect(rerun.map((result) => result.status)).toEqual(
			hostile.map((uid) => (uid.includes('\0') ? 'failed' : 'unchanged')),
		);
		expect((await dump()).size).toBe(after.size);
	});
});
