/** The Microsoft 365 (App) credential → the library's MicrosoftApp, and the credential's Test of both its paths. */
import type {
	ICredentialDataDecryptedObject,
	ICredentialsDecrypted,
	INodeCredentialTestResult,
} from 'n8n-workflow';

import { acquireAppToken } from '../lib/microsoft/appTokens';
import {
	EXCHANGE_IMAP_ROLE,
	exchangeImapScope,
	GRAPH_MAIL_ROLE,
	graphScope,
} from '../lib/microsoft/clouds';
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

/** The two ways the node uses the credential, each with the token it needs and the permission that token must carry. */
const PATHS = [
	{
		name: 'Exchange Online (IMAP)',
		scopeOf: exchangeImapScope,
		role: EXCHANGE_IMAP_ROLE,
		api: 'Office 365 Exchange Online',
	},
	{ name: 'Microsoft Graph', scopeOf: graphScope, role: GRAPH_MAIL_ROLE, api: 'Microsoft Graph' },
] as const;

/** One path's outcome: the tenant its token came from, or why it is not usable. */
type PathOutcome =
	| { path: (typeof PATHS)[number]; tenantId: string }
	| { path: (typeof PATHS)[number]; failure: MicrosoftTokenError };

async function checkPath(app: MicrosoftApp, path: (typeof PATHS)[number]): Promise<PathOutcome> {
	try {
		const token = await acquireAppToken(app, path.scopeOf(app), { renew: true });
		requireRole(token, path.role, path.api);
		return { path, tenantId: token.tenantId ?? app.tenant };
	} catch (error) {
		// acquireAppToken and requireRole throw only MicrosoftTokenError, whose messages are free of secrets.
		if (error instanceof MicrosoftTokenError) return { path, failure: error };
		return {
			path,
			failure: new MicrosoftTokenError('service', 'Microsoft 365 token: unexpected failure'),
		};
	}
}

/**
 * Gets a fresh token for each path (Exchange Online IMAP and Microsoft Graph), reads the tenant from it and checks the
 * path's permission (IMAP.AccessAsApp, Mail.ReadWrite). A credential made for one path passes, saying what the other
 * lacks; it fails only when neither is usable. A failure names its step (tenant, client, secret, certificate, consent,
 * network, service).
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
	const outcomes = await Promise.all(PATHS.map((path) => checkPath(app, path)));
	const usable = outcomes.filter((outcome) => 'tenantId' in outcome);
	const failures = outcomes.flatMap((outcome) => ('failure' in outcome ? [outcome.failure] : []));
	if (usable.length === 0) {
		// Refused before any permission came into it (tenant, client, secret…): both paths say the same, so once.
		const shared = failures.every(
			(failure) => failure.step !== 'consent' && failure.step === failures[0].step,
		);
		return {
			status: 'Error',
			message: shared
				? failures[0].message
				: outcomes.map((outcome) => `${outcome.path.name}: ${describe(outcome)}`).join(' · '),
		};
	}
	const tenantId = (usable[0] as { tenantId: string }).tenantId;
	return {
		status: 'OK',
		message: `Tokens obtained in tenant ${tenantId}. ${outcomes
			.map((outcome) => `${outcome.path.name}: ${describe(outcome)}`)
			.join(' · ')}`,
	};
}

/**
 * Exchange's RBAC for Applications grants Graph's Mail.ReadWrite outside the token, scoped to some mailboxes
 * (learn.microsoft.com/exchange/permissions-exo/application-rbac): such an app's token has no role, which a Test
 * without a mailbox cannot tell from a missing consent, so it says so.
 */
const RBAC_NOTE =
	" (unless Exchange's RBAC for Applications grants it, whose tokens carry no role: Pre-flight's mailbox step shows that)";

function describe(outcome: PathOutcome): string {
	if ('tenantId' in outcome) return `usable, with ${outcome.path.role}`;
	const rbac = outcome.path.role === GRAPH_MAIL_ROLE && outcome.failure.step === 'consent';
	return `not usable — ${outcome.failure.message}${rbac ? RBAC_NOTE : ''}`;
}
