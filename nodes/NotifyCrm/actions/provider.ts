/**
 * The provider of Send, built from one item's parameters and credentials: the webhook with n8n's generic HTTP
 * credentials, or Dynamics 365 with the Microsoft 365 (App) credential.
 *
 * The webhook's Authentication offers n8n's own generic credential types (Basic, Bearer, Header, Query Auth) by name,
 * as n8n's GraphQL node does, rather than the HTTP Request node's free choice of any `genericAuth` type: the message
 * is sent by this package's own HTTP client (which trusts private CAs and waits out 429s the same way for both
 * providers), so it applies each credential itself and must know its fields; OAuth and Digest cannot be applied that
 * way. The credential values are passed on as secrets to keep out of every answer.
 */
import {
	NodeOperationError,
	type ICredentialsDecrypted,
	type IDataObject,
	type IExecuteFunctions,
	type INodeCredentialTestResult,
} from 'n8n-workflow';

import {
	MICROSOFT_APP_CREDENTIAL,
	microsoftAppFromCredential,
} from '../../common/microsoftCredentials';
import { DataverseProvider } from '../../lib/communications/dataverseProvider';
import type { CommunicationProvider } from '../../lib/communications/provider';
import { WebhookProvider, type WebhookMethod } from '../../lib/communications/webhookProvider';

export const WEBHOOK_CREDENTIALS = [
	'httpBasicAuth',
	'httpBearerAuth',
	'httpHeaderAuth',
	'httpQueryAuth',
] as const;

export const SIGNING_CREDENTIAL = 'webhookSigningSecret';

/** Nothing to connect to: the Test checks the secret is there and not trivially guessable, and the header is valid. */
export function testSigningSecret(credential: ICredentialsDecrypted): INodeCredentialTestResult {
	const secret = String(credential.data?.secret ?? '');
	const header = String(credential.data?.header ?? '').trim() || 'X-Signature-256';
	if (!secret) return { status: 'Error', message: 'Enter the secret' };
	if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(header)) {
		return { status: 'Error', message: `"${header}" is not a valid HTTP header name` };
	}
	if (secret.length < 16) {
		return {
			status: 'Error',
			message: 'Use a secret of at least 16 characters (32 random ones are better)',
		};
	}
	return { status: 'OK', message: `Bodies will be signed with HMAC-SHA256 in ${header}` };
}

interface WebhookAuth {
	headers: Record<string, string>;
	query: Record<string, string>;
	secrets: string[];
}

const text = (value: unknown) => String(value ?? '');

async function webhookAuthOf(context: IExecuteFunctions, itemIndex: number): Promise<WebhookAuth> {
	const type = context.getNodeParameter('authentication', itemIndex, 'none') as string;
	if (type === 'none') return { headers: {}, query: {}, secrets: [] };
	if (!(WEBHOOK_CREDENTIALS as readonly string[]).includes(type)) {
		throw new NodeOperationError(context.getNode(), `Authentication "${type}" is not known`, {
			itemIndex,
		});
	}
	const data = await context.getCredentials(type, itemIndex);
	switch (type) {
		case 'httpBasicAuth': {
			const token = Buffer.from(`${text(data.user)}:${text(data.password)}`).toString('base64');
			return {
				headers: { Authorization: `Basic ${token}` },
				query: {},
				secrets: [text(data.password), token],
			};
		}
		case 'httpBearerAuth':
			return {
				headers: { Authorization: `Bearer ${text(data.token)}` },
				query: {},
				secrets: [text(data.token)],
			};
		case 'httpHeaderAuth':
			return {
				headers: { [text(data.name)]: text(data.value) },
				query: {},
				secrets: [text(data.value)],
			};
		default:
			return {
				headers: {},
				query: { [text(data.name)]: text(data.value) },
				secrets: [text(data.value)],
			};
	}
}

async function webhookProviderFor(
	context: IExecuteFunctions,
	itemIndex: number,
): Promise<WebhookProvider> {
	const url = text(context.getNodeParameter('url', itemIndex, '')).trim();
	if (!url) throw new NodeOperationError(context.getNode(), 'Enter the webhook URL', { itemIndex });
	const auth = await webhookAuthOf(context, itemIndex);
	const signing = context.getNodeParameter('signRequests', itemIndex, false) as boolean;
	let signingSecret: { secret: string; header: string } | null = null;
	if (signing) {
		const data = await context.getCredentials(SIGNING_CREDENTIAL, itemIndex);
		const secret = text(data.secret);
		if (!secret) {
			throw new NodeOperationError(
				context.getNode(),
				'The Webhook Signing Secret credential has no secret',
				{
					itemIndex,
				},
			);
		}
		signingSecret = { secret, header: text(data.header).trim() || 'X-Signature-256' };
	}
	const template = context.getNodeParameter('bodyMode', itemIndex, 'message') === 'template';
	try {
		return new WebhookProvider({
			url,
			method: context.getNodeParameter('method', itemIndex, 'POST') as WebhookMethod,
			headers: auth.headers,
			query: auth.query,
			bodyTemplate: template ? text(context.getNodeParameter('bodyTemplate', itemIndex, '')) : null,
			contentType:
				text(context.getNodeParameter('contentType', itemIndex, 'application/json')) ||
				'application/json',
			signing: signingSecret,
			secrets: auth.secrets,
		});
	} catch (error) {
		throw new NodeOperationError(
			context.getNode(),
			`The webhook settings are not usable (URL "${url}"): ${(error as Error).message}`,
			{
				itemIndex,
			},
		);
	}
}

async function dataverseProviderFor(
	context: IExecuteFunctions,
	itemIndex: number,
): Promise<DataverseProvider> {
	const app = microsoftAppFromCredential(
		await context.getCredentials(MICROSOFT_APP_CREDENTIAL, itemIndex),
	);
	const options = context.getNodeParameter('dynamicsOptions', itemIndex, {}) as IDataObject;
	const dueDays = Number(options.taskDueDays ?? 1);
	try {
		return new DataverseProvider({
			app,
			environmentUrl: text(context.getNodeParameter('environmentUrl', itemIndex, '')).trim(),
			apiUrl: text(options.apiUrl).trim() || undefined,
			activity:
				context.getNodeParameter('activity', itemIndex, 'email') === 'task' ? 'task' : 'email',
			taskDueDays: Number.isFinite(dueDays) ? dueDays : null,
		});
	} catch (error) {
		throw new NodeOperationError(context.getNode(), (error as Error).message, { itemIndex });
	}
}

export async function providerFor(
	context: IExecuteFunctions,
	itemIndex: number,
): Promise<CommunicationProvider> {
	const provider = context.getNodeParameter('provider', itemIndex, 'webhook') as string;
	if (provider === 'dynamics365') return await dataverseProviderFor(context, itemIndex);
	return await webhookProviderFor(context, itemIndex);
}
