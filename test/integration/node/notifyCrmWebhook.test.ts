/**
 * Notify CRM's Send, Plan Only and Mark Sent through the webhook provider, against the loopback webhook receiver, with
 * fixed "as of" times (no clock): exactly the due stages arrive, reruns send nothing, 429 is waited out as asked, a
 * refusal fails one user only, overlapping runs send each stage once, and no secret reaches an output or the wire.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { IDataObject } from 'n8n-workflow';

import { startWebhookReceiver, WebhookReceiver } from '../../harness/webhookReceiver';
import { runNotify, statusesOf, type NotifyRunOptions, type UserRow } from './notifyCrmFixtures';

const AS_OF = '2025-03-29T08:30:00.000Z';
const HMAC_SECRET = 'hmac-secret-0123456789abcdef';
const BEARER = 'bearer-token-fedcba9876543210';

/** Ten users in ten zones; the expectations below are worked out by hand, DST changes included. */
const ROSTER: UserRow[] = [
	// Berlin moves to CEST on 2025-03-30: T-1 09:00 CET = 08:00Z (due 30 min ago), T+0 08:00 CEST = 06:00Z.
	{ email: 'u1@example.com', name: 'One', migrationDate: '2025-03-30', timeZone: 'Europe/Berlin' },
	// New York is on EDT (-4): T-1 is 13:00Z, later today; T-7 is almost 6 days late: stale.
	{
		email: 'u2@example.com',
		name: 'Two',
		migrationDate: '2025-03-30',
		timeZone: 'America/New_York',
	},
	// Tokyo (+9): T+0 08:00 = 2025-03-28 23:00Z, due; T-1 superseded.
	{ email: 'u3@example.com', name: 'Three', migrationDate: '2025-03-29', timeZone: 'Asia/Tokyo' },
	// Sydney leaves AEDT (+11) on 2025-04-06: T-7 09:00 AEDT = 03-30 22:00Z, T-1 09:00 AEST = 04-05 23:00Z.
	{
		email: 'u4@example.com',
		name: 'Four',
		migrationDate: '2025-04-07',
		timeZone: 'Australia/Sydney',
	},
	// UTC: T-7 09:00 on 03-29 is half an hour away.
	{ email: 'u5@example.com', name: 'Five', migrationDate: '2025-04-05', timeZone: 'UTC' },
	// London still on GMT: T-7 was 2025-03-28 09:00Z, 23.5 h ago: within the 24 h a stage may be late.
	{ email: 'u6@example.com', name: 'Six', migrationDate: '2025-04-04', timeZone: 'Europe/London' },
	// Los Angeles (PDT, -7): T+0 08:00 = 03-28 15:00Z, due; T+1 10:00 = 03-29 17:00Z, not yet.
	{
		email: 'u7@example.com',
		name: 'Seven',
		migrationDate: '2025-03-28',
		timeZone: 'America/Los_Angeles',
	},
	// Kolkata (+5:30): T+0 08:00 = 02:30Z, due.
	{ email: 'u8@example.com', name: 'Eight', migrationDate: '2025-03-29', timeZone: 'Asia/Kolkata' },
	// Migrated long ago: T+1 (03-21 09:00Z) is 8 days late: nothing goes out.
	{ email: 'u9@example.com', name: 'Nine', migrationDate: '2025-03-20', timeZone: 'Europe/Berlin' },
	// Auckland (NZDT, +13): T-1 09:00 on 03-29 = 03-28 20:00Z, due; T+0 = 03-29 19:00Z, not yet.
	{
		email: 'u10@example.com',
		name: 'Ten',
		migrationDate: '2025-03-30',
		timeZone: 'Pacific/Auckland',
	},
];

const DUE = [
	'u1@example.com T-1',
	'u3@example.com T+0',
	'u6@example.com T-7',
	'u7@example.com T+0',
	'u8@example.com T+0',
	'u10@example.com T-1',
];

