/**
 * Dovecot users from an LDAP directory (dovecot-ldap), next to the passwd-file ones: the passdb checks the password
 * by binding as the user's entry (auth_bind), the userdb maps the entry to a home under the instance's mail folder.
 *
 * auth_bind rather than a password lookup: slapd itself decides whether the password is right, so whatever the
 * provisioning writes (a userPassword hash of any scheme slapd knows, or the Password Modify operation) is what the
 * login proves, and the service DN needs no read access to the hashes. The cost (plaintext SASL mechanisms only,
 * one bind per login) is no cost for IMAP LOGIN/PLAIN.
 * Settings as doc.dovecot.org/2.3 configuration_manual/authentication/ldap* and src/auth/db-ldap.c read them.
 */
import fs from 'node:fs';
import path from 'node:path';

import { writeSecretFile, type MailOwner } from './dovecotConfig';

export interface DovecotLdapAuth {
	/** `ldap://` or `ldaps://host:port`. */
	url: string;
	/** Where users are searched (subtree). */
	baseDn: string;
	/** The service DN that searches for the user's entry (and reads the userdb attributes). */
	bindDn: string;
	bindPassword: string;
	/** Finds the entry to bind as; `%u` is the login name, escaped by Dovecot. Default `(&(objectClass=inetOrgPerson)(uid=%u))`. */
	passFilter?: string;
	/** Finds the entry for the userdb; default the passFilter. */
	userFilter?: string;
	/** PEM of the CA behind the server's certificate, for ldaps:// or StartTLS. */
	caPem?: string;
	/** StartTLS on an ldap:// URL (needs `caPem`). */
	startTls?: boolean;
}

const DEFAULT_FILTER = '(&(objectClass=inetOrgPerson)(uid=%u))';
const PASSDB_FILE = 'ldap-passdb.conf.ext';
const USERDB_FILE = 'ldap-userdb.conf.ext';

/**
 * The passdb and userdb blocks for dovecot.conf, tried after the passwd-files. Two settings files: a userdb sharing
 * the passdb's file would share its connection, which auth_bind leaves bound as the last user.
 */
export function ldapAuthBlocks(dir: string, passwordMechanisms: string): string {
	return `passdb {
  driver = ldap
${passwordMechanisms}  args = ${path.join(dir, PASSDB_FILE)}
}
userdb {
  driver = ldap
  args = ${path.join(dir, USERDB_FILE)}
}
`;
}

function connectionSettings(ldap: DovecotLdapAuth, caFile: string | null): string {
	if (ldap.startTls && caFile === null) throw new Error('dovecot ldap: startTls needs caPem');
	return `uris = ${ldap.url}
dn = ${ldap.bindDn}
dnpass = ${ldap.bindPassword}
ldap_version = 3
base = ${ldap.baseDn}
scope = subtree
deref = never
${ldap.startTls ? 'tls = yes\n' : ''}${caFile ? `tls_ca_cert_file = ${caFile}\ntls_require_cert = demand\n` : ''}`;
}

/** Writes both settings files (secrets: readable by the auth process only) and the CA file, if any. */
export function writeLdapAuthFiles(dir: string, ldap: DovecotLdapAuth, owner: MailOwner): void {
	for (const [name, value] of Object.entries(ldap)) {
		// Each setting is one line of `key = value`: a newline would smuggle in another setting.
		if (name !== 'caPem' && typeof value === 'string' && /[\r\n]/.test(value))
			throw new Error(`dovecot ldap: ${name} must be one line`);
	}
	const caFile = ldap.caPem ? path.join(dir, 'ldap-ca.pem') : null;
	if (caFile) fs.writeFileSync(caFile, ldap.caPem as string, { mode: 0o644 });
	const connection = connectionSettings(ldap, caFile);
	const passFilter = ldap.passFilter ?? DEFAULT_FILTER;
	// The login name becomes the directory's spelling of the uid, so the home below follows the entry.
	writeSecretFile(
		path.join(dir, PASSDB_FILE),
		`${connection}auth_bind = yes\npass_filter = ${passFilter}\npass_attrs = uid=user\n`,
		owner,
	);
	writeSecretFile(
		path.join(dir, USERDB_FILE),
		`${connection}user_filter = ${ldap.userFilter ?? passFilter}
user_attrs = uid=user, =uid=${owner.uid}, =gid=${owner.gid}, =home=${path.join(dir, 'mail')}/%{ldap:uid}
`,
		owner,
	);
}
