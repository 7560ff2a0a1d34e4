import type { INodeProperties } from 'n8n-workflow';

/** What the target is and which mailbox to work on, per input item: every operation of this node takes these fields. */
export const mailboxFields: INodeProperties[] = [
	{
		displayName: 'Target Type',
		name: 'targetType',
		type: 'options',
		// Chooses the credential, so it cannot change from item to item.
		noDataExpression: true,
		options: [
			{
				name: 'Exchange Online (IMAP, OAuth)',
				value: 'exchangeOnline',
				description:
					'Microsoft 365 mailboxes over IMAP, logged in as an app (XOAUTH2) with the Microsoft 365 (App) credential',
			},
			{
				name: 'Microsoft 365 (Graph)',
				value: 'graph',
				description:
					'Microsoft 365 mailboxes through Microsoft Graph, as an app with Mail.ReadWrite, with the Microsoft 365 (App) credential: messages created as received mail with their original dates, for tenants where IMAP is off',
			},
			{
				name: 'IMAP',
				value: 'imap',
				description: 'Any IMAP server, with the Mail Target (IMAP) credential',
			},
		],
		default: 'imap',
	},
	{
		displayName: 'Source Mailbox',
		name: 'sourceMailbox',
		type: 'string',
		default: '={{ $json.sourceMailbox }}',
		required: true,
		description:
			'Login name of the mailbox on the source server, usually taken from the input item',
	},
	{
		displayName: 'Source Password',
		name: 'sourcePassword',
		type: 'string',
		typeOptions: { password: true },
		default: '',
		description:
			"The mailbox's own password, when the source credential uses Mailbox Login and each mailbox has its own. Leave empty to use the credential's password.",
	},
	{
		displayName: 'Target Mailbox',
		name: 'targetMailbox',
		type: 'string',
		default: '={{ $json.targetMailbox || $json.sourceMailbox }}',
		required: true,
		description:
			"Login name of the mailbox on the target server. For Exchange Online, the user's principal name or primary SMTP address; for Microsoft 365 (Graph), the user's principal name.",
	},
	{
		displayName: 'Target Password',
		name: 'targetPassword',
		type: 'string',
		typeOptions: { password: true },
		default: '',
		displayOptions: { show: { targetType: ['imap'] } },
		description:
			"The target mailbox's own password, when the target credential uses Mailbox Login. Leave empty to use the credential's password.",
	},
];
