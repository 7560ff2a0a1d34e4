import { microsoftAppFromCredential } from '../../../nodes/common/microsoftCredentials';

describe('microsoftAppFromCredential', () => {
	it('reads a secret credential; custom endpoints count only when switched on', () => {
		const data = {
			tenant: ' contoso.onmicrosoft.com ',
			clientId: 'abc',
			authentication: 'clientSecret',
			clientSecret: 's',
			privateKeyPem: 'ignored',
			cloud: 'usGov',
			customEndpoints: false,
			loginUrl: 'https://127.0.0.1:1',
		};
		expect(microsoftAppFromCredential(data)).toEqual({
			tenant: 'contoso.onmicrosoft.com',
			clientId: 'abc',
			clientSecret: 's',
			certificate: undefined,
			cloud: 'usGov',
			loginUrl: undefined,
			graphUrl: undefined,
			imapHost: undefined,
			imapPort: undefined,
			trustedCaPem: undefined,
		});
	});

	it('reads a certificate credential with its custom endpoints', () => {
		expect(
			microsoftAppFromCredential({
				tenant: 't',
				clientId: 'c',
				authentication: 'certificate',
				clientSecret: 'ignored',
				privateKeyPem: 'KEY',
				thumbprint: 'AB',
				customEndpoints: true,
				loginUrl: 'https://127.0.0.1:1',
				imapHost: '127.0.0.1',
				imapPort: 1993,
				trustedCaPem: 'CA',
			}),
		).toMatchObject({
			clientSecret: undefined,
			certificate: { privateKeyPem: 'KEY', thumbprint: 'AB' },
			cloud: 'global',
			loginUrl: 'https://127.0.0.1:1',
			imapHost: '127.0.0.1',
			imapPort: 1993,
			trustedCaPem: 'CA',
		});
	});
});
