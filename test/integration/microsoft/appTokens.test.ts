import { acquireAppToken } from '../../../nodes/lib/microsoft/appTokens';
import { exchangeImapScope } from '../../../nodes/lib/microsoft/clouds';
import type { MicrosoftApp } from '../../../nodes/lib/microsoft/microsoftApp';
import { MicrosoftTokenError } from '../../../nodes/lib/microsoft/tokenErrors';
import {
	EXCHANGE_IMAP_ROLE,
	startMicrosoftEmulator,
	type AppCertificate,
	type MicrosoftEmulator,
} from '../../harness/microsoftEmulator';
import { TestServices } from '../../harness/services';
import { CERTIFICATE_APP, SECRET, SECRET_APP, startTestTenant } from './testTenant';

describe('app tokens from the Microsoft emulator through MSAL', () => {
	const services = new TestServices();
	let emulator: MicrosoftEmulator;
	let certificate: AppCertificate;
	let stranger: AppCertificate;

	beforeAll(async () => {
		({ emulator, certificate, stranger } = await startTestTenant(services));
	});

	afterAll(async () => {
		await services.stopAll();
	});

	const app = (overrides: Partial<MicrosoftApp> = {}): MicrosoftApp => ({
		...emulator.appFor(SECRET_APP, SECRET),
		...overrides,
	});

	const certificateApp = (privateKeyPem: string, thumbprint: string): MicrosoftApp =>
		app({
			clientId: CERTIFICATE_APP,
			clientSecret: undefined,
			certificate: { privateKeyPem, thumbprint },
		});

	it('gets an Exchange token by client secret, with tenant, roles and the emulator’s expiry', async () => {
		const token = await acquireAppToken(app(), exchangeImapScope(app()), { renew: true });
		expect(token.tenantId).toBe(emulator.tenantId);
		expect(token.roles).toEqual([EXCHANGE_IMAP_ROLE]);
		expect(Math.abs(token.expiresAt - (emulator.expiryOf(token.accessToken) ?? 0))).toBeLessThan(
			2000,
		);
		expect(emulator.claimsOf(token.accessToken)).toMatchObject({
			aud: 'https://outlook.office365.com',
			appid: SECRET_APP,
		});
		expect(emulator.introspect(token.accessToken).active).toBe(true);
		// Discovery and the token request only, all on the emulator, and no secret in the log.
		expect(emulator.requests().map((entry) => entry.path)).toEqual(
			expect.arrayContaining([
				`/${emulator.tenantId}/v2.0/.well-known/openid-configuration`,
				`/${emulator.tenantId}/oauth2/v2.0/token`,
			]),
		);
		expect(JSON.stringify(emulator.requests())).not.toContain(SECRET);
	});

	it('accepts the tenant by domain', async () => {
		const token = await acquireAppToken(
			app({ tenant: emulator.tenantDomain }),
			exchangeImapScope(app()),
		);
		expect(token.tenantId).toBe(emulator.tenantId);
	});

	it.each([
		['SHA-1', () => certificate.sha1],
		[
			'SHA-256 (colon-separated, lower case)',
			() => certificate.sha256.toLowerCase().replace(/(..)(?!$)/g, '$1:'),
		],
	])('gets a token by certificate with a %s thumbprint', async (_label, thumbprint) => {
		const token = await acquireAppToken(
			certificateApp(certificate.privateKeyPem, thumbprint()),
			exchangeImapScope(app()),
		);
		expect(token.roles).toEqual([EXCHANGE_IMAP_ROLE]);
		expect(emulator.requests().at(-1)).toMatchObject({
			credential: 'certificate',
			clientId: CERTIFICATE_APP,
			status: 200,
		});
	});

	const failureOf = async (candidate: MicrosoftApp): Promise<MicrosoftTokenError> => {
		const error = await acquireAppToken(candidate, exchangeImapScope(candidate)).then(
			() => undefined,
			(caught: unknown) => caught,
		);
		expect(error).toBeInstanceOf(MicrosoftTokenError);
		return error as MicrosoftTokenError;
	};

	it('names the failed step with the AADSTS code and never shows the credential', async () => {
		const unknownTenant = await failureOf(app({ tenant: 'nowhere.example' }));
		expect(unknownTenant).toMatchObject({ step: 'tenant', aadstsCode: 90002 });
		const unknownClient = await failureOf(
			app({ clientId: '33333333-3333-4333-8333-333333333333' }),
		);
		expect(unknownClient).toMatchObject({ step: 'client', aadstsCode: 700016 });
		const badSecret = await failureOf(app({ clientSecret: `${SECRET}-wrong` }));
		expect(badSecret).toMatchObject({ step: 'secret', aadstsCode: 7000215 });
		const wrongKey = await failureOf(certificateApp(stranger.privateKeyPem, certificate.sha1));
		expect(wrongKey).toMatchObject({ step: 'certificate', aadstsCode: 700027 });
		const unknownCertificate = await failureOf(
			certificateApp(stranger.privateKeyPem, stranger.sha256),
		);
		expect(unknownCertificate).toMatchObject({ step: 'certificate', aadstsCode: 700027 });
		for (const error of [unknownTenant, unknownClient, badSecret, wrongKey, unknownCertificate]) {
			expect(error.message).toContain(`step "${error.step}"`);
			expect(error.message).toContain(`AADSTS${error.aadstsCode}`);
			expect(error.message).not.toContain(SECRET);
			expect(error.message).not.toContain('PRIVATE KEY');
		}
	});

	it('reports an unreachable login host as a network failure', async () => {
		const stopped = await startMicrosoftEmulator();
		const url = stopped.baseUrl;
		await stopped.stop();
		const error = await failureOf(app({ loginUrl: url, trustedCaPem: stopped.caPem }));
		expect(error.step).toBe('network');
		expect(error.message).toContain('ECONNREFUSED');
	});

	it('renews 2-second tokens before they expire, one request per renewal', async () => {
		const client = '44444444-4444-4444-8444-444444444444';
		emulator.addApp({ clientId: client, secret: SECRET, roles: [EXCHANGE_IMAP_ROLE] });
		emulator.setTokenLifetime(2);
		try {
			const short = app({ clientId: client });
			const seen = new Set<string>();
			let calls = 0;
			// Callers keep asking, as IMAP reconnects would; the cache answers until a quarter of the lifetime remains.
			while (seen.size < 3) {
				const token = await acquireAppToken(short, exchangeImapScope(short));
				expect(token.expiresAt).toBeGreaterThan(Date.now());
				seen.add(token.accessToken);
				calls += 1;
				await new Promise((resolve) => setTimeout(resolve, 25));
			}
			expect(emulator.issuedTokenCount(client)).toBe(seen.size);
			expect(calls).toBeGreaterThan(seen.size);
			for (const token of seen) expect(emulator.expiryOf(token)).toBeDefined();
		} finally {
			emulator.setTokenLifetime(3600);
		}
	});
});
