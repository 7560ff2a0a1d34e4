/** The credential's trust fields reach the engine's settings; an old credential without them keeps its meaning. */
import { imapAccountFromCredential } from '../../../nodes/common/imapCredentials';

describe('imapAccountFromCredential trust settings', () => {
	it('reads an old credential (self-signed allowed only) with the host-name check kept', () => {
		expect(
			imapAccountFromCredential({ host: 'imap.example.org', allowSelfSigned: true }),
		).toMatchObject({
			allowSelfSigned: true,
			trustedCaPem: undefined,
			certificateFingerprint: undefined,
			skipHostnameCheck: false,
		});
	});

	it('reads the CA, the fingerprint and the host-name switch, blank fields as absent', () => {
		const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----';
		expect(
			imapAccountFromCredential({
				trustedCaPem: `\n${pem}\n`,
				certificateFingerprint: ' AB:CD ',
				skipHostnameCheck: true,
			}),
		).toMatchObject({
			trustedCaPem: pem,
			certificateFingerprint: 'AB:CD',
			skipHostnameCheck: true,
		});
		expect(
			imapAccountFromCredential({ trustedCaPem: '  ', certificateFingerprint: '' }),
		).toMatchObject({ trustedCaPem: undefined, certificateFingerprint: undefined });
	});
});
