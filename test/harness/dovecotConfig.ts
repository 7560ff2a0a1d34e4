/**
 * What a private Dovecot instance is made of, apart from running it: the user its mail runs as, the passwd-file
 * lines and the configuration file (where further passdbs, e.g. LDAP or OAuth2, go).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';

const DH_PARAMS = '/usr/share/dovecot/dh.pem';

export interface MasterUser {
	user: string;
	password: string;
}

export interface MailOwner {
	uid: number;
	gid: number;
	/** Runs Dovecot's own unprivileged processes (auth reads the passwd-files as it): an existing user. */
	internalUser: string;
	/** Owns Dovecot's internal sockets. */
	internalGroup: string;
	internalUid: number;
	internalGid: number;
	loginUser: string;
}

const USER_NAME = /^[A-Za-z0-9_][A-Za-z0-9._@+-]*$/;
export const INSTANCE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function isRoot(): boolean {
	return process.getuid?.() === 0;
}

function idsOf(database: 'passwd' | 'group', name: string): number | null {
	try {
		const entry = execFileSync('getent', [database, name], { encoding: 'utf8' });
		return Number(entry.split(':')[2]);
	} catch {
		return null;
	}
}

/** As root, mail runs as nobody/nogroup (never root); otherwise everything runs as the current user. */
export function mailOwner(): MailOwner {
	if (!isRoot()) {
		const me = os.userInfo();
		return {
			uid: me.uid,
			gid: me.gid,
			internalUser: me.username,
			internalGroup: execFileSync('id', ['-gn'], { encoding: 'utf8' }).trim(),
			internalUid: me.uid,
			internalGid: me.gid,
			loginUser: me.username,
		};
	}
	const uid = idsOf('passwd', 'nobody');
	const gid = idsOf('group', 'nogroup') ?? idsOf('group', 'nobody');
	if (uid === null || gid === null) throw new Error('user nobody / group nogroup not found');
	const internalUser = idsOf('passwd', 'dovecot') === null ? 'nobody' : 'dovecot';
	const internalUid = idsOf('passwd', internalUser) as number;
	const internalGid = Number(execFileSync('id', ['-g', internalUser], { encoding: 'utf8' }).trim());
	const loginUser = idsOf('passwd', 'dovenull') === null ? 'nobody' : 'dovenull';
	const internalGroup = execFileSync('id', ['-gn', internalUser], { encoding: 'utf8' }).trim();
	return { uid, gid, internalUser, internalGroup, internalUid, internalGid, loginUser };
}

export function checkUserName(user: string): void {
	if (!USER_NAME.test(user) || user.includes('*')) {
		throw new Error(`test user names must match ${USER_NAME} without '*': ${JSON.stringify(user)}`);
	}
}

/** {PLAIN.b64} keeps ':' and other bytes in passwords from breaking the passwd-file format. */
export function passwdLine(user: string, password: string, owner: MailOwner, home: string): string {
	const hash = `{PLAIN.b64}${Buffer.from(password, 'utf8').toString('base64')}`;
	return `${user}:${hash}:${owner.uid}:${owner.gid}::${home}::`;
}

/** Readable only by Dovecot's auth process (the internal user) and us. */
export function writeSecretFile(file: string, content: string, owner: MailOwner): void {
	fs.writeFileSync(file, content, { mode: 0o600 });
	if (isRoot()) fs.chownSync(file, owner.internalUid, owner.internalGid);
}

/**
 * Logins by OAuth bearer token (XOAUTH2, OAUTHBEARER) checked by Dovecot's oauth2 passdb against an RFC 7662
 * introspection endpoint, as Exchange Online checks its tokens (doc.dovecot.org/2.3 configuration_manual/
 * authentication/oauth2; settings as src/auth/db-oauth2.c of 2.3 reads them). Password logins stay open for the
 * fixtures that seed and inspect mailboxes: the engine under test never uses them when its login has `oauth`.
 */
export interface OAuth2Passdb {
	/** POSTed `token=...`; answers JSON with `active` and the `usernameAttribute` field (RFC 7662). */
	introspectionUrl: string;
	/** PEM of the CA behind an https introspection server's certificate. */
	caPem?: string;
	/**
	 * Introspection field compared with the SASL user, both through `usernameFormat`. Default `tenant_principal`, which
	 * the Microsoft emulator answers as `<appid>@<tenant domain>`.
	 */
	usernameAttribute?: string;
	/**
	 * Dovecot's username_format, applied to the login and to that field alike. Default `%Ld`: an app-only token names
	 * no mailbox, so the domains (the tenant) are compared; the per-mailbox FullAccess grant is checked in front of
	 * Dovecot (exchangeOAuthSessions.ts).
	 */
	usernameFormat?: string;
	/** A word the introspected `scope` must hold; default `IMAP.AccessAsApp` (the emulator lists the roles there). */
	scope?: string;
}

/** The oauth2 passdb's own file (dovecot-oauth2.conf.ext); `caFile` holds `caPem` when one is given. */
export function oauth2PassdbFile(oauth2: OAuth2Passdb, caFile: string | null): string {
	return `introspection_mode = post
introspection_url = ${oauth2.introspectionUrl}
username_attribute = ${oauth2.usernameAttribute ?? 'tenant_principal'}
username_format = ${oauth2.usernameFormat ?? '%Ld'}
scope = ${oauth2.scope ?? 'IMAP.AccessAsApp'}
active_attribute = active
active_value = true
force_introspection = yes
${caFile ? `tls_ca_cert_file = ${caFile}\n` : ''}timeout_msecs = 10000
max_parallel_connections = 10
`;
}

