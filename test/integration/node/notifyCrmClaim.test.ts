/**
 * A Notify CRM claim outlives the provider's waits: a stage whose webhook asks (429, Retry-After) to wait longer than
 * Claim For keeps its claim through the wait, so an overlapping run skips it instead of sending it a second time.
 * Driven by the receiver's script and hold, not by the clock: the held request comes only after the wait, so the
 * claim as first taken has expired by then.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { IDataObject } from 'n8n-workflow';

import { openLedger } from '../../../nodes/lib/ledger';
import { startWebhookReceiver, type WebhookReceiver } from '../../harness/webhookReceiver';
import { runNotify, type NotifyRunOptions } from './notifyCrmFixtures';

const AS_OF = '2025-03-29T08:30:00.000Z';
const ROW = {
	email: 'u1@example.com',
	name: 'One',
	migrationDate: '2025-03-30',
	timeZone: 'Europe/Berlin',
};
/**
 * Claim For of 6 s, renewed every 2 s: a renewal comes 4 s before the claim would lapse, a margin no busy machine's
 * scheduling eats. The receiver asks to wait 7 s, longer than the claim.
 */
const CLAIM_MINUTES = 0.1;
const WAIT_SECONDS = 7;
const CLAIM_MS = CLAIM_MINUTES * 60_000;

describe('Notify CRM keeps a stage claimed while its provider asks to wait', () => {
	let receiver: WebhookReceiver;
	let dir: string;
	let ledger: string;

	beforeEach(async () => {
		receiver = await startWebhookReceiver();
		dir = fs.mkdtempSync(path.join(os.tmpdir(), 'notify-claim-'));
		ledger = path.join(dir, 'ledger.sqlite');
	});

	afterEach(async () => {
		await receiver.stop();
		fs.rmSync(dir, { recursive: true, force: true });
	});

	const send = (executionId: string) =>
		runNotify({
			operation: 'send',
			rows: [ROW] as unknown as IDataObject[],
			executionId,
			parameters: {
				url: receiver.url,
				options: { asOf: AS_OF, path: ledger, claimMinutes: CLAIM_MINUTES },
			},
		} satisfies NotifyRunOptions);

	it('a run that waits out a Retry-After longer than Claim For is not overtaken: the stage arrives once', async () => {
		receiver.answerNext({
			status: 429,
			headers: { 'Retry-After': String(WAIT_SECONDS) },
			body: '{}',
		});
		const hold = receiver.holdNext();
		const runA = send('run-a');
		// Run A's second try: it came after the wait, so its claim as first taken has run out.
		const retried = await hold.reached;
		const [refused] = receiver.requests();
		expect(retried.receivedAt - refused.answeredAt).toBeGreaterThanOrEqual(WAIT_SECONDS * 1000);

		const store = await openLedger({ kind: 'sqlite', path: ledger });
		const record = await store.getCommunication({
			migrationId: 'wave-1',
			recipient: 'u1@example.com',
			stage: 'T-1',
		});
		await store.close();
		expect(record).toMatchObject({ status: 'claimed', owner: expect.stringContaining('run-a') });
		// Renewed: it lasts beyond what the first claim could (taken before the first request).
		expect(Date.parse(record?.claimExpiresAt ?? '')).toBeGreaterThan(refused.receivedAt + CLAIM_MS);

		const runB = await send('run-b');
		expect(runB.find((item) => item.stage === 'T-1')).toMatchObject({
			status: 'skipped',
			reason: expect.stringMatching(/^being sent by another run \(notify-crm run-a on /),
		});
		hold.release();
		const outputA = await runA;
		expect(outputA.find((item) => item.stage === 'T-1')).toMatchObject({
			status: 'sent',
			waits: 1,
		});
		expect(receiver.requests()).toHaveLength(2);
		expect(receiver.deliveries()).toHaveLength(1);
	});
});
