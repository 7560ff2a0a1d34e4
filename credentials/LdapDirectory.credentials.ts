/* eslint-disable n8n-nodes-base/cred-class-name-unsuffixed, n8n-nodes-base/cred-class-field-name-unsuffixed, n8n-nodes-base/cred-class-field-display-name-missing-api */
import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/**
 * Our own LDAP credential rather than n8n's `ldap`: n8n's community-node rules refuse a node that references a
 * credential type of another package (@n8n/eslint-plugin-community-nodes `no-credential-reuse`), and `ldap` has no
 * timeouts. Its fields mean what n8n's LDAP credential's mean, plus a base DN for the Test and timeouts.
 */
export class LdapDirectory implements ICredentialType {
	name = 'ldapDirectory';

	displayName = 'LDAP Directory';

	icon: Icon = {
		light: 'file:../nodes/common/icons/ldapDirectory.svg',
		dark: 'file:../nodes/common/icons/ldapDirectory.dark.svg',
	};

	documentationUrl =
		'https://github.com/n8n-nodes-mailbox-migration/n8n-nodes-mailbox-migration#credentials';

	properties: INodeProperties[] = [
		{
			displayName: 'Server URL',
			name: 'url',
			type: 'string',
			default: '',
			placeholder: 'ldap://ldap.example.com:389',
			required: true,
			description:
				'ldap://host:port (plain or StartTLS, usually port 389) or ldaps://host:port (usually 636); a bare host:port takes its scheme from Connection Security',
		},
		{
			displayName: 'Connection Security',
			name: 'connectionSecurity',
			type: 'options',
			options: [
				{ name: 'STARTTLS', value: 'startTls' },
				{ name: 'LDAPS (TLS From the Start)', value: 'ldaps' },
				{ name: 'None (Trusted Networks Only)', value: 'none' },
			],
			default: 'startTls',
		},
		{
			displayName: 'CA Certificate (PEM)',
			name: 'trustedCaPem',
			type: 'string',
			typeOptions: { rows: 4 },
			default: '',
			placeholder: '-----BEGIN CERTIFICATE-----',
			description:
				"The CA to verify the server's certificate against instead of the system's roots. The host name is checked too.",
			displayOptions: { hide: { connectionSecurity: ['none'] } },
		},
		{
			displayName: 'Ignore SSL/TLS Issues',
			name: 'ignoreTlsIssues',
			type: 'boolean',
			default: false,
			description:
				'Whether to connect even if the certificate cannot be verified. For test servers only: prefer the CA Certificate.',
			displayOptions: { hide: { connectionSecurity: ['none'] } },
		},
		{
			displayName: 'Binding DN',
			name: 'bindDN',
			type: 'string',
			default: '',
			placeholder: 'cn=mail-migration,ou=services,dc=example,dc=com',
			required: true,
			description:
				'Distinguished Name to bind as: it needs read and write access to the routing attributes',
		},
		{
			displayName: 'Binding Password',
			name: 'bindPassword',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
		},
		{
			displayName: 'Base DN',
			name: 'baseDN',
			type: 'string',
			default: '',
			placeholder: 'dc=example,dc=com',
			description:
				"Read by the credential's Test to prove the bind sees the directory; empty reads the root DSE",
		},
		{
			displayName: 'Connect Timeout (Ms)',
			name: 'connectTimeoutMs',
			type: 'number',
			default: 10000,
			typeOptions: { minValue: 100 },
			description: 'How long to wait for the TCP connection and the TLS handshake',
		},
		{
			displayName: 'Operation Timeout (Ms)',
			name: 'timeoutMs',
			type: 'number',
			default: 30000,
			typeOptions: { minValue: 100 },
			description: 'How long to wait for each answer of the server',
		},
	];
}
