/** Where Send sends: a generic webhook, or Microsoft Dynamics 365 (Dataverse). */
import type { INodeProperties } from 'n8n-workflow';

const forSend = (provider: string) => ({ show: { operation: ['send'], provider: [provider] } });

export const providerFields: INodeProperties[] = [
	{
		displayName: 'Provider',
		name: 'provider',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { operation: ['send'] } },
		options: [
			{
				name: 'Webhook',
				value: 'webhook',
				description:
					'An HTTP request per message, with an Idempotency-Key header and an optional HMAC signature',
			},
			{
				name: 'Microsoft Dynamics 365',
				value: 'dynamics365',
				description:
					'An email activity sent with SendEmail, or a task, regarding the user’s contact (Dataverse)',
			},
		],
		default: 'webhook',
	},
	{
		displayName: 'URL',
		name: 'url',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'https://crm.example.com/hooks/notify',
		displayOptions: forSend('webhook'),
	},
	{
		displayName: 'Method',
		name: 'method',
		type: 'options',
		options: [
			{ name: 'POST', value: 'POST' },
			{ name: 'PUT', value: 'PUT' },
			{ name: 'PATCH', value: 'PATCH' },
		],
		default: 'POST',
		displayOptions: forSend('webhook'),
	},
	{
		displayName: 'Authentication',
		name: 'authentication',
		type: 'options',
		options: [
			{ name: 'Basic Auth', value: 'httpBasicAuth' },
			{ name: 'Bearer Auth', value: 'httpBearerAuth' },
			{ name: 'Header Auth', value: 'httpHeaderAuth' },
			{ name: 'None', value: 'none' },
			{ name: 'Query Auth', value: 'httpQueryAuth' },
		],
		default: 'none',
		displayOptions: forSend('webhook'),
		description: 'One of n8n’s generic HTTP credentials, as the HTTP Request node uses them',
	},
	{
		displayName: 'Sign Requests',
		name: 'signRequests',
		type: 'boolean',
		default: false,
		displayOptions: forSend('webhook'),
		description:
			'Whether to sign each body with HMAC-SHA256 using a Webhook Signing Secret credential, so the receiver can tell the request is from this workflow',
	},
	{
		displayName: 'Body',
		name: 'bodyMode',
		type: 'options',
		options: [
			{
				name: 'Message as JSON',
				value: 'message',
				description:
					'{ idempotencyKey, migration, stage, email, name, subject, body, dueAt, migrationDate, timeZone }',
			},
			{ name: 'Template', value: 'template', description: 'A body of your own, with placeholders' },
		],
		default: 'message',
		displayOptions: forSend('webhook'),
	},
	{
		displayName: 'Body Template',
		name: 'bodyTemplate',
		type: 'string',
		typeOptions: { rows: 6 },
		default:
			'{"to": "{email}", "subject": "{subject}", "text": "{body}", "key": "{idempotencyKey}"}',
		displayOptions: {
			show: { operation: ['send'], provider: ['webhook'], bodyMode: ['template'] },
		},
		description:
			'Placeholders {idempotencyKey}, {migration}, {stage}, {email}, {name}, {subject}, {body}, {dueAt}, {migrationDate} take each message’s values, escaped for the Content Type: JSON string escaping for JSON (so put them inside JSON strings), percent-encoding for application/x-www-form-urlencoded, entities for XML and HTML, as they are for text/plain; other content types take no placeholders. Use these placeholders for roster values: n8n {{ }} expressions are filled in unescaped, so a value holding a quote, & or < can break the body or add fields.',
	},
	{
		displayName: 'Content Type',
		name: 'contentType',
		type: 'string',
		default: 'application/json',
		displayOptions: forSend('webhook'),
		description:
			'The body’s Content-Type header; with a Body Template it also decides how placeholders are escaped (JSON, application/x-www-form-urlencoded, XML, text/html, text/plain)',
	},
	{
		displayName: 'Environment URL',
		name: 'environmentUrl',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'https://contoso.crm.dynamics.com',
		displayOptions: forSend('dynamics365'),
		description:
			'The Dataverse environment (Power Platform admin center: Environment URL). The app of the credential must be an application user there, with a security role that may read contacts and create and send emails or tasks.',
	},
	{
		displayName: 'Activity',
		name: 'activity',
		type: 'options',
		options: [
			{
				name: 'Email (Sent by Dynamics)',
				value: 'email',
				description: 'An email activity regarding the contact, sent with SendEmail',
			},
			{
				name: 'Task',
				value: 'task',
				description: 'A task regarding the contact, for a person to act on',
			},
		],
		default: 'email',
		displayOptions: forSend('dynamics365'),
	},
	{
		displayName: 'Dynamics Options',
		name: 'dynamicsOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: forSend('dynamics365'),
		options: [
			{
				displayName: 'Task Due After (Days)',
				name: 'taskDueDays',
				type: 'number',
				default: 1,
				description: 'A task is due this many days after its stage’s moment',
			},
			{
				displayName: 'Web API URL',
				name: 'apiUrl',
				type: 'string',
				default: '',
				placeholder: 'https://proxy.example.com',
				description:
					'Send the requests here instead of the Environment URL (a proxy or a test emulator); the token is still for the environment. Its CA is trusted from the credential’s custom endpoints.',
			},
		],
	},
];