interface ConfigInput {
	dir: string;
	name: string;
	port: number;
	tlsPort: number;
	owner: MailOwner;
	master?: MasterUser;
	separator: '/' | '.';
	layout: 'maildir++' | 'fs';
	specialUse: boolean;
	extraConf?: string;
	/** Adds the oauth2 passdb, configured by `${dir}/oauth2.conf.ext`. */
	oauth2?: boolean;
	/** Further passdb/userdb blocks, tried after the passwd-files (the LDAP ones of dovecotLdap.ts). */
	extraAuth?: string;
	/** Adds an LMTP listener on 127.0.0.1 at this port (dovecot-lmtpd), delivering into the same mail store. */
	lmtpPort?: number;
}

/** With OAuth2 logins on, password passdbs must say they take only the password mechanisms. */
export function passwordMechanismsLine(oauth2: boolean): string {
	return oauth2 ? '  mechanisms = plain login\n' : '';
}

/**
 * LMTP delivers to the local part of the recipient (`alice@example.test` → user `alice`): test users are named
 * without a domain, and an MTA in front (test/harness/postfix.ts) hands over full addresses.
 */
function lmtpConfig(port: number): string {
	return `protocol lmtp {
  auth_username_format = %Ln
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = ${port}
  }
}
`;
}

export function buildConfig(input: ConfigInput): string {
	const { dir, owner } = input;
	const layout = input.layout === 'fs' ? ':LAYOUT=fs' : '';
	// Without root Dovecot cannot chroot its login and helper processes.
	const noChroot = isRoot()
		? ''
		: ['anvil', 'imap-urlauth-login', 'ipc']
				.map((service) => `service ${service} {\n  chroot =\n}\n`)
				.join('');
	// XOAUTH2/OAUTHBEARER go to the oauth2 passdb only, passwords to the passwd-files only.
	const oauth2Passdb = input.oauth2
		? `passdb {\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n  args = ${dir}/oauth2.conf.ext\n}\n`
		: '';
	const passwordMechanisms = passwordMechanismsLine(input.oauth2 ?? false);
	const masterPassdb = input.master
		? `passdb {\n  driver = passwd-file\n  master = yes\n  pass = yes\n  args = scheme=PLAIN ${dir}/masters\n}\n`
		: '';
	const specialUse = input.specialUse
		? [
				['Drafts', '\\Drafts'],
				['Sent', '\\Sent'],
				['Trash', '\\Trash'],
				['Junk', '\\Junk'],
			]
				.map(([mailbox, use]) => `  mailbox ${mailbox} {\n    special_use = ${use}\n  }\n`)
				.join('')
		: '';
	return `# Private test instance "${input.name}", written by test/harness/dovecot.ts
instance_name = mm-test-${input.name}-${process.pid}
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/log/dovecot.log
protocols = imap${input.lmtpPort ? ' lmtp' : ''}
listen = 127.0.0.1
verbose_proctitle = yes
shutdown_clients = yes
default_internal_user = ${owner.internalUser}
default_internal_group = ${owner.internalGroup}
default_login_user = ${owner.loginUser}
default_process_limit = 500
default_client_limit = 2000
first_valid_uid = ${Math.min(owner.uid, 500)}
first_valid_gid = ${Math.min(owner.gid, 1)}

ssl = yes
ssl_cert = <${dir}/tls/cert.pem
ssl_key = <${dir}/tls/key.pem
${fs.existsSync(DH_PARAMS) ? `ssl_dh = <${DH_PARAMS}` : ''}
disable_plaintext_auth = no
auth_mechanisms = plain login${input.oauth2 ? ' xoauth2 oauthbearer' : ''}
auth_verbose = yes
# Wrong passwords are part of the tests: refuse them in ~0.5 s (the login minimum) instead of 2 s.
auth_failure_delay = 0
auth_master_user_separator = *

${masterPassdb}${oauth2Passdb}passdb {
  driver = passwd-file
${passwordMechanisms}  args = scheme=PLAIN username_format=%u ${dir}/users/%u
}
userdb {
  driver = passwd-file
  args = username_format=%u ${dir}/users/%u
}
${input.extraAuth ?? ''}
# Maildir++ with a chosen IMAP separator; listescape lets names hold the other separator ('a.b' with '/', 'a/b' with '.').
mail_location = maildir:~/Maildir${layout}
mail_fsync = never
mail_plugins = $mail_plugins quota listescape
namespace inbox {
  inbox = yes
  prefix =
  separator = ${input.separator}
${specialUse}}

protocol imap {
  mail_plugins = $mail_plugins imap_quota
  mail_max_userip_connections = 100
}
plugin {
  quota = count:User quota
  quota_vsizes = yes
  quota_rule = *:storage=1G
  listescape_char = "\\\\"
}

# No auth penalty: after one wrong password Dovecot would delay every login from 127.0.0.1 by 2-15 s.
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = ${input.port}
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = ${input.tlsPort}
    ssl = yes
  }
}
${noChroot}${input.lmtpPort ? lmtpConfig(input.lmtpPort) : ''}
${input.extraConf ?? ''}
`;
}
