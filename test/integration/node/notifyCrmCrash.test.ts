/**
 * kill -9 between the provider's answer and the ledger's record: a Send in a child process kills itself right after
 * the webhook accepted its first stage. The rerun finds the stage claimed by a process that no longer exists, takes the
 * claim over and sends again with the same Idempotency-Key; the receiver, deduplicating by it, delivers nothing twice.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { IDataObject } from 'n8n-workflow';

import { openLedger } from '../../../nodes/lib/ledger';
import { compiledScript } from '../../harness/compiledScripts';
import { startWebhookReceiver, type WebhookReceiver } from '../../harness/webhookReceiver';
import { runNotify, type NotifyRunOptions } from './notifyCrmFixtures';

const AS_OF = '2025-03-29T08:30:00.000Z';
const SECRET = 'crash-test-hmac-secret-0123';

const ROWS: IDataObject[] = [
	{ email: 'u1@example.com', name: 'One', migrationDate: '2025-03-30', timeZone: 'Europe/Berlin' },
	{ email: 'u3@example.com', name: 'Three', migrationDate: '2025-03-29', timeZone: 'Asia/Tokyo' },
	{ email: 'u8@example.com', name: 'Eight', migrationDate: '2025-03-29', timeZone: 'Asia/Kolkata' },
];

function runChild(
	script: string,
	configFile: string,
): Promise<{ signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
	return new Promise((resolve) => {
		const child = spawn(process.execPath, [script, configFile], {
			env: { ...process.env, NOTIFY_CRM_FAILPOINT: 'afterAnswer' },
		});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
		child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		child.on('close', (_code, signal) => resolve({ signal, stdout, stderr }));
	});
}

describe('kill -9 between the webhook’s answer and the ledger’s record', () => {
	let receiver: WebhookReceiver;
	let dir: string;
	let script: string;

	beforeAll(async () => {
		script = await compiledScript('test/tools/notifyCrmSend.ts');
	}, 180_000);

	beforeEach(async () => {
		receiver = await startWebhookReceiver();
		receiver.dedupByIdempotencyKey = true;
		dir = fs.mkdtempSync(path.join(os.tmpdir(), 'notify-crash-'));
	});

	afterEach(async () => {
		await receiver.stop();
		fs.rmSync(dir, { recursive: true, force: true });
	});

	it('sends nothing twice: the rerun repeats the key, the receiver replays, and the ledger converges', async () => {
		const ledger = path.join(dir, 'ledger.sqlite');
		const config: Omit<NotifyRunOptions, 'operation'> = {
			rows: ROWS,
			parameters: { url: receiver.url, signRequests: true, options: { asOf: AS_OF, path: ledger } },
			credentials: { webhookSigningSecret: { secret: SECRET, header: 'X-Signature-256' } },
		};
		const configFile = path.join(dir, 'config.json');
		fs.writeFileSync(configFile, JSON.stringify(config), { mode: 0o600 });

		const crashed = await runChild(script, configFile);
		expect(crashed.stderr).toBe('');
		expect(crashed.signal).toBe('SIGKILL');
		expect(crashed.stdout).toContain('failpoint: after answer');
		const [delivered] = receiver.requests();
		expect(receiver.requests()).toHaveLength(1);
		expect(delivered.delivered).toBe(true);
		// The ledger knows only that a run took the stage: the answer never reached it.
		const store = await openLedger({ kind: 'sqlite', path: ledger });
		const [record] = await store.listCommunications('wave-1');
		expect(record).toMatchObject({
			status: 'claimed',
			idempotencyKey: delivered.idempotencyKey,
			attempts: 1,
		});
		await store.close();

		const rerun = await runNotify({ ...config, operation: 'send' });
		const sent = rerun.filter((item) => item.status === 'sent');
		expect(sent).toHaveLength(3);
		const repeated = sent.find((item) => item.idempotencyKey === delivered.idempotencyKey);
		expect(repeated).toMatchObject({ duplicate: true, attempt: 2 });
		const requests = receiver.requests();
		expect(requests).toHaveLength(4);
		expect(
			requests
				.filter((request) => request.idempotencyKey === delivered.idempotencyKey)
				.map((request) => request.replayed),
		).toEqual([false, true]);
		// What reached the users: each stage once.
		const keys = receiver.deliveries().map((request) => request.idempotencyKey);
		expect(keys).toHaveLength(3);
		expect(new Set(keys).size).toBe(3);

		const third = await runNotify({ ...config, operation: 'send' });
		expect(third.filter((item) => item.status === 'already sent')).toHaveLength(3);
		expect(receiver.requests()).toHaveLength(4);
	});
});
