/** The Microsoft 365 (App) credential → the library's MicrosoftApp, and the credential's Test. */
import type {
	ICredentialDataDecryptedObject,
	ICredentialsDecrypted,
	INodeCredentialTestResult,
} from 'n8n-workflow';

import { acquireAppToken } from '../lib/microsoft/appTokens';
import { EXCHANGE_IMAP_ROLE, exchangeImapScope } from '../lib/microsoft/clouds';
import type { MicrosoftApp, MicrosoftCloud } from '../lib/microsoft/microsoftApp';
import { requireRole } from '../lib/microsoft/permissions';
import { MicrosoftTokenError } from '../lib/microsoft/tokenErrors';

export const MICROSOFT_APP_CREDENTIAL = 'microsoft365App';

const text = (value: unknown): string | undefined => String(value ?? '').trim() || undefined;

/** Reads the credential; the only place that knows its field names. Custom endpoints count only when switched on. */
export function microsoftAppFromCredential(data: ICredentialDataDecryptedObject): MicrosoftApp {
	const byCertificate = data.authentication === 'certificate';
	const custom = data.customEndpoints === true;
	return {
		tenant: text(data.tenant) ?? '',
		clientId: text(data.clientId) ?? '',
		clientSecret: byCertificate ? undefined : text(data.clientSecret),
		certificate: byCertificate
			? { privateKeyPem: text(data.privateKeyPem) ?? '', thumbprint: text(data.thumbprint) ?? '' }
			: undefined,
		cloud: (text(data.cloud) ?? 'global') as MicrosoftCloud,
		loginUrl: custom ? text(data.loginUrl) : undefined,
		graphUrl: custom ? text(data.graphUrl) : undefined,
		imapHost: custom ? text(data.imapHost) : undefined,
		imapPort: custom ? Number(data.imapPort) || undefined : undefined,
		trustedCaPem: custom ? text(data.trustedCaPem) : undefined,
	};
}

/**
 * Gets a fresh Exchange Online IMAP token, reads the tenant from it and checks the IMAP.AccessAsApp permission; a
 * failure names its step (tenant, client, secret, certificate, consent, network, service).
 */
export async function testMicrosoftAppCredential(
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	const app = microsoftAppFromCredential(credential.data ?? {});
	if (!app.tenant || !app.clientId) {
		return {
			status: 'Error',
			message: 'Enter the Tenant and the Client ID of the app registration',
		};
	}
	try {
		const token = await acquireAppToken(app, exchangeImapScope(app), { renew: true });
		requireRole(token, EXCHANGE_IMAP_ROLE, 'Office 365 Exchange Online');
		return {
			status: 'OK',
			message: `Token for Exchange Online IMAP obtained in tenant ${token.tenantId ?? app.tenant}, with ${EXCHANGE_IMAP_ROLE}`,
		};
	} catch (error) {
		// acquireAppToken and requireRole throw only MicrosoftTokenError, whose messages are free of secrets.
		const message =
			error instanceof MicrosoftTokenError
				? error.message
				: 'Microsoft 365 token: unexpected failure';
		return { status: 'Error', message };
	}
}
