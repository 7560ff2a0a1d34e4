import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

const whenCertificate = { show: { authentication: ['certificate'] } };
const whenCustomEndpoints = { show: { customEndpoints: [true] } };

/** An Entra app registration used app-only (client credentials): Exchange Online over IMAP, or Microsoft Graph. */
// Not an HTTP API credential (its tokens log in to IMAP or go to Graph through the node's own client), so no "-Api" suffix, as with n8n's own IMAP and LDAP ones.
/* eslint-disable n8n-nodes-base/cred-class-name-unsuffixed, n8n-nodes-base/cred-class-field-name-unsuffixed, n8n-nodes-base/cred-class-field-display-name-missing-api */
// Tested by MigrateMailbox's methods.credentialTest.microsoft365AppTest (testedBy on the node's credential entry).
export class Microsoft365App implements ICredentialType {
	name = 'microsoft365App';

	displayName = 'Microsoft 365 (App)';

	icon: Icon = {
		light: 'file:../nodes/common/icons/microsoft365App.svg',
		dark: 'file:../nodes/common/icons/microsoft365App.dark.svg',
	};

	documentationUrl =
		'https://github.com/n8n-nodes-mailbox-migration/n8n-nodes-mailbox-migration#migrating-into-microsoft-365';

	properties: INodeProperties[] = [
		{
			displayName: 'Tenant',
			name: 'tenant',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'contoso.onmicrosoft.com or 00000000-0000-0000-0000-000000000000',
			description: 'Directory (tenant) ID, or a verified domain of the tenant',
		},
		{
			displayName: 'Client ID',
			name: 'clientId',
			type: 'string',
			default: '',
			required: true,
			placeholder: '00000000-0000-0000-0000-000000000000',
			description: 'Application (client) ID of the app registration',
		},
		{
			displayName: 'Authentication',
			name: 'authentication',
			type: 'options',
			options: [
				{ name: 'Client Secret', value: 'clientSecret' },
				{ name: 'Certificate', value: 'certificate' },
			],
			default: 'clientSecret',
		},
		{
			displayName: 'Client Secret',
			name: 'clientSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			displayOptions: { show: { authentication: ['clientSecret'] } },
			description: 'The secret’s Value (shown once when created), not its Secret ID',
		},
		{
			displayName: 'Private Key (PEM)',
			name: 'privateKeyPem',
			type: 'string',
			typeOptions: { password: true, rows: 4 },
			default: '',
			placeholder: '-----BEGIN PRIVATE KEY-----',
			displayOptions: whenCertificate,
			description:
				'Unencrypted RSA private key of the certificate uploaded to the app registration (Certificates & secrets)',
		},
		{
			displayName: 'Certificate Thumbprint',
			name: 'thumbprint',
			type: 'string',
			default: '',
			displayOptions: whenCertificate,
			description:
				'The certificate’s thumbprint as the app registration shows it: SHA-1 (40 hex digits) or SHA-256 (64 hex digits)',
		},
		{
			displayName: 'Cloud',
			name: 'cloud',
			type: 'options',
			options: [
				{ name: 'Global', value: 'global' },
				{ name: 'US Government (GCC High)', value: 'usGov' },
				{ name: 'US Government (DoD)', value: 'usGovDod' },
				{ name: 'China (21Vianet)', value: 'china' },
			],
			default: 'global',
			description:
				'The Microsoft cloud the tenant lives in; it decides the login, Graph and Exchange Online hosts. GCC (not High) tenants use Global.',
		},
		{
			displayName: 'Custom Endpoints',
			name: 'customEndpoints',
			type: 'boolean',
			default: false,
			description:
				'Whether to override the cloud’s hosts. Only for a test emulator or a proxy in front of Microsoft; leave off otherwise.',
		},
		{
			displayName: 'Login URL',
			name: 'loginUrl',
			type: 'string',
			default: '',
			placeholder: 'https://login.microsoftonline.com',
			displayOptions: whenCustomEndpoints,
			description:
				'Origin of the token service, instead of the cloud’s login host. Use it when tokens must come through a proxy or from an emulator.',
		},
		{
			displayName: 'Graph URL',
			name: 'graphUrl',
			type: 'string',
			default: '',
			placeholder: 'https://graph.microsoft.com',
			displayOptions: whenCustomEndpoints,
			description:
				'Origin of Microsoft Graph, instead of the cloud’s Graph host. Use it when Graph is reached through a proxy or an emulator.',
		},
		{
			displayName: 'Exchange IMAP Host',
			name: 'imapHost',
			type: 'string',
			default: '',
			placeholder: 'outlook.office365.com',
			displayOptions: whenCustomEndpoints,
			description:
				'IMAP host instead of the cloud’s Exchange Online host. Use it when IMAP goes through a proxy or to a test server.',
		},
		{
			displayName: 'Exchange IMAP Port',
			name: 'imapPort',
			type: 'number',
			default: 993,
			displayOptions: whenCustomEndpoints,
			description: 'Implicit-TLS IMAP port of that host (Exchange Online: 993)',
		},
		{
			displayName: 'Trusted CA Certificates (PEM)',
			name: 'trustedCaPem',
			type: 'string',
			typeOptions: { rows: 4 },
			default: '',
			placeholder: '-----BEGIN CERTIFICATE-----',
			displayOptions: whenCustomEndpoints,
			description:
				'A private CA trusted besides the public roots, for custom endpoints whose certificates it signs (a proxy or an emulator)',
		},
	];
}
