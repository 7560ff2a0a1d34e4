import type { INodeProperties } from 'n8n-workflow';

/** The fields of an IMAP account credential; source and target credentials share them so both sides read alike. */
export function imapAccountFields(defaultHost: string): INodeProperties[] {
	return [
		{
			displayName: 'Host',
			name: 'host',
			type: 'string',
			default: '',
			placeholder: defaultHost,
			required: true,
		},
		{
			displayName: 'Security',
			name: 'security',
			type: 'options',
			options: [
				{ name: 'TLS (Implicit, Usually Port 993)', value: 'tls' },
				{ name: 'STARTTLS (Usually Port 143)', value: 'starttls' },
				{ name: 'None (Trusted Networks Only)', value: 'none' },
			],
			default: 'tls',
		},
		{
			displayName: 'Port',
			name: 'port',
			type: 'number',
			default: 993,
			description: 'IMAP port: 993 for implicit TLS, 143 for STARTTLS or plain IMAP',
		},
		{
			displayName: 'Allow Self-Signed Certificates',
			name: 'allowSelfSigned',
			type: 'boolean',
			default: false,
			description:
				'Whether to accept a certificate chain that cannot be verified. The host name is still checked. Prefer Trusted CA Certificates or a fingerprint.',
		},
		{
			displayName: 'Trusted CA Certificates (PEM)',
			name: 'trustedCaPem',
			type: 'string',
			typeOptions: { rows: 4 },
			default: '',
			placeholder: '-----BEGIN CERTIFICATE-----',
			description:
				"The CA (or the server's own certificate) to verify the server against instead of the system's roots. Chain and host name are both checked.",
		},
		{
			displayName: 'Certificate Fingerprint (SHA-256)',
			name: 'certificateFingerprint',
			type: 'string',
			default: '',
			placeholder: 'AB:CD:…',
			description:
				"Pin the server's certificate: it must have this SHA-256 fingerprint, whoever signed it. The host name is still checked unless skipped below.",
		},
		{
			displayName: 'Skip Host Name Check',
			name: 'skipHostnameCheck',
			type: 'boolean',
			default: false,
			description:
				'Whether to accept a certificate that does not name this host. Leave off unless you connect by an address the certificate does not list and trust the server.',
		},
		{
			displayName: 'Login Mode',
			name: 'loginMode',
			type: 'options',
			options: [
				{
					name: 'Mailbox Login',
					value: 'user',
					description:
						'Each mailbox logs in as itself. The user below is the default; the node can give a login and password per mailbox.',
				},
				{
					name: 'Dovecot Master User',
					value: 'dovecotMaster',
					description: 'Log in as "mailbox*master" with the master password',
				},
				{
					name: 'Admin via SASL Authorization Identity',
					value: 'saslAuthzid',
					description:
						'AUTHENTICATE PLAIN as the admin, acting as the mailbox (Cyrus, Zimbra, Exchange impersonation)',
				},
			],
			default: 'user',
		},
		{
			displayName: 'User',
			name: 'user',
			type: 'string',
			default: '',
			description:
				'In Mailbox Login mode, the login used when the node gives none; in the admin modes, the admin or master user name',
		},
		{
			displayName: 'Password',
			name: 'password',
			type: 'string',
			typeOptions: { password: true },
			default: '',
		},
		{
			displayName: 'Master Separator',
			name: 'masterSeparator',
			type: 'string',
			default: '*',
			description: "Dovecot's auth_master_user_separator",
			displayOptions: { show: { loginMode: ['dovecotMaster'] } },
		},
		{
			displayName: 'Test Mailbox',
			name: 'testMailbox',
			type: 'string',
			default: '',
			placeholder: 'someone@example.com',
			description:
				'A mailbox to open when testing this credential in an admin mode. Without one, the test checks the connection and TLS only.',
			displayOptions: { show: { loginMode: ['dovecotMaster', 'saslAuthzid'] } },
		},
	];
}
