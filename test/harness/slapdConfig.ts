/**
 * What a private slapd is made of, apart from running it: its cn=config as LDIF (loaded with `slapadd -n0`) and the
 * entries its test suffix starts with. cn=config rather than slapd.conf: slapd.conf is deprecated upstream, Debian
 * ships every schema as cn=config LDIF, and the same LDIF would serve a later online change over ldapmodify.
 */
import { entryLdif } from './ldif';

const SCHEMA_DIR = '/etc/ldap/schema';
/** core first: the others build on it; misc holds inetLocalMailRecipient (mailLocalAddress, mailHost, mailRoutingAddress). */
export const SCHEMAS = ['core', 'cosine', 'inetorgperson', 'nis', 'misc'] as const;

export interface SlapdConfigInput {
	/** The instance folder: run/ (pid, args), data/ (the mdb database), tls/. */
	dir: string;
	suffix: string;
	rootDn: string;
	/** Written as olcRootPW {SSHA} hash, never in clear. */
	rootPasswordHash: string;
	/** Files of the server certificate and key; no TLS settings when absent. */
	tls?: { certFile: string; keyFile: string };
}

export function configLdif(input: SlapdConfigInput): string {
	const { dir } = input;
	const tls = input.tls
		? `olcTLSCertificateFile: ${input.tls.certFile}\nolcTLSCertificateKeyFile: ${input.tls.keyFile}\n`
		: '';
	const schemas = SCHEMAS.map((schema) => `include: file://${SCHEMA_DIR}/${schema}.ldif`).join(
		'\n',
	);
	return `# Private test instance, written by test/harness/slapd.ts
dn: cn=config
objectClass: olcGlobal
cn: config
olcPidFile: ${dir}/run/slapd.pid
olcArgsFile: ${dir}/run/slapd.args
${tls}
dn: cn=module{0},cn=config
objectClass: olcModuleList
cn: module{0}
olcModulePath: /usr/lib/ldap
olcModuleLoad: back_mdb
# {SSHA512} and the other SHA-2 userPassword schemes, for Provision Target's hashed passwords.
olcModuleLoad: pw-sha2

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

${schemas}

dn: olcDatabase={-1}frontend,cn=config
objectClass: olcDatabaseConfig
objectClass: olcFrontendConfig
olcDatabase: {-1}frontend

dn: olcDatabase={0}config,cn=config
objectClass: olcDatabaseConfig
olcDatabase: {0}config

dn: olcDatabase={1}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {1}mdb
olcSuffix: ${input.suffix}
olcRootDN: ${input.rootDn}
olcRootPW: ${input.rootPasswordHash}
olcDbDirectory: ${dir}/data
olcDbMaxSize: 268435456
olcDbIndex: objectClass eq
olcDbIndex: uid,mail,mailLocalAddress eq
# Users bind with their own password (Dovecot's auth_bind) and may change it; nobody else reads the hashes.
olcAccess: to attrs=userPassword by self write by anonymous auth by * none
olcAccess: to * by * read
`;
}

/** The suffix entry (dcObject + organization) and ou=people, where the user helpers put people. */
export function baseEntriesLdif(suffix: string, peopleDn: string): string {
	const dc = /^dc=([^,]+)/i.exec(suffix)?.[1];
	if (dc === undefined) throw new Error(`the test suffix must start with dc=: ${suffix}`);
	return [
		entryLdif(suffix, { objectClass: ['dcObject', 'organization'], dc, o: dc }),
		entryLdif(peopleDn, { objectClass: 'organizationalUnit', ou: 'people' }),
	].join('\n');
}
