/** The LDAP Directory credential → the library's LdapSettings, and the credential's Test: shared by every LDAP node. */
import type {
	ICredentialDataDecryptedObject,
	ICredentialsDecrypted,
	INodeCredentialTestResult,
} from 'n8n-workflow';

import { checkLdapDirectory } from '../lib/ldap/checkDirectory';
import type { LdapSecurity, LdapSettings } from '../lib/ldap';

export const LDAP_CREDENTIAL = 'ldapDirectory';

const SECURITIES: readonly LdapSecurity[] = ['none', 'startTls', 'ldaps'];

/** Reads the credential; the only place that knows its field names. */
export function ldapSettingsFromCredential(data: ICredentialDataDecryptedObject): LdapSettings {
	const security = String(data.connectionSecurity ?? 'startTls') as LdapSecurity;
	const positive = (value: unknown) => (Number(value) > 0 ? Number(value) : undefined);
	const tlsUsed = security !== 'none';
	return {
		url: String(data.url ?? '').trim(),
		bindDn: String(data.bindDN ?? '').trim(),
		password: String(data.bindPassword ?? ''),
		security: SECURITIES.includes(security) ? security : 'startTls',
		caPem: (tlsUsed && String(data.trustedCaPem ?? '').trim()) || undefined,
		allowUnauthorizedCerts: tlsUsed && data.ignoreTlsIssues === true,
		connectTimeoutMs: positive(data.connectTimeoutMs),
		timeoutMs: positive(data.timeoutMs),
	};
}

export function ldapBaseDnOf(data: ICredentialDataDecryptedObject): string {
	return String(data.baseDN ?? '').trim();
}

/** The node-side Test: binds and reads the base DN (or the root DSE), and says which step failed. */
export async function testLdapCredential(
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	const data = credential.data ?? {};
	const check = await checkLdapDirectory(ldapSettingsFromCredential(data), ldapBaseDnOf(data));
	return { status: check.ok ? 'OK' : 'Error', message: check.message };
}
