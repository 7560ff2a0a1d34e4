import crypto from 'node:crypto';

import { hashPassword, sha512Crypt } from '../../../nodes/lib/provisioning/ldap/passwordHash';

/** How slapd (libraries/liblutil/passwd.c chk_ssha1) checks {SSHA}: digest first, the rest is the salt. */
function slapdChecks(hash: string, password: string, algorithm: 'sha1' | 'sha512'): boolean {
	const prefix = algorithm === 'sha1' ? '{SSHA}' : '{SSHA512}';
	if (!hash.startsWith(prefix)) return false;
	const raw = Buffer.from(hash.slice(prefix.length), 'base64');
	const size = algorithm === 'sha1' ? 20 : 64;
	const salt = raw.subarray(size);
	const digest = crypto.createHash(algorithm).update(password, 'utf8').update(salt).digest();
	return salt.length > 0 && digest.equals(raw.subarray(0, size));
}

describe('userPassword hashes', () => {
	it.each([['ssha', 'sha1'] as const, ['ssha512', 'sha512'] as const])(
		'%s: salted, checked the way slapd checks it, a fresh salt each time',
		(scheme, algorithm) => {
			const password = 'Grüße-pw!#';
			const first = hashPassword(scheme, password);
			const second = hashPassword(scheme, password);
			expect(first).not.toBe(second);
			expect(slapdChecks(first, password, algorithm)).toBe(true);
			expect(slapdChecks(second, password, algorithm)).toBe(true);
			expect(slapdChecks(first, 'Grüße-pw!$', algorithm)).toBe(false);
			expect(first).not.toContain(password);
		},
	);

	it('{SSHA} with a known salt is the value slappasswd would write', () => {
		// base64(SHA1("secret" + "salt") + "salt"), computed independently.
		const expected = `{SSHA}${Buffer.concat([
			crypto.createHash('sha1').update('secretsalt').digest(),
			Buffer.from('salt'),
		]).toString('base64')}`;
		expect(hashPassword('ssha', 'secret', Buffer.from('salt'))).toBe(expected);
	});

	it.each([
		// The specification's own vector (akkadia.org/drepper/SHA-crypt.txt), then `openssl passwd -6 -salt …`.
		[
			'Hello world!',
			'saltstring',
			'$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1',
		],
		[
			'Grüße-pw!#',
			'Qx./9zAbCdEfGhIj',
			'$6$Qx./9zAbCdEfGhIj$LhuRGjLBiMfunfVoOMWkhqDflsDQtQnYJGm5uqjCmgANpeOBmav.GQQY8TZx08Xou0wuuUZu3AZm/.zZUEGin/',
		],
		[
			'x'.repeat(200),
			'abc',
			'$6$abc$9bIqFS3gcEah7ONB5aYjFczb7Fkaut01.W86FsbxH3PnKOS.T6QNYs7qzjm/MziNMzBBXqOaoSNUc4PtFnUj0.',
		],
	])('SHA-512-crypt of %j with salt %j', (password, salt, expected) => {
		expect(sha512Crypt(password, salt)).toBe(expected);
		expect(hashPassword('sha512crypt', password, salt)).toBe(`{CRYPT}${expected}`);
	});

	it('{CRYPT} gets a fresh 16-character salt', () => {
		const hash = hashPassword('sha512crypt', 'pw');
		expect(hash).toMatch(/^\{CRYPT\}\$6\$[./0-9A-Za-z]{16}\$[./0-9A-Za-z]{86}$/);
		expect(hash).not.toBe(hashPassword('sha512crypt', 'pw'));
	});

	it('refuses an empty password and one with NUL', () => {
		expect(() => hashPassword('ssha', '')).toThrow(RangeError);
		expect(() => hashPassword('sha512crypt', 'a\0b')).toThrow(/NUL/);
	});
});
