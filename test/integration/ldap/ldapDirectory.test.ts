/**
 * The LDAP core against a real OpenLDAP slapd: each step of opening (connect, TLS by StartTLS or LDAPS, bind) and
 * the step a failure is reported at, entries found by DN and by escaped filter, modify, add and Password Modify.
 */
import { EqualityFilter } from 'ldapts';

import {
	LdapEntryMatchError,
	LdapStepError,
	attributeValues,
	dnFromTemplate,
	filterFromTemplate,
	openLdapDirectory,
	type LdapDirectory,
	type LdapSettings,
} from '../../../nodes/lib/ldap';
import { freePort } from '../../harness/ports';
import { TestServices } from '../../harness/services';
import type { SlapdServer } from '../../harness/slapd';

jest.setTimeout(60_000);

async function failureOf(settings: LdapSettings): Promise<LdapStepError> {
	const error = await openLdapDirectory(settings).then(
		async (directory) => {
			await directory.close();
			throw new Error('the directory opened');
		},
		(failure: unknown) => failure,
	);
	expect(error).toBeInstanceOf(LdapStepError);
	// Never the password, in any form the error takes.
	expect(JSON.stringify({ ...(error as object), message: (error as Error).message })).not.toContain(
		settings.password,
	);
	expect(String((error as Error).stack)).not.toContain(settings.password);
	return error as LdapStepError;
}

