import { odataString, dataverseScope } from '../../../nodes/lib/communications/dataverseProvider';
import { activityIdOf, idempotencyKeyOf } from '../../../nodes/lib/communications/idempotencyKey';
import { redactSecrets } from '../../../nodes/lib/communications/provider';
import {
	renderWebhookBody,
	webhookSignature,
} from '../../../nodes/lib/communications/webhookProvider';

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
			true,
		);
		expect(JSON.parse(json)).toEqual({
			to: 'pat@example.com',
			name: message.name,
			s: message.subject,
			b: 'a\\b',
			k: 'ncrm-x',
		});
		expect(renderWebhookBody('{stage} for {email} {unknown}', message, false)).toBe(
			'T-1 for pat@example.com {unknown}',
		);
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