const EXPECTED: Record<string, string> = {
	'u1@example.com T-7': 'skipped',
	'u1@example.com T-1': 'sent',
	'u1@example.com T+0': 'not due',
	'u1@example.com T+1': 'not due',
	'u2@example.com T-7': 'skipped',
	'u2@example.com T-1': 'not due',
	'u2@example.com T+0': 'not due',
	'u2@example.com T+1': 'not due',
	'u3@example.com T-7': 'skipped',
	'u3@example.com T-1': 'skipped',
	'u3@example.com T+0': 'sent',
	'u3@example.com T+1': 'not due',
	'u4@example.com T-7': 'not due',
	'u4@example.com T-1': 'not due',
	'u4@example.com T+0': 'not due',
	'u4@example.com T+1': 'not due',
	'u5@example.com T-7': 'not due',
	'u5@example.com T-1': 'not due',
	'u5@example.com T+0': 'not due',
	'u5@example.com T+1': 'not due',
	'u6@example.com T-7': 'sent',
	'u6@example.com T-1': 'not due',
	'u6@example.com T+0': 'not due',
	'u6@example.com T+1': 'not due',
	'u7@example.com T-7': 'skipped',
	'u7@example.com T-1': 'skipped',
	'u7@example.com T+0': 'sent',
	'u7@example.com T+1': 'not due',
	'u8@example.com T-7': 'skipped',
	'u8@example.com T-1': 'skipped',
	'u8@example.com T+0': 'sent',
	'u8@example.com T+1': 'not due',
	'u9@example.com T-7': 'skipped',
	'u9@example.com T-1': 'skipped',
	'u9@example.com T+0': 'skipped',
	'u9@example.com T+1': 'skipped',
	'u10@example.com T-7': 'skipped',
	'u10@example.com T-1': 'sent',
	'u10@example.com T+0': 'not due',
	'u10@example.com T+1': 'not due',
};

