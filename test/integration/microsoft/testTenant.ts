/**
 * The tenant the identity suites ask for tokens: the Microsoft emulator with an app that signs in by secret and one
 * by certificate, both consented to IMAP.AccessAsApp, and a second certificate that no app holds.
 */
import {
	EXCHANGE_IMAP_ROLE,
	generateAppCertificate,
	startMicrosoftEmulator,
	type AppCertificate,
	type MicrosoftEmulator,
} from '../../harness/microsoftEmulator';
import type { TestServices } from '../../harness/services';

export const SECRET = 'Secret-Value-8Q~abcdefghijklmnopqrstuvwxyz';
export const SECRET_APP = '11111111-1111-4111-8111-111111111111';
export const CERTIFICATE_APP = '22222222-2222-4222-8222-222222222222';

export interface TestTenant {
	emulator: MicrosoftEmulator;
	/** Registered with CERTIFICATE_APP. */
	certificate: AppCertificate;
	/** Registered with no app. */
	stranger: AppCertificate;
}

export async function startTestTenant(services: TestServices): Promise<TestTenant> {
	const emulator = services.add(await startMicrosoftEmulator());
	const certificate = generateAppCertificate();
	const stranger = generateAppCertificate('stranger');
	emulator.addApp({ clientId: SECRET_APP, secret: SECRET, roles: [EXCHANGE_IMAP_ROLE] });
	emulator.addApp({
		clientId: CERTIFICATE_APP,
		certificatePem: certificate.certificatePem,
		roles: [EXCHANGE_IMAP_ROLE],
	});
	return { emulator, certificate, stranger };
}