describe('LDAP core against real slapd', () => {
	const services = new TestServices();
	let slapd: SlapdServer;
	let plain: LdapSettings;

	beforeAll(async () => {
		slapd = await services.slapd({ name: 'core' });
		plain = {
			url: slapd.url,
			bindDn: slapd.rootDn,
			password: slapd.rootPassword,
			security: 'none',
		};
		await slapd.addMailUser({
			uid: 'alice',
			password: 'alice:Secret-1',
			mailHost: 'old.mail.test',
		});
		await slapd.addMailUser({ uid: 'bob', mail: 'shared@example.test' });
		await slapd.addMailUser({ uid: 'carol', mail: 'shared@example.test' });
	}, 60_000);

	afterAll(async () => {
		await services.stopAll();
	});

	async function withDirectory<T>(
		settings: LdapSettings,
		work: (directory: LdapDirectory) => Promise<T>,
	): Promise<T> {
		const directory = await openLdapDirectory(settings);
		try {
			return await work(directory);
		} finally {
			await directory.close();
		}
	}

	it('binds over plain LDAP and reads the base DN', async () => {
		const base = await withDirectory(plain, (directory) => directory.readEntry(slapd.suffix));
		expect(base?.dn).toBe(slapd.suffix);
		expect(attributeValues(base!, 'objectclass')).toEqual(
			expect.arrayContaining(['dcObject', 'organization']),
		);
	});

	it.each([
		['StartTLS', () => ({ ...plain, security: 'startTls' as const, caPem: slapd.caPem })],
		[
			'LDAPS',
			() => ({ ...plain, url: slapd.ldapsUrl!, security: 'ldaps' as const, caPem: slapd.caPem }),
		],
	])('binds over %s with the harness CA', async (_, settings) => {
		const base = await withDirectory(settings(), (directory) => directory.readEntry(slapd.suffix));
		expect(base?.dn).toBe(slapd.suffix);
		expect(slapd.log()).toMatch(/TLS established/);
	});

	it('a wrong password fails at bind with invalidCredentials, and never shows the password', async () => {
		const error = await failureOf({ ...plain, password: 'Wrong-Pass-9f3' });
		expect(error).toMatchObject({ step: 'bind', resultCode: 49, resultName: 'invalidCredentials' });
		expect(error.message).toContain(slapd.rootDn);
		expect(error.advice).toMatch(/bind DN and password/);
	});

	it('a port nobody listens on fails at connect', async () => {
		const port = await freePort();
		const error = await failureOf({ ...plain, url: `ldap://127.0.0.1:${port}` });
		expect(error).toMatchObject({ step: 'connect', errorCode: 'ECONNREFUSED' });
		expect(error.message).toContain(`127.0.0.1:${port}`);
	});

	it.each([
		['StartTLS', () => ({ ...plain, security: 'startTls' as const })],
		['LDAPS', () => ({ ...plain, url: slapd.ldapsUrl!, security: 'ldaps' as const })],
	])(
		'%s against a certificate no trusted CA signed fails at tls; allowing it binds',
		async (_, settings) => {
			const error = await failureOf(settings());
			expect(error.step).toBe('tls');
			expect(error.errorCode).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY/);
			expect(error.advice).toMatch(/CA certificate/);
			const base = await withDirectory(
				{ ...settings(), allowUnauthorizedCerts: true },
				(directory) => directory.readEntry(slapd.suffix),
			);
			expect(base?.dn).toBe(slapd.suffix);
		},
	);

	it('StartTLS checks the host name: 127.0.0.2 is not on the certificate', async () => {
		const elsewhere = await services.faultProxy(slapd.port, '127.0.0.2');
		const error = await failureOf({
			...plain,
			url: `ldap://127.0.0.2:${elsewhere.port}`,
			security: 'startTls',
			caPem: slapd.caPem,
		});
		expect(error.step).toBe('tls');
		expect(error.errorCode).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
	});

	it('finds one entry by DN or filter, and names none or several', async () => {
		await withDirectory(plain, async (directory) => {
			const byDn = await directory.findOneEntry(
				{ dn: dnFromTemplate('uid={{uid}},ou=people,dc=example,dc=test', { uid: 'alice' }) },
				['mailHost'],
			);
			expect(byDn.attributes).toEqual({ mailHost: ['old.mail.test'] });
			const byFilter = await directory.findOneEntry(
				{ base: slapd.suffix, filter: new EqualityFilter({ attribute: 'uid', value: 'alice' }) },
				['uid'],
			);
			expect(byFilter.dn).toBe(slapd.userDn('alice'));
			await expect(directory.findOneEntry({ dn: slapd.userDn('nobody') })).rejects.toThrow(
				new LdapEntryMatchError('none', `the DN ${slapd.userDn('nobody')}`),
			);
			const several = await directory
				.findOneEntry({
					base: slapd.suffix,
					filter: filterFromTemplate('(mail={{mail}})', { mail: 'shared@example.test' }),
				})
				.catch((error: unknown) => error);
			expect(several).toBeInstanceOf(LdapEntryMatchError);
			expect(several).toMatchObject({ matched: 'several' });
			expect((several as LdapEntryMatchError).dns.sort()).toEqual(
				[slapd.userDn('bob'), slapd.userDn('carol')].sort(),
			);
		});
	});

	it('adds an entry whose RDN value needs escaping, and finds it by that value in DN and filter', async () => {
		const values = ['cn=x,dc=evil', '#first', ' padded ', 'Jürgen Müller 李', 'a+b;c<d>"e\\'];
		await withDirectory(plain, async (directory) => {
			for (const cn of values) {
				const dn = dnFromTemplate('cn={{cn}},ou=people,dc=example,dc=test', { cn });
				await directory.add(dn, { objectClass: 'inetOrgPerson', cn, sn: 'escaped' });
				const read = await directory.readEntry(dn, ['cn']);
				expect(attributeValues(read!, 'cn')).toEqual([cn]);
				const found = await directory.findOneEntry(
					{ base: slapd.peopleDn, filter: filterFromTemplate('(cn={{cn}})', { cn }) },
					['cn'],
				);
				expect(found.dn.toLowerCase()).toBe(read!.dn.toLowerCase());
			}
		});
		// Nothing landed outside ou=people (no dc=evil, no other RDN made from a value).
		const outside = await slapd.search(slapd.suffix, '(sn=escaped)', ['dn']);
		expect(outside).toHaveLength(values.length);
		for (const entry of outside) expect(entry.dn).toMatch(/,ou=people,dc=example,dc=test$/);
	});

	it('modifies attributes and sets a password by Password Modify, which then binds', async () => {
		const dn = slapd.userDn('alice');
		await withDirectory(plain, async (directory) => {
			await directory.modify(dn, [
				{ operation: 'replace', attribute: 'mailHost', values: ['new.mail.test'] },
				{ operation: 'add', attribute: 'mailRoutingAddress', values: ['alice@new.mail.test'] },
			]);
			await directory.passwordModify(dn, 'alice:Changed-2');
		});
		expect((await slapd.entry(dn, ['mailHost', 'mailRoutingAddress']))?.attributes).toEqual({
			mailHost: ['new.mail.test'],
			mailRoutingAddress: ['alice@new.mail.test'],
		});
		const asAlice = await openLdapDirectory({ ...plain, bindDn: dn, password: 'alice:Changed-2' });
		await asAlice.close();
		const oldPassword = await failureOf({ ...plain, bindDn: dn, password: 'alice:Secret-1' });
		expect(oldPassword.step).toBe('bind');
	});

	it('a refused change fails at modify with the server result', async () => {
		await withDirectory(plain, async (directory) => {
			const error = await directory
				.modify(slapd.userDn('alice'), [
					{ operation: 'replace', attribute: 'noSuchAttribute', values: ['x'] },
				])
				.catch((failure: unknown) => failure);
			expect(error).toBeInstanceOf(LdapStepError);
			expect(error).toMatchObject({ step: 'modify', resultCode: 17, resultName: 'undefinedType' });
		});
	});
});
