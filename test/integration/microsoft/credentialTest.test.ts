import type { ICredentialDataDecryptedObject, ICredentialsDecrypted } from 'n8n-workflow';

import {
	MICROSOFT_APP_CREDENTIAL,
	testMicrosoftAppCredential,
} from '../../../nodes/common/microsoftCredentials';
import {
	EXCHANGE_IMAP_ROLE,
	GRAPH_RESOURCE,
	type AppCertificate,
	type MicrosoftEmulator,
} from '../../harness/microsoftEmulator';
import { TestServices } from '../../harness/services';
import { CERTIFICATE_APP, SECRET, SECRET_APP, startTestTenant } from './testTenant';

const NO_CONSENT = 'bbbbbbbb-2222-4222-8222-222222222222';
const GRAPH_ONLY = 'cccccccc-3333-4333-8333-333333333333';
const BOTH = 'eeeeeeee-5555-4555-8555-555555555555';

describe('Microsoft 365 (App) credential Test against the emulator', () => {
	const services = new TestServices();
	let emulator: MicrosoftEmulator;
	let certificate: AppCertificate;
	let stranger: AppCertificate;

	beforeAll(async () => {
		({ emulator, certificate, stranger } = await startTestTenant(services));
		emulator.addApp({ clientId: NO_CONSENT, secret: SECRET, roles: [] });
		emulator.addApp({
			clientId: GRAPH_ONLY,
			secret: SECRET,
			resourceRoles: { [GRAPH_RESOURCE]: ['Mail.ReadWrite'] },
		});
		emulator.addApp({
			clientId: BOTH,
			secret: SECRET,
			roles: [EXCHANGE_IMAP_ROLE],
			resourceRoles: { [GRAPH_RESOURCE]: ['Mail.Read', 'Mail.ReadWrite'] },
		});
	});

	afterAll(async () => {
		await services.stopAll();
	});

	const runTest = async (overrides: ICredentialDataDecryptedObject) => {
		const credential: ICredentialsDecrypted = {
			id: '1',
			name: 'Microsoft 365 (App)',
			type: MICROSOFT_APP_CREDENTIAL,
			data: {
				tenant: emulator.tenantDomain,
				clientId: SECRET_APP,
				authentication: 'clientSecret',
				clientSecret: SECRET,
				cloud: 'global',
				customEndpoints: true,
				loginUrl: emulator.baseUrl,
				trustedCaPem: emulator.caPem,
				...overrides,
			},
		};
		const result = await testMicrosoftAppCredential(credential);
		expect(result.message).not.toContain(SECRET);
		expect(result.message).not.toContain('PRIVATE KEY');
		return result;
	};

	it('passes a good secret credential for IMAP, names the tenant, and says what Graph lacks', async () => {
		const before = emulator.issuedTokenCount(SECRET_APP);
		const result = await runTest({});
		expect(result.status).toBe('OK');
		expect(result.message).toMatch(
			new RegExp(
				`^Tokens obtained in tenant ${emulator.tenantId}\\. Exchange Online \\(IMAP\\): usable, with IMAP\\.AccessAsApp · ` +
					'Microsoft Graph: not usable — .*step "consent".*no roles, not Mail\\.ReadWrite.*Microsoft Graph → Application permissions → Mail\\.ReadWrite',
			),
		);
		// The Test really asks for tokens each time (renew), one per path, it does not answer from the cache.
		await runTest({});
		expect(emulator.issuedTokenCount(SECRET_APP)).toBe(before + 4);
	});

	it('passes a credential made for Graph only, saying the IMAP path lacks IMAP.AccessAsApp', async () => {
		const result = await runTest({ clientId: GRAPH_ONLY });
		expect(result.status).toBe('OK');
		expect(result.message).toMatch(
			/Exchange Online \(IMAP\): not usable — .*not IMAP\.AccessAsApp.* · Microsoft Graph: usable, with Mail\.ReadWrite$/,
		);
	});

	it('reports both paths usable when the app holds both permissions', async () => {
		expect(await runTest({ clientId: BOTH })).toEqual({
			status: 'OK',
			message: `Tokens obtained in tenant ${emulator.tenantId}. Exchange Online (IMAP): usable, with IMAP.AccessAsApp · Microsoft Graph: usable, with Mail.ReadWrite`,
		});
	});

	it('fails when neither path has its permission, naming both', async () => {
		const result = await runTest({ clientId: NO_CONSENT });
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(
			/^Exchange Online \(IMAP\): not usable — .*not IMAP\.AccessAsApp.* · Microsoft Graph: not usable — .*not Mail\.ReadWrite/,
		);
	});

	const byCertificate = (privateKeyPem: string, thumbprint: string) => ({
		clientId: CERTIFICATE_APP,
		authentication: 'certificate',
		privateKeyPem,
		thumbprint,
	});

	it('passes a good certificate credential', async () => {
		const result = await runTest(byCertificate(certificate.privateKeyPem, certificate.sha1));
		expect(result.status).toBe('OK');
	});

	it.each([
		[
			'unknown tenant',
			{ tenant: 'nowhere.example' },
			'tenant',
			/AADSTS90002.*Tenant 'nowhere\.example' not found/,
		],
		[
			'unknown client',
			{ clientId: 'dddddddd-4444-4444-8444-444444444444' },
			'client',
			/AADSTS700016/,
		],
		[
			'bad secret',
			{ clientSecret: `${SECRET}x` },
			'secret',
			/Value \(not its Secret ID\).*AADSTS7000215/,
		],
		[
			'missing permission',
			{ clientId: NO_CONSENT },
			'consent',
			/no roles, not IMAP\.AccessAsApp.*Office 365 Exchange Online → Application permissions → IMAP\.AccessAsApp, then Grant admin consent/,
		],
	])('names the failed step: %s', async (_case, overrides, step, detail) => {
		const result = await runTest(overrides);
		expect(result.status).toBe('Error');
		expect(result.message).toContain(`step "${step}"`);
		expect(result.message).toMatch(detail);
	});

	it('names the certificate step for a key that is not the registered certificate’s', async () => {
		const result = await runTest(byCertificate(stranger.privateKeyPem, certificate.sha256));
		expect(result.status).toBe('Error');
		expect(result.message).toContain('step "certificate"');
		expect(result.message).toContain('AADSTS700027');
		expect(result.message).not.toContain(stranger.privateKeyPem.slice(40, 80));
	});
});
