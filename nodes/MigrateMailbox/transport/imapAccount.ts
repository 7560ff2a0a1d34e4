import type { ICredentialDataDecryptedObject } from 'n8n-workflow';

import type { ImapAccountSettings, ImapLoginMode, ImapSecurity } from '../../shared/imap/endpoint';

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
