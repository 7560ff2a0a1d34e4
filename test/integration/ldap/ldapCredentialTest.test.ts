/** The LDAP Directory credential's Test against real slapd: it binds and reads the base DN, or names the failed step. */
import type { ICredentialsDecrypted } from 'n8n-workflow';

import { testLdapCredential } from '../../../nodes/common/ldapCredentials';
import { SetRouting } from '../../../nodes/SetRouting/SetRouting.node';
import { ldapDirectoryData } from '../../harness/n8nNodeFixtures';
import { freePort } from '../../harness/ports';
import { TestServices } from '../../harness/services';
import type { SlapdServer } from '../../harness/slapd';

jest.setTimeout(60_000);

function credential(data: Record<string, unknown>): ICredentialsDecrypted {
	return { id: 'c1', name: 'LDAP', type: 'ldapDirectory', data } as ICredentialsDecrypted;
}

describe('LDAP Directory credential Test, against real slapd', () => {
	const services = new TestServices();
	let slapd: SlapdServer;
	let good: Record<string, unknown>;

	beforeAll(async () => {
		slapd = await services.slapd({ name: 'credential' });
		good = ldapDirectoryData(slapd, 'startTls');
	}, 60_000);

	afterAll(async () => {
		await services.stopAll();
	});

	async function test(data: Record<string, unknown>) {
		const result = await testLdapCredential(credential(data));
		expect(result.message).not.toContain(slapd.rootPassword);
		return result;
	}

	it("is the node's testedBy function, and passes over StartTLS with the CA, reading the base DN", async () => {
		const node = new SetRouting();
		expect(node.description.credentials).toEqual([
			{ name: 'ldapDirectory', required: true, testedBy: 'ldapDirectoryTest' },
		]);
		expect(
			await node.methods.credentialTest.ldapDirectoryTest.call({} as never, credential(good)),
		).toEqual({
			status: 'OK',
			message: `Connected and bound as ${slapd.rootDn}; read ${slapd.suffix}.`,
		});
	});

	it('passes over LDAPS, and reads the root DSE when no base DN is given', async () => {
		expect(await test({ ...ldapDirectoryData(slapd, 'ldaps'), baseDN: '' })).toEqual({
			status: 'OK',
			message: `Connected and bound as ${slapd.rootDn}; read the root DSE.`,
		});
	});

	it.each([
		[
			'bind',
			() => ({ ...good, bindPassword: 'Wrong-Pass-1' }),
			/^LDAP bind failed: .*invalidCredentials.*bind DN and password/,
		],
		[
			'connect',
			async () => ({ ...good, url: `ldap://127.0.0.1:${await freePort()}` }),
			/^LDAP connection failed: .*ECONNREFUSED/,
		],
		['tls', () => ({ ...good, trustedCaPem: '' }), /^LDAP TLS failed: .*CA certificate/],
		[
			'read',
			() => ({ ...good, baseDN: 'ou=missing,dc=example,dc=test' }),
			/does not exist or is not visible/,
		],
		['settings', () => ({ ...good, url: 'http://x' }), /is not an LDAP URL/],
	])('says the %s step failed', async (_, data, message) => {
		const result = await test(await data());
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(message);
	});
});
