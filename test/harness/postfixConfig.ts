/**
 * The files a private Postfix instance runs from (test/harness/postfix.ts starts it): main.cf, master.cf, the two
 * LDAP tables and the map from mailHost values to LMTP listeners.
 *
 * Routing: `transport_maps = pipemap:{ldap:routing.cf, texthash:mailhosts}`. The directory holds a host name in
 * mailHost, as a production directory does (`old.mail.test`); the mailhosts map plays the part DNS plays in
 * production and turns that name into the loopback LMTP port of the Dovecot standing in for the host. So the nodes
 * under test write realistic values and never learn test ports, and a mailHost with no route is visible as such
 * (the mail waits in the deferred queue naming the reason) instead of going anywhere.
 */

/** Never created: mail for a mailHost without a route waits on it, "No such file or directory". */
export const NO_ROUTE_SOCKET = 'no-route-for-this-mailhost';

export interface LdapTableServer {
	/** `ldap://127.0.0.1:PORT` */
	url: string;
	/** Searched with scope sub for the recipient. */
	suffix: string;
	/** Bound as when given (a test directory's ACLs may refuse anonymous reads); else anonymous. */
	rootDn?: string;
	rootPassword?: string;
}

export interface PostfixConfigInput {
	name: string;
	/** The instance folder: conf/, queue/, data/, log/. */
	dir: string;
	port: number;
	/** The only domain accepted (relay_domains); recipients of other domains are refused at RCPT. */
	domain: string;
	ldap: LdapTableServer;
	/** mailHost value → LMTP port on 127.0.0.1. */
	routes: Record<string, number>;
}

/** Postfix's own lists are comma/space separated and `$` expands: values written here must be neither. */
function checkValue(what: string, value: string): string {
	if (!/^[A-Za-z0-9.:/_=@,+-]+$/.test(value) || value.includes('$'))
		throw new Error(`${what} cannot go into a Postfix table file: ${JSON.stringify(value)}`);
	return value;
}

export function mainCf(input: PostfixConfigInput): string {
	const { dir, domain } = input;
	checkValue('domain', domain);
	return `# Private test instance "${input.name}", written by test/harness/postfix.ts
compatibility_level = 3.6
config_directory = ${dir}/conf
queue_directory = ${dir}/queue
data_directory = ${dir}/data
mail_owner = postfix
setgid_group = postdrop
syslog_name = postfix-${input.name}
# Logging to a file through postlogd (master.cf), so tests read it without a syslog daemon.
maillog_file = ${dir}/log/postfix.log
maillog_file_prefixes = ${dir}/log

myhostname = mx.${domain}
mydomain = ${domain}
myorigin = $myhostname
inet_interfaces = loopback-only
inet_protocols = ipv4
smtpd_peername_lookup = no
smtpd_banner = $myhostname ESMTP ${input.name}

# Nothing is delivered here and nothing leaves but by LMTP to a route: no local users, aliases or biff, and
# every other transport fails at once instead of looking up the Internet.
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
biff = no
default_transport = error:5.7.1 test instance ${input.name} relays to ${domain} only
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = reject_unauth_destination
smtpd_recipient_restrictions =

# The test domain is relayed: known recipients (mailLocalAddress in LDAP) are accepted, others refused at RCPT
# with 550 5.1.1; each goes where its entry's mailHost points.
relay_domains = ${domain}
relay_recipient_maps = ldap:${dir}/conf/recipients.cf
transport_maps = pipemap:{ldap:${dir}/conf/routing.cf, texthash:${dir}/conf/mailhosts}
# In LDAP but without a mailHost we route: accepted, then deferred as mail for an unreachable mailbox host is, by
# LMTP to a socket that never exists (the reason names it). Not \`retry:\`: smtpd checks that transport at RCPT
# before the recipient table, so unknown recipients would get 450 instead of 550.
relay_transport = lmtp:unix:${dir}/${NO_ROUTE_SOCKET}

# Deferred mail is retried after Postfix's default 300 s or by flush(): a test decides when.
`;
}

/** Every service runs unchrooted (the private queue has no copy of /etc) and there is no smtp client. */
export function masterCf(input: PostfixConfigInput): string {
	return `# Private test instance "${input.name}", written by test/harness/postfix.ts
127.0.0.1:${input.port} inet n - n - - smtpd
pickup    unix  n - n 60    1 pickup
cleanup   unix  n - n -     0 cleanup
qmgr      unix  n - n 300   1 qmgr
rewrite   unix  - - n -     - trivial-rewrite
bounce    unix  - - n -     0 bounce
defer     unix  - - n -     0 bounce
trace     unix  - - n -     0 bounce
verify    unix  - - n -     1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n -     - proxymap
showq     unix  n - n -     - showq
error     unix  - - n -     - error
retry     unix  - - n -     - error
discard   unix  - - n -     - discard
lmtp      unix  - - n -     - lmtp
anvil     unix  - - n -     1 anvil
scache    unix  - - n -     1 scache
postlog   unix-dgram n - n - 1 postlogd
`;
}

/**
 * An ldap_table(5) that finds the entry whose mailLocalAddress is the recipient. Postfix quotes `%s` for the
 * filter (RFC 2254) and has no result cache of its own (the cache settings were dropped): each lookup asks slapd.
 */
function ldapTable(input: PostfixConfigInput, resultAttribute: string): string {
	const { ldap } = input;
	const bind =
		ldap.rootDn === undefined
			? 'bind = no\n'
			: `bind = yes\nbind_dn = ${ldap.rootDn}\nbind_pw = ${ldap.rootPassword ?? ''}\n`;
	return `server_host = ${checkValue('LDAP URL', ldap.url)}
version = 3
search_base = ${ldap.suffix}
scope = sub
domain = ${input.domain}
query_filter = (mailLocalAddress=%s)
result_attribute = ${resultAttribute}
${bind}`;
}

/** relay_recipient_maps: found means accepted. */
export function recipientsCf(input: PostfixConfigInput): string {
	return ldapTable(input, 'mailLocalAddress');
}

/** The first half of transport_maps: recipient → its mailHost value. */
export function routingCf(input: PostfixConfigInput): string {
	return ldapTable(input, 'mailHost');
}

/** The second half: mailHost value → Postfix transport `lmtp:inet:127.0.0.1:PORT`. */
export function mailhostsMap(input: PostfixConfigInput): string {
	return Object.entries(input.routes)
		.map(([host, port]) => `${checkValue('mailHost', host)} lmtp:inet:127.0.0.1:${port}\n`)
		.join('');
}
