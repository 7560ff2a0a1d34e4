import { openLedger, type LedgerStore } from '../../../nodes/lib/ledger';

const key = { migrationId: 'wave-1', recipient: 'alice@example.com', stage: 'T-1' };
const claimOf = (owner: string, ttlMs = 60_000, replacing?: string) => ({
	...key,
	idempotencyKey: 'ncrm-1',
	owner,
	ttlMs,
	scheduledFor: '2025-03-30',
	replacing,
});

describe('the send ledger of communications (SQLite)', () => {
	let store: LedgerStore;

	beforeEach(async () => {
		store = await openLedger({ kind: 'sqlite', path: ':memory:' });
	});

	afterEach(async () => {
		await store.close();
	});

	it('gives a stage to one owner at a time, then never again once sent', async () => {
		const first = await store.claimCommunication(claimOf('run-a'));
		expect(first).toMatchObject({ claimed: true, claim: { attempt: 1, owner: 'run-a' } });
		expect(await store.claimCommunication(claimOf('run-b'))).toMatchObject({
			claimed: false,
			heldBy: 'run-a',
		});
		await store.recordCommunicationSent({
			...key,
			idempotencyKey: 'ncrm-1',
			owner: 'run-a',
			providerReference: 'msg-1',
		});
		const again = await store.claimCommunication(claimOf('run-b'));
		expect(again).toMatchObject({
			claimed: false,
			sent: { status: 'sent', providerReference: 'msg-1' },
		});
		// A second record keeps the first reference and time.
		const before = await store.getCommunication(key);
		await store.recordCommunicationSent({
			...key,
			idempotencyKey: 'ncrm-1',
			owner: 'run-b',
			providerReference: 'msg-2',
		});
		expect(await store.getCommunication(key)).toEqual(before);
	});

	it('lets another owner take an expired claim, or the claim of a holder it names as dead', async () => {
		await store.claimCommunication(claimOf('run-a', 1));
		await new Promise((resolve) => setTimeout(resolve, 5));
		expect(await store.claimCommunication(claimOf('run-b'))).toMatchObject({
			claimed: true,
			claim: { attempt: 2 },
		});
		expect(await store.claimCommunication(claimOf('run-c'))).toMatchObject({
			claimed: false,
			heldBy: 'run-b',
		});
		expect(await store.claimCommunication(claimOf('run-c', 60_000, 'run-b'))).toMatchObject({
			claimed: true,
			claim: { attempt: 3, owner: 'run-c' },
		});
	});

	it('releases a failed claim with the answer kept, and only for its holder', async () => {
		const attempt = await store.claimCommunication(claimOf('run-a'));
		if (!attempt.claimed) throw new Error('not claimed');
		expect(
			await store.recordCommunicationFailed({ ...attempt.claim, token: 'someone else' }, 'x'),
		).toBe(false);
		expect(await store.recordCommunicationFailed(attempt.claim, 'HTTP 500: boom')).toBe(true);
		expect(await store.getCommunication(key)).toMatchObject({
			status: 'failed',
			lastError: 'HTTP 500: boom',
		});
		expect(await store.claimCommunication(claimOf('run-b'))).toMatchObject({ claimed: true });
		expect((await store.listCommunications('wave-1')).map((record) => record.attempts)).toEqual([
			2,
		]);
	});
});
