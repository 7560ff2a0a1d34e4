/** IMAP credentials → the engine's plain account settings, and their Test: shared by every node with an IMAP side. */
import type {
	ICredentialDataDecryptedObject,
	ICredentialsDecrypted,
	INodeCredentialTestResult,
} from 'n8n-workflow';

import { checkImapAccount } from '../lib/imap/checkAccount';
import type { ImapAccountSettings, ImapLoginMode, ImapSecurity } from '../lib/imap/endpoint';

export const SOURCE_CREDENTIAL = 'mailSourceImap';
export const TARGET_CREDENTIAL = 'mailTargetImap';

/** Reads an IMAP credential into the engine's plain settings; the only place that knows the credential's field names. */
export function imapAccountFromCredential(
	data: ICredentialDataDecryptedObject,
): ImapAccountSettings {
	const security = String(data.security ?? 'tls') as ImapSecurity;
	return {
		host: String(data.host ?? '').trim(),
		port: Number(data.port) || (security === 'tls' ? 993 : 143),
		security,
		allowSelfSigned: data.allowSelfSigned === true,
		trustedCaPem: String(data.trustedCaPem ?? '').trim() || undefined,
		certificateFingerprint: String(data.certificateFingerprint ?? '').trim() || undefined,
		skipHostnameCheck: data.skipHostnameCheck === true,
		loginMode: String(data.loginMode ?? 'user') as ImapLoginMode,
		user: String(data.user ?? '').trim(),
		password: String(data.password ?? ''),
		masterSeparator: data.masterSeparator ? String(data.masterSeparator) : undefined,
		connectTimeoutMs: 15_000,
	};
}

export function testMailboxOf(data: ICredentialDataDecryptedObject): string {
	return String(data.testMailbox ?? '').trim();
}

/** The node-side Test of an IMAP credential: connects and logs in, and says which layer failed. */
export async function testImapCredential(
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	const data = credential.data ?? {};
	const check = await checkImapAccount(imapAccountFromCredential(data), testMailboxOf(data));
	return { status: check.ok ? 'OK' : 'Error', message: check.message };
}
