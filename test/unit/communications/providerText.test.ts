import { odataString, dataverseScope } from '../../../nodes/lib/communications/dataverseProvider';
import { activityIdOf, idempotencyKeyOf } from '../../../nodes/lib/communications/idempotencyKey';
import { redactSecrets } from '../../../nodes/lib/communications/provider';
import { placeholderEscaperOf } from '../../../nodes/lib/communications/bodyEscaping';
import {
	renderWebhookBody,
	WebhookProvider,
	webhookSignature,
} from '../../../nodes/lib/communications/webhookProvider';

const escaperOf = (contentType: string) => {
	const escape = placeholderEscaperOf(contentType);
	if (!escape) throw new Error(`no escaping for ${contentType}`);
	return escape;
};

const message = {
	migrationId: 'wave-1',
	recipient: 'pat@example.com',
	name: 'Pat "P" O\'Brien',
	stage: 'T-1',
	subject: 'Line one\nline "two"',
	body: 'a\\b',
	idempotencyKey: 'ncrm-x',
	dueAt: '2025-03-29T08:00:00.000Z',
	migrationDate: '2025-03-30',
	timeZone: 'Europe/Berlin',
};

describe('what the providers put on the wire', () => {
	it('fills a JSON body template with escaped values, and a text one as they are', () => {
		const json = renderWebhookBody(
			'{"to":"{email}","name":"{name}","s":"{subject}","b":"{body}","k":"{idempotencyKey}"}',
			message,
			escaperOf('application/json; charset=utf-8'),
		);
		expect(JSON.parse(json)).toEqual({
			to: 'pat@example.com',
			name: message.name,
			s: message.subject,
			b: 'a\\b',
			k: 'ncrm-x',
		});
		expect(
			renderWebhookBody('{stage} for {email} {unknown}', message, escaperOf('text/plain')),
		).toBe('T-1 for pat@example.com {unknown}');
		const hostile = { ...message, name: '"}, "admin": true, "x": "\u0000\n' };
		expect(
			JSON.parse(
				renderWebhookBody('{"name":"{name}"}', hostile, escaperOf('application/vnd.api+json')),
			),
		).toEqual({ name: hostile.name });
	});

	it('percent-encodes form values, so a value holding & or = adds no parameter', () => {
		const hostile = { ...message, name: 'x&role=admin+1 %', subject: 'a=b' };
		const body = renderWebhookBody(
			'email={email}&name={name}&subject={subject}',
			hostile,
			escaperOf('Application/X-WWW-Form-URLEncoded'),
		);
		const form = new URLSearchParams(body);
		expect([...form.keys()]).toEqual(['email', 'name', 'subject']);
		expect(form.get('name')).toBe(hostile.name);
		expect(form.get('subject')).toBe('a=b');
	});

	it('escapes XML and HTML text and attributes with entities', () => {
		const hostile = { ...message, name: `</name><role>admin</role><n a="1" b='2'>&amp;` };
		const xml = renderWebhookBody(
			'<m><name t="{name}">{name}</name></m>',
			hostile,
			escaperOf('text/xml'),
		);
		const escaped =
			'&lt;/name&gt;&lt;role&gt;admin&lt;/role&gt;&lt;n a=&quot;1&quot; b=&apos;2&apos;&gt;&amp;amp;';
		expect(xml).toBe(`<m><name t="${escaped}">${escaped}</name></m>`);
		expect(placeholderEscaperOf('application/soap+xml')).toBe(placeholderEscaperOf('text/xml'));
		expect(placeholderEscaperOf('text/html')).toBe(placeholderEscaperOf('text/xml'));
	});

	it('refuses placeholders for a content type it has no escaping for', () => {
		const settings = {
			url: 'https://crm.example.com/hook',
			method: 'POST' as const,
			headers: {},
			query: {},
			signing: null,
			secrets: [],
			contentType: 'text/csv',
		};
		expect(placeholderEscaperOf('text/csv')).toBeNull();
		expect(() => new WebhookProvider({ ...settings, bodyTemplate: '{email},{name}' })).toThrow(
			/placeholders, which are escaped only for .*not for the content type "text\/csv"/,
		);
		// Without placeholders the body is the template as written.
		expect(() => new WebhookProvider({ ...settings, bodyTemplate: 'static' })).not.toThrow();
	});

	it('signs the exact body bytes with HMAC-SHA256 (RFC 4231 test case 2)', () => {
		expect(webhookSignature('Jefe', 'what do ya want for nothing?')).toBe(
			'sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
		);
	});

	it('quotes OData strings by doubling single quotes, and scopes tokens to the environment', () => {
		expect(odataString("o'brien@example.com")).toBe("'o''brien@example.com'");
		expect(odataString("a''b")).toBe("'a''''b'");
		expect(dataverseScope('https://contoso.crm4.dynamics.com/main.aspx')).toBe(
			'https://contoso.crm4.dynamics.com/.default',
		);
		expect(() => dataverseScope('http://contoso.crm.dynamics.com')).toThrow(/must be https/);
	});

	it('derives one key and one activity id per migration, user and stage', () => {
		const key = { migrationId: 'wave-1', recipient: 'pat@example.com', stage: 'T-1' };
		expect(idempotencyKeyOf(key)).toBe(idempotencyKeyOf({ ...key }));
		expect(idempotencyKeyOf(key)).not.toBe(idempotencyKeyOf({ ...key, stage: 'T+0' }));
		expect(idempotencyKeyOf(key)).not.toBe(idempotencyKeyOf({ ...key, migrationId: 'wave-2' }));
		expect(activityIdOf(key)).toMatch(
			/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
		);
	});

	it('redacts every secret of 4 characters or more', () => {
		expect(redactSecrets('token abcd and abcd, not abc', ['abcd', 'abc', ''])).toBe(
			'token [redacted] and [redacted], not abc',
		);
	});
});
