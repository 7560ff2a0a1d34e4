/**
 * Trust settings that cannot work are refused before any connection, with the setting named (the real checks run
 * against Dovecot in test/integration/imap/certificateTrust.test.ts).
 */
import tls from 'node:tls';

import type { ImapServer } from '../../../nodes/lib/imap/endpoint';
import { connectTls, TRUST_SETTING_INVALID } from '../../../nodes/lib/imap/serverCertificate';

const server: ImapServer = { host: '127.0.0.1', port: 9, security: 'tls', allowSelfSigned: false };
const HEX = 'ab'.repeat(32);

function opens(settings: Partial<ImapServer>): boolean {
	const socket = connectTls({ ...server, ...settings }, { port: server.port }, () => undefined);
	socket.on('error', () => undefined);
	socket.destroy();
	return true;
}

describe('connectTls trust settings', () => {
	it.each([
		['colons, upper case', HEX.toUpperCase().replace(/(..)(?!$)/g, '$1:')],
		['plain lower-case hex', HEX],
		["openssl's output", `sha256 Fingerprint=${HEX.toUpperCase().replace(/(..)(?!$)/g, '$1:')}`],
	])('takes a fingerprint written with %s', (_, fingerprint) => {
		expect(opens({ certificateFingerprint: fingerprint })).toBe(true);
	});

	it.each([
		[{ certificateFingerprint: 'ab:cd' }, /Certificate Fingerprint \(SHA-256\)/],
		[{ certificateFingerprint: `${HEX}zz` }, /Certificate Fingerprint \(SHA-256\)/],
		[{ trustedCaPem: 'not a certificate' }, /Trusted CA Certificates \(PEM\)/],
	])('refuses %p before connecting', (settings, message) => {
		expect(() => opens(settings)).toThrow(
			expect.objectContaining({
				code: TRUST_SETTING_INVALID,
				message: expect.stringMatching(message),
			}),
		);
	});

	// No public root is reachable offline, so what tls.connect is given is the only place to see it.
	it.each([
		[false, 1],
		[true, tls.rootCertificates.length + 1],
	])('with trustedCaAddsToSystemRoots %p, verifies against %p certificates', (adds, count) => {
		const connect = jest.spyOn(tls, 'connect');
		try {
			const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----';
			opens({ trustedCaPem: pem, trustedCaAddsToSystemRoots: adds });
			const { ca } = connect.mock.calls[0][0] as tls.ConnectionOptions;
			const list = Array.isArray(ca) ? ca : [ca];
			expect(list).toHaveLength(count);
			expect(list[list.length - 1]).toBe(pem);
		} finally {
			connect.mockRestore();
		}
	});
});
