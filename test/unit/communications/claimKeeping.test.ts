/**
 * sendStage against a provider that another run overtakes between two of its requests (the ledger's claim taken over
 * as after this process stalled past its expiry): the send stops before its next request and says who has the stage.
 * The provider stands in for a slow one only in when it asks to go on; the ledger is the real SQLite one.
 */
import { openLedger, type LedgerStore } from '../../../nodes/lib/ledger';
import type {
	CommunicationProvider,
	OutgoingMessage,
	SendControl,
} from '../../../nodes/lib/communications/provider';
import { keysOf, sendStage } from '../../../nodes/lib/communications/sendStages';

const message: OutgoingMessage = {
	migrationId: 'wave-1',
	recipient: 'alice@example.com',
	name: 'Alice',
	stage: 'T-1',
	subject: 's',
	body: 'b',
	idempotencyKey: '',
	dueAt: '2025-03-29T08:00:00.000Z',
	migrationDate: '2025-03-30',
	timeZone: 'UTC',
};

describe('a stage whose claim another run takes over mid-send', () => {
	let store: LedgerStore;

	beforeEach(async () => {
		store = await openLedger({ kind: 'sqlite', path: ':memory:' });
	});

	afterEach(async () => {
		await store.close();
	});

	/** Two requests, and between them run B takes the claim over (naming run A as dead). */
	function overtakenProvider(requests: string[]): CommunicationProvider {
		return {
			async send(_: OutgoingMessage, control: SendControl = {}) {
				await control.beforeEachStep?.();
				requests.push('find the contact');
				const { key, idempotencyKey } = keysOf(message);
				await store.claimCommunication({
					...key,
					idempotencyKey,
					owner: 'run-b',
					ttlMs: 60_000,
					scheduledFor: null,
					replacing: 'run-a',
				});
				await control.beforeEachStep?.();
				requests.push('send the email');
				return { reference: 'x', duplicate: false, waits: 0 };
			},
		};
	}

	it('stops before its next request and reports the stage as being sent by the other run', async () => {
		const requests: string[] = [];
		const outcome = await sendStage(store, overtakenProvider(requests), message, {
			owner: 'run-a',
			claimTtlMs: 60_000,
			scheduledFor: null,
		});
		expect(requests).toEqual(['find the contact']);
		expect(outcome).toMatchObject({
			status: 'skipped',
			reason: expect.stringMatching(
				/^being sent by another run \(run-b\), which took the claim over/,
			),
		});
		// Run B's claim is left as it is: run A records neither a failure nor a send.
		expect(await store.getCommunication(keysOf(message).key)).toMatchObject({
			status: 'claimed',
			owner: 'run-b',
			lastError: null,
		});
	});

	it('renews the claim at each step, so it outlasts its Claim For while the provider goes on', async () => {
		const expiries: number[] = [];
		const provider: CommunicationProvider = {
			async send(_: OutgoingMessage, control: SendControl = {}) {
				for (let step = 0; step < 3; step++) {
					await control.beforeEachStep?.();
					const record = await store.getCommunication(keysOf(message).key);
					expiries.push(Date.parse(record?.claimExpiresAt ?? ''));
					await new Promise((resolve) => setTimeout(resolve, 10));
				}
				return { reference: 'x', duplicate: false, waits: 0 };
			},
		};
		const outcome = await sendStage(store, provider, message, {
			owner: 'run-a',
			claimTtlMs: 60_000,
			scheduledFor: null,
		});
		expect(outcome).toMatchObject({ status: 'sent' });
		expect(expiries[1]).toBeGreaterThan(expiries[0]);
		expect(expiries[2]).toBeGreaterThan(expiries[1]);
	});
});
