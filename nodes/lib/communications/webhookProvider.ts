/**
 * The generic webhook provider: one HTTP request per message, to the URL and method configured, with
 * - `Idempotency-Key: <key>`, the same on every try of the stage (the IETF httpapi "Idempotency-Key HTTP header
 *   field" draft, as Stripe and others accept it): a receiver that keeps keys delivers a repeated stage once;
 * - an HMAC-SHA256 signature of the exact body bytes, hex, in the header chosen (`sha256=<hex>`, as GitHub signs its
 *   webhooks in X-Hub-Signature-256), when a signing secret is set;
 * - the auth headers or query parameters of the n8n credential chosen.
 * What is guaranteed: a stage is claimed in the ledger before the request and recorded after a 2xx, so it is sent
 * again only after a crash between the answer and the record, or after a failure - and then with the same key. Whether
 * such a repeat reaches the user twice is the receiver's part: one that deduplicates by Idempotency-Key delivers once.
 * A 5xx or a network fault is not repeated within the run for methods that are not idempotent (POST, PATCH): the
 * stage fails and the next run tries it again, with the same key.
 */
import { createHmac } from 'node:crypto';

import { trustedCas } from '../microsoft/trustedCa';
import {
	ESCAPED_CONTENT_TYPES,
	placeholderEscaperOf,
	type PlaceholderEscaper,
} from './bodyEscaping';
import {
	answerOf,
	exchangeWithWaits,
	ProviderError,
	type CommunicationProvider,
	type OutgoingMessage,
	type ProviderReceipt,
	type SendControl,
} from './provider';

export type WebhookMethod = 'POST' | 'PUT' | 'PATCH';

export interface WebhookSettings {
	url: string;
	method: WebhookMethod;
	/** Headers from the credential (Authorization, an API key header) and from the node. */
	headers: Record<string, string>;
	/** Query parameters from the credential (an API key in the query). */
	query: Record<string, string>;
	/**
	 * The body template, or null for the default JSON message. Placeholders `{idempotencyKey}`, `{migration}`,
	 * `{stage}`, `{email}`, `{name}`, `{subject}`, `{body}`, `{dueAt}`, `{migrationDate}` are replaced by the message's
	 * values, escaped for the content type (see ./bodyEscaping: JSON strings, form values, XML/HTML text); a template
	 * with placeholders for any other content type is refused.
	 */
	bodyTemplate: string | null;
	contentType: string;
	signing: { secret: string; header: string } | null;
	/** A private CA to trust besides the public roots. */
	trustedCaPem?: string;
	/** Credential values, for keeping them out of every answer. */
	secrets: readonly string[];
}

const PLACEHOLDERS =
	/\{(idempotencyKey|migration|stage|email|name|subject|body|dueAt|migrationDate)\}/g;

/** What a body template's placeholders stand for: everything a receiver needs to send the message itself. */
function messageFields(message: OutgoingMessage): Record<string, string> {
	return {
		idempotencyKey: message.idempotencyKey,
		migration: message.migrationId,
		stage: message.stage,
		email: message.recipient,
		name: message.name,
		subject: message.subject,
		body: message.body,
		dueAt: message.dueAt,
		migrationDate: message.migrationDate,
	};
}

/** The default body: the message's fields, the key to deduplicate it by among them, and the user's time zone. */
export function defaultWebhookBody(message: OutgoingMessage): string {
	return JSON.stringify({ ...messageFields(message), timeZone: message.timeZone });
}

export function renderWebhookBody(
	template: string,
	message: OutgoingMessage,
	escape: PlaceholderEscaper,
): string {
	const values = messageFields(message);
	return template.replace(PLACEHOLDERS, (_, name: string) => escape(values[name]));
}

export function webhookSignature(secret: string, body: string): string {
	return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/** The provider's reference: an `id` (or `reference`, `messageId`) in a JSON answer, else a request id header. */
function referenceOf(body: string, headers: Record<string, string>): string | null {
	try {
		const parsed = JSON.parse(body) as Record<string, unknown>;
		for (const field of ['id', 'reference', 'messageId']) {
			const value = parsed?.[field];
			if (typeof value === 'string' || typeof value === 'number') return String(value);
		}
	} catch {
		// Not JSON: no reference in the body.
	}
	return headers['x-request-id'] ?? null;
}

export class WebhookProvider implements CommunicationProvider {
	private readonly ca: string[] | undefined;
	private readonly escape: PlaceholderEscaper;

	constructor(private readonly settings: WebhookSettings) {
		this.ca = trustedCas(settings.trustedCaPem);
		const url = new URL(settings.url);
		if (url.protocol !== 'https:' && url.protocol !== 'http:') {
			throw new ProviderError(`the webhook URL must be http or https`, 'not sent', null);
		}
		const escape = placeholderEscaperOf(settings.contentType);
		if (
			!escape &&
			settings.bodyTemplate !== null &&
			new RegExp(PLACEHOLDERS.source).test(settings.bodyTemplate)
		) {
			throw new ProviderError(
				`the body template has placeholders, which are escaped only for ${ESCAPED_CONTENT_TYPES}, not for the content type "${settings.contentType}"`,
				'not sent',
				null,
			);
		}
		this.escape = escape ?? ((value) => value);
	}

	async send(message: OutgoingMessage, control: SendControl = {}): Promise<ProviderReceipt> {
		const { settings } = this;
		const body =
			settings.bodyTemplate === null
				? defaultWebhookBody(message)
				: renderWebhookBody(settings.bodyTemplate, message, this.escape);
		const url = new URL(settings.url);
		for (const [name, value] of Object.entries(settings.query)) url.searchParams.set(name, value);
		const headers: Record<string, string> = {
			'Content-Type': settings.contentType,
			...settings.headers,
			'Idempotency-Key': message.idempotencyKey,
		};
		if (settings.signing)
			headers[settings.signing.header] = webhookSignature(settings.signing.secret, body);
		const secrets = [...settings.secrets, ...(settings.signing ? [settings.signing.secret] : [])];
		let waits = 0;
		const response = await exchangeWithWaits(
			{ method: settings.method, url: url.toString(), headers, body, ca: this.ca },
			{
				repeatable: settings.method === 'PUT',
				...control,
				secrets,
				onWait: () => waits++,
			},
		);
		if (response.status < 200 || response.status >= 300) {
			throw new ProviderError(
				`the webhook answered HTTP ${response.status}`,
				answerOf(response, secrets),
				response.status,
			);
		}
		return {
			reference: referenceOf(response.body, response.headers),
			// A receiver that deduplicates may say so: Stripe answers a replayed key with `Idempotent-Replayed: true`.
			duplicate: /^(true|1)$/i.test(response.headers['idempotent-replayed'] ?? ''),
			waits,
		};
	}
}
