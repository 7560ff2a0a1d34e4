import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/**
 * The secret Notify CRM signs webhook bodies with (HMAC-SHA256), and the header the signature goes in. Kept in a
 * credential so the key is encrypted at rest and never sits in a workflow's parameters.
 */
// Not an HTTP API credential (it authenticates nothing; the node signs with it), so no "-Api" suffix, as with Microsoft 365 (App).
/* eslint-disable n8n-nodes-base/cred-class-name-unsuffixed, n8n-nodes-base/cred-class-field-name-unsuffixed, n8n-nodes-base/cred-class-field-display-name-missing-api */
export class WebhookSigningSecret implements ICredentialType {
	name = 'webhookSigningSecret';

	displayName = 'Webhook Signing Secret';

	icon: Icon = {
		light: 'file:../nodes/NotifyCrm/notifyCrm.svg',
		dark: 'file:../nodes/NotifyCrm/notifyCrm.dark.svg',
	};

	documentationUrl =
		'https://github.com/n8n-nodes-mailbox-migration/n8n-nodes-mailbox-migration#notify-crm';

	properties: INodeProperties[] = [
		{
			displayName: 'Secret',
			name: 'secret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description:
				'Shared with the receiver, which computes HMAC-SHA256 of the raw body with it and compares',
		},
		{
			displayName: 'Signature Header',
			name: 'header',
			type: 'string',
			default: 'X-Signature-256',
			description: 'The header carrying the signature, as sha256=<hex digest of the body>',
		},
	];
}
