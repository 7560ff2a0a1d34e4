import { createHash } from 'node:crypto';
import fs from 'node:fs';

import type { DovecotServer } from '../../harness/dovecot';
import { appendMessages, logsIn, makeMessage, snapshotMailbox } from '../../harness/imap-fixtures';
import { replaceLdif } from '../../harness/ldif';
import { TestServices } from '../../harness/services';
import type { SlapdServer } from '../../harness/slapd';

jest.setTimeout(60_000);

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('test harness: Dovecot with users from slapd (LDAP passdb/userdb, auth_bind)', () => {
	const services = new TestServices();
	let ldap: SlapdServer;
	let dovecot: DovecotServer;

	beforeAll(async () => {
		ldap = await services.slapd({ name: 'directory' });
		dovecot = await services.dovecot({
			name: 'ldap-imap',
			ldap: {
				url: ldap.url,
				baseDn: ldap.peopleDn,
				bindDn: ldap.rootDn,
				bindPassword: ldap.rootPassword,
			},
		});
	});

	afterAll(async () => {
		await services.stopAll();
	});

	it('logs in a user who exists only in slapd, who appends and reads a message stored under mail/<uid>', async () => {
		const password = 'ldap:Pw-1 ü';
		expect(await logsIn(dovecot, 'lena', password)).toBe(false);
		await ldap.addMailUser({ uid: 'lena', password, mailHost: 'new.example.test' });
		const raw = makeMessage({ subject: 'stored for an LDAP user' });
		await appendMessages(dovecot, 'lena', password, 'INBOX', [{ raw }]);
		const snapshot = await snapshotMailbox(dovecot, 'lena', password);
		expect(snapshot.INBOX.map((message) => message.sha256)).toEqual([sha256(raw)]);
		expect(fs.readdirSync(`${dovecot.mailboxPath('lena')}/new`)).toHaveLength(1);
		expect(fs.existsSync(`${dovecot.dir}/users/lena`)).toBe(false);
	});

	it('refuses a wrong password, and follows a password change in the directory at once', async () => {
		const dn = await ldap.addMailUser({ uid: 'mona', password: 'first-pw' });
		expect(await logsIn(dovecot, 'mona', 'wrong-pw')).toBe(false);
		expect(await logsIn(dovecot, 'mona', 'first-pw')).toBe(true);
		const { hashPassword } = await import('../../harness/slapd');
		await ldap.modify(replaceLdif(dn, { userPassword: await hashPassword('second-pw') }));
		expect(await logsIn(dovecot, 'mona', 'first-pw')).toBe(false);
		expect(await logsIn(dovecot, 'mona', 'second-pw')).toBe(true);
	});

	it('no longer logs in a user once the entry is deleted; passwd-file users still log in', async () => {
		const dn = await ldap.addMailUser({ uid: 'nils', password: 'nils-pw' });
		expect(await logsIn(dovecot, 'nils', 'nils-pw')).toBe(true);
		await ldap.delete(dn);
		expect(await logsIn(dovecot, 'nils', 'nils-pw')).toBe(false);
		expect(dovecot.log()).toMatch(/ldap\(nils,[^)]*\): unknown user/);
		await dovecot.addUser('olga', 'file-pw');
		expect(await logsIn(dovecot, 'olga', 'file-pw')).toBe(true);
	});

	it('reaches slapd over LDAPS, and only while trusting its certificate', async () => {
		const over = (name: string, caPem?: string) =>
			services.dovecot({
				name,
				ldap: {
					url: ldap.ldapsUrl as string,
					caPem,
					baseDn: ldap.peopleDn,
					bindDn: ldap.rootDn,
					bindPassword: ldap.rootPassword,
				},
			});
		const [trusting, untrusting] = await Promise.all([
			over('ldaps-imap', ldap.caPem),
			over('ldaps-untrusted'),
		]);
		await ldap.addMailUser({ uid: 'pia', password: 'pia-pw' });
		// The ldaps port speaks nothing but TLS.
		expect(await logsIn(trusting, 'pia', 'pia-pw')).toBe(true);
		// Without the CA, Dovecot's libldap falls back to the system store, which does not know the test CA.
		expect(await logsIn(untrusting, 'pia', 'pia-pw')).toBe(false);
		expect(untrusting.log()).toMatch(/Can't connect to server: ldaps:/);
		expect(ldap.log()).toMatch(/TLS negotiation failure/);
		await Promise.all([trusting.stop(), untrusting.stop()]);
	});
});