describe('Notify CRM through a webhook', () => {
	let receiver: WebhookReceiver;
	let dir: string;
	let ledger: string;

	beforeEach(async () => {
		receiver = await startWebhookReceiver();
		dir = fs.mkdtempSync(path.join(os.tmpdir(), 'notify-crm-'));
		ledger = path.join(dir, 'ledger.sqlite');
	});

	afterEach(async () => {
		await receiver.stop();
		fs.rmSync(dir, { recursive: true, force: true });
	});

	const send = (overrides: Partial<NotifyRunOptions> = {}, asOf = AS_OF) =>
		runNotify({
			operation: 'send',
			rows: ROSTER as unknown as IDataObject[],
			...overrides,
			parameters: {
				url: receiver.url,
				authentication: 'httpBearerAuth',
				signRequests: true,
				options: { asOf, path: ledger },
				...overrides.parameters,
			},
			credentials: {
				httpBearerAuth: { token: BEARER },
				webhookSigningSecret: { secret: HMAC_SECRET, header: 'X-Signature-256' },
				...overrides.credentials,
			},
		});

	it('sends exactly the due stages of ten users in ten zones, signed and keyed; a rerun sends none', async () => {
		const first = await send();
		expect(statusesOf(first)).toEqual(EXPECTED);
		const u1 = first.filter((item) => item.email === 'u1@example.com');
		expect(u1.map((item) => item.dueAt)).toEqual([
			'2025-03-23T08:00:00.000Z',
			'2025-03-29T08:00:00.000Z',
			'2025-03-30T06:00:00.000Z',
			'2025-03-31T08:00:00.000Z',
		]);
		expect(
			first.find((item) => item.email === 'u4@example.com' && item.stage === 'T-1')?.dueAt,
		).toBe('2025-04-05T23:00:00.000Z');
		expect(
			first.find((item) => item.email === 'u2@example.com' && item.stage === 'T-7')?.reason,
		).toMatch(/^5 days late/);

		const requests = receiver.requests();
		const arrived = requests.map((request) => {
			const body = JSON.parse(request.body) as IDataObject;
			return `${body.email} ${body.stage}`;
		});
		expect(arrived.sort()).toEqual([...DUE].sort());
		for (const request of requests) {
			const body = JSON.parse(request.body) as IDataObject;
			const output = first.find((item) => item.email === body.email && item.stage === body.stage);
			expect(WebhookReceiver.signatureValid(request, HMAC_SECRET)).toBe(true);
			expect(request.headers.authorization).toBe(`Bearer ${BEARER}`);
			expect(request.idempotencyKey).toMatch(/^ncrm-[0-9a-f]{40}$/);
			expect(request.idempotencyKey).toBe(output?.idempotencyKey);
			expect(body).toMatchObject({
				idempotencyKey: request.idempotencyKey,
				migration: 'wave-1',
				name: expect.any(String),
			});
			expect(output).toMatchObject({
				status: 'sent',
				reference: expect.stringMatching(/^msg-\d+$/),
				attempt: 1,
				waits: 0,
			});
		}
		// A body signed with another secret does not verify.
		expect(WebhookReceiver.signatureValid(requests[0], 'another secret')).toBe(false);

		const rerun = await send();
		expect(receiver.requests()).toHaveLength(DUE.length);
		expect(
			Object.entries(statusesOf(rerun))
				.filter(([, status]) => status === 'already sent')
				.map(([key]) => key)
				.sort(),
		).toEqual([...DUE].sort());

		// The next morning (Berlin's T+0 is past, in CEST): only the stages due now go out; T-1 stays "already sent".
		const later = await send({}, '2025-03-30T07:00:00.000Z');
		const sentLater = later
			.filter((item) => item.status === 'sent')
			.map((item) => `${item.email} ${item.stage}`);
		expect(sentLater.sort()).toEqual(
			[
				'u1@example.com T+0',
				'u10@example.com T+0',
				'u2@example.com T-1',
				'u3@example.com T+1',
				'u8@example.com T+1',
				// UTC's T-7 (03-29 09:00Z) and Los Angeles' T+1 (03-29 17:00Z) are within their 24 h.
				'u5@example.com T-7',
				'u7@example.com T+1',
			].sort(),
		);
		expect(statusesOf(later)['u1@example.com T-1']).toBe('already sent');
		const keys = receiver.requests().map((request) => request.idempotencyKey);
		expect(new Set(keys).size).toBe(keys.length);
	});

	it('waits out a 429 for as long as Retry-After asks, then sends once', async () => {
		receiver.answerNext({
			status: 429,
			headers: { 'Retry-After': '1' },
			body: '{"error":"slow down"}',
		});
		const output = await send({ rows: [ROSTER[0]] as unknown as IDataObject[] });
		const [refused, accepted] = receiver.requests();
		expect(receiver.requests()).toHaveLength(2);
		expect(refused.status).toBe(429);
		expect(accepted.status).toBe(200);
		expect(accepted.idempotencyKey).toBe(refused.idempotencyKey);
		// A lower bound only: the retry came no sooner than the hint.
		expect(accepted.receivedAt - refused.answeredAt).toBeGreaterThanOrEqual(1000);
		expect(output.find((item) => item.stage === 'T-1')).toMatchObject({ status: 'sent', waits: 1 });
	});

	it('a refusal fails that user only; the next run sends it with the same key', async () => {
		receiver.answerNext({
			status: 500,
			body: `{"error":"database down","echo":"Bearer ${BEARER}"}`,
		});
		const first = await send();
		const failed = first.filter((item) => item.status === 'failed');
		expect(failed).toHaveLength(1);
		expect(failed[0]).toMatchObject({
			email: 'u1@example.com',
			stage: 'T-1',
			error: 'the webhook answered HTTP 500',
			providerAnswer: expect.stringContaining('database down'),
		});
		expect(JSON.stringify(first)).not.toContain(BEARER);
		expect(failed[0].providerAnswer).toContain('[redacted]');
		expect(first.filter((item) => item.status === 'sent')).toHaveLength(DUE.length - 1);

		const second = await send();
		expect(
			second.find((item) => item.email === 'u1@example.com' && item.stage === 'T-1'),
		).toMatchObject({
			status: 'sent',
			attempt: 2,
			idempotencyKey: failed[0].idempotencyKey,
		});
		expect(receiver.deliveries()).toHaveLength(DUE.length);
	});

	it('two overlapping runs send each stage once: the second skips what the first is sending', async () => {
		const rows = [ROSTER[0], ROSTER[2]] as unknown as IDataObject[];
		const hold = receiver.holdNext();
		const runA = send({ rows, executionId: 'run-a' });
		const held = await hold.reached;
		expect(JSON.parse(held.body)).toMatchObject({ email: 'u1@example.com', stage: 'T-1' });
		const runB = await send({ rows, executionId: 'run-b' });
		expect(
			runB.find((item) => item.email === 'u1@example.com' && item.stage === 'T-1'),
		).toMatchObject({
			status: 'skipped',
			reason: expect.stringMatching(
				/^being sent by another run \(notify-crm run-a on .*\), whose claim lasts until /,
			),
		});
		expect(
			runB.find((item) => item.email === 'u3@example.com' && item.stage === 'T+0')?.status,
		).toBe('sent');
		hold.release();
		const outputA = await runA;
		expect(
			outputA.find((item) => item.email === 'u1@example.com' && item.stage === 'T-1')?.status,
		).toBe('sent');
		expect(
			outputA.find((item) => item.email === 'u3@example.com' && item.stage === 'T+0')?.status,
		).toBe('already sent');
		expect(receiver.requests()).toHaveLength(2);
		expect(receiver.deliveries()).toHaveLength(2);
	});

	it('Plan Only hands each due message out once, Mark Sent records it, and Send then sends none', async () => {
		const plan = await runNotify({
			operation: 'planOnly',
			rows: ROSTER as unknown as IDataObject[],
			parameters: { options: { asOf: AS_OF, path: ledger, claimMinutes: 60 } },
		});
		expect(plan.map((item) => `${item.email} ${item.stage}`).sort()).toEqual([...DUE].sort());
		const u3 = plan.find((item) => item.email === 'u3@example.com');
		expect(u3).toMatchObject({
			status: 'due',
			subject: 'Your mailbox has moved',
			body: 'Hello Three, it has moved.',
			idempotencyKey: expect.stringMatching(/^ncrm-/),
			claimedUntil: expect.any(String),
		});
		// A second plan while the first is being sent hands out nothing.
		const again = await runNotify({
			operation: 'planOnly',
			rows: ROSTER as unknown as IDataObject[],
			parameters: { options: { asOf: AS_OF, path: ledger } },
		});
		expect(again).toEqual([]);

		// Another node sent them; Mark Sent gets the Plan Only items (its defaults read $json.email and $json.stage).
		const marked = await runNotify({
			operation: 'markSent',
			rows: plan,
			parameters: { providerReference: 'hubspot-1', options: { path: ledger } },
		});
		expect(marked.map((item) => item.status)).toEqual(plan.map(() => 'sent'));
		expect(marked.map((item) => item.idempotencyKey)).toEqual(
			plan.map((item) => item.idempotencyKey),
		);
		const remarked = await runNotify({
			operation: 'markSent',
			rows: plan,
			parameters: { options: { path: ledger } },
		});
		expect(
			remarked.every(
				(item) => item.status === 'already sent' && item.providerReference === 'hubspot-1',
			),
		).toBe(true);

		const sent = await send();
		expect(receiver.requests()).toHaveLength(0);
		expect(sent.filter((item) => item.status === 'already sent')).toHaveLength(DUE.length);
	});

	it('escapes roster values in a body template by content type: a form value or XML text stays one value', async () => {
		const hostile = { ...ROSTER[0], name: 'x&role=admin' };
		const template = (contentType: string, bodyTemplate: string) => ({
			parameters: { bodyMode: 'template', contentType, bodyTemplate, signRequests: false },
		});
		await send({
			rows: [hostile] as unknown as IDataObject[],
			...template('application/x-www-form-urlencoded', 'email={email}&name={name}&stage={stage}'),
		});
		const [form] = receiver.requests();
		expect(form.headers['content-type']).toBe('application/x-www-form-urlencoded');
		const fields = new URLSearchParams(form.body);
		expect([...fields.keys()]).toEqual(['email', 'name', 'stage']);
		expect(fields.get('name')).toBe('x&role=admin');

		const markup = { ...ROSTER[2], name: '</name><role>admin</role>' };
		await send({
			rows: [markup] as unknown as IDataObject[],
			...template('application/xml', '<notice><name>{name}</name><stage>{stage}</stage></notice>'),
		});
		const xml = receiver.requests()[1];
		expect(xml.body).toBe(
			'<notice><name>&lt;/name&gt;&lt;role&gt;admin&lt;/role&gt;</name><stage>T+0</stage></notice>',
		);

		// A content type without escaping rules takes no placeholders: the item fails, nothing is sent.
		await expect(
			send({
				rows: [ROSTER[7]] as unknown as IDataObject[],
				...template('text/csv', '{email},{name}'),
			}),
		).rejects.toThrow(/^The webhook settings are not usable .*escaped only for .*"text\/csv"/);
		expect(receiver.requests()).toHaveLength(2);
	});

	it('a user with a bad zone or date is that item’s error; the others are sent', async () => {
		const rows = [
			{ ...ROSTER[0], timeZone: 'Europe/Atlantis' },
			{ ...ROSTER[2], migrationDate: '' },
			ROSTER[7],
		] as unknown as IDataObject[];
		const output = await send({ rows, continueOnFail: true });
		expect(output.filter((item) => 'error' in item)).toEqual([
			{
				email: 'u1@example.com',
				error:
					'User u1@example.com: "Europe/Atlantis" is not an IANA time zone (e.g. Europe/Berlin)',
			},
			{
				email: 'u3@example.com',
				error:
					'User u3@example.com: the migration date is missing (expected YYYY-MM-DD or an ISO 8601 date-time)',
			},
		]);
		expect(
			output.find((item) => item.email === 'u8@example.com' && item.stage === 'T+0')?.status,
		).toBe('sent');
		await expect(send({ rows: rows.slice(0, 1) })).rejects.toThrow(
			/User u1@example.com: "Europe\/Atlantis"/,
		);
	});

	it('keeps the HMAC key and the credential values out of outputs and errors, also when the receiver echoes them', async () => {
		receiver.answerNext({
			status: 401,
			body: `{"error":"token ${BEARER} refused, key ${HMAC_SECRET}"}`,
		});
		const output = await send({ rows: [ROSTER[0], ROSTER[2]] as unknown as IDataObject[] });
		const text = JSON.stringify(output);
		expect(output.find((item) => item.status === 'failed')?.providerAnswer).toMatch(
			/HTTP 401: .*\[redacted\]/,
		);
		for (const secret of [BEARER, HMAC_SECRET]) expect(text).not.toContain(secret);
		// The ledger file keeps no secret and no message content either.
		const file =
			fs.readFileSync(ledger).toString('latin1') +
			(fs.existsSync(`${ledger}-wal`) ? fs.readFileSync(`${ledger}-wal`).toString('latin1') : '');
		for (const secret of [BEARER, HMAC_SECRET, 'it has moved']) expect(file).not.toContain(secret);
	});
});
