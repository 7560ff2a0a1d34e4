import fs from 'node:fs';

import { acceptsConnections } from '../../harness/ports';
import { isAlive } from '../../harness/processes';
import { TestServices } from '../../harness/services';
import { replaceLdif } from '../../harness/ldif';
import { startSlapd, type SlapdServer } from '../../harness/slapd';

jest.setTimeout(60_000);

describe('test harness: private OpenLDAP slapd', () => {
	const services = new TestServices();
	let ldap: SlapdServer;

	beforeAll(async () => {
		ldap = await services.slapd({ name: 'directory' });
	});

	afterAll(async () => {
		await services.stopAll();
	});

	it('listens on 127.0.0.1 with its own config, suffix and people branch', async () => {
		expect(ldap.url).toBe(`ldap://127.0.0.1:${ldap.port}`);
		expect(ldap.ldapsUrl).toMatch(/^ldaps:\/\/127\.0\.0\.1:\d+$/);
		expect(ldap.caPem).toMatch(/BEGIN CERTIFICATE/);
		expect(fs.existsSync(`${ldap.dir}/slapd.d/cn=config.ldif`)).toBe(true);
		const base = await ldap.entry(ldap.suffix);
		expect(base?.attributes.objectClass).toEqual(['dcObject', 'organization']);
		expect((await ldap.entry(ldap.peopleDn))?.attributes.ou).toEqual(['people']);
		expect(await ldap.entry(`ou=nowhere,${ldap.suffix}`)).toBeNull();
	});

	it('has the core, cosine, inetorgperson, nis and misc schemas', async () => {
		// The subschema entry lists every object class the loaded schemas define.
		const subschema = await ldap.entry('cn=Subschema', ['objectClasses']);
		const classes = subschema?.attributes.objectClasses.join('\n') ?? '';
		for (const name of ['inetOrgPerson', 'inetLocalMailRecipient', 'posixAccount', 'domain'])
			expect(classes).toContain(`NAME '${name}'`);
	});

	it('adds a mail user with inetLocalMailRecipient and an {SSHA} password that binds', async () => {
		const dn = await ldap.addMailUser({
			uid: 'alice',
			password: 'alice:Pw-1 ü',
			mailHost: 'old.example.test',
			mailRoutingAddress: 'alice@old.example.test',
			mailLocalAddress: ['alice@example.test', 'a.liddell@example.test'],
			cn: 'Alice Liddell',
		});
		expect(dn).toBe(`uid=alice,ou=people,${ldap.suffix}`);
		const entry = await ldap.entry(dn);
		expect(entry?.attributes).toMatchObject({
			objectClass: ['inetOrgPerson', 'inetLocalMailRecipient'],
			mail: ['alice@example.test'],
			mailHost: ['old.example.test'],
			mailRoutingAddress: ['alice@old.example.test'],
			mailLocalAddress: ['alice@example.test', 'a.liddell@example.test'],
			cn: ['Alice Liddell'],
		});
		expect(entry?.attributes.userPassword?.[0]).toMatch(/^\{SSHA\}/);
		const { execFileSync } = await import('node:child_process');
		const whoami = execFileSync(
			'ldapwhoami',
			['-x', '-H', ldap.url, '-D', dn, '-w', 'alice:Pw-1 ü'],
			{ encoding: 'utf8', env: { ...process.env, LDAPNOINIT: '1' } },
		);
		expect(whoami.trim()).toBe(`dn:${dn}`);
	});

	it('modifies an entry and finds it by search', async () => {
		const dn = await ldap.addMailUser({ uid: 'bob', mailHost: 'old.example.test' });
		await ldap.modify(
			replaceLdif(dn, { mailHost: 'new.example.test', mailRoutingAddress: 'bob@new.example.test' }),
		);
		const found = await ldap.search(ldap.suffix, '(mailHost=new.example.test)', [
			'uid',
			'mailRoutingAddress',
		]);
		expect(found).toEqual([
			{ dn, attributes: { uid: ['bob'], mailRoutingAddress: ['bob@new.example.test'] } },
		]);
		await ldap.modify(replaceLdif(dn, { mailRoutingAddress: [] }));
		expect((await ldap.entry(dn))?.attributes.mailRoutingAddress).toBeUndefined();
		await ldap.delete(dn);
		expect(await ldap.entry(dn)).toBeNull();
	});

	it('rejects what the schema forbids, with the server message', async () => {
		await expect(
			ldap.add(
				`dn: uid=nomail,${ldap.peopleDn}\nobjectClass: inetOrgPerson\nuid: nomail\ncn: x\nsn: x\nmailHost: h\n`,
			),
		).rejects.toThrow(/mailHost.*not allowed|object class violation/i);
	});

	it('stops by PID and leaves no process and no listener', async () => {
		const server = await services.slapd({ name: 'stopping' });
		const pid = server.pid() as number;
		expect(isAlive(pid)).toBe(true);
		await server.stop();
		expect(isAlive(pid)).toBe(false);
		expect(server.pid()).toBeNull();
		expect(await acceptsConnections(server.port)).toBe(false);
		expect(await acceptsConnections(server.ldapsPort as number)).toBe(false);
		await server.stop();
	});

	it('starts an instance quickly (median of 5)', async () => {
		const durations: number[] = [];
		for (let round = 0; round < 5; round++) {
			const started = performance.now();
			const server = await startSlapd({ name: `timing${round}` });
			durations.push(performance.now() - started);
			await server.remove();
		}
		const median = [...durations].sort((a, b) => a - b)[2];
		process.stderr.write(
			`slapd startup: median ${median.toFixed(0)} ms of ${durations.map(Math.round).join(', ')}\n`,
		);
		expect(median).toBeLessThan(5000);
	});
});
