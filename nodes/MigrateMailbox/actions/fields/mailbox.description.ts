import type { INodeProperties } from 'n8n-workflow';

/** Which mailbox to work on, per input item: every operation of this node takes the same four fields. */
export const mailboxFields: INodeProperties[] = [
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
		description: 'Login name of the mailbox on the target server',
	},
	{
		displayName: 'Target Password',
		name: 'targetPassword',
		type: 'string',
		typeOptions: { password: true },
		default: '',
		description:
			"The target mailbox's own password, when the target credential uses Mailbox Login. Leave empty to use the credential's password.",
	},
];
