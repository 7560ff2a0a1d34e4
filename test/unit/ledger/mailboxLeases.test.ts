import {
	grantLease,
	leaseLoss,
	lockRefusal,
	renewedLease,
} from '../../../nodes/lib/ledger/mailboxLeases';
import { ACCOUNT, MIGRATION } from './ledgerFixtures';

describe('mailbox lease rules', () => {
	const nowMs = Date.UTC(2025, 0, 1);

	it('keeps everyone out until the lease expires, the same owner too', () => {
		expect(lockRefusal('worker-a', nowMs + 1, nowMs)).toEqual({
			acquired: false,
			heldBy: 'worker-a',
			expiresAt: new Date(nowMs + 1).toISOString(),
		});
		expect(lockRefusal('worker-a', nowMs, nowMs)).toBeNull();
	});

	it('lets a caller replace the holder it names (one found dead)', () => {
		expect(lockRefusal('worker-a', nowMs + 60_000, nowMs, 'worker-a')).toBeNull();
		expect(lockRefusal('worker-a', nowMs + 60_000, nowMs, 'worker-b')).not.toBeNull();
	});

	it('grants a fresh token each time and renews only the expiry', () => {
		const first = grantLease(MIGRATION, ACCOUNT, 'worker-a', nowMs + 1000);
		const second = grantLease(MIGRATION, ACCOUNT, 'worker-a', nowMs + 1000);
		expect(first).toEqual({
			migrationId: MIGRATION,
			sourceAccount: ACCOUNT,
			owner: 'worker-a',
			token: expect.any(String),
			expiresAt: new Date(nowMs + 1000).toISOString(),
		});
		expect(second.token).not.toBe(first.token);
		expect(renewedLease(first, nowMs + 5000)).toEqual({
			...first,
			expiresAt: new Date(nowMs + 5000).toISOString(),
		});
	});

	it('counts a lease as lost once its token is not the lock, or it ran out', () => {
		const lease = grantLease(MIGRATION, ACCOUNT, 'worker-a', nowMs + 1000);
		const lock = { owner: 'worker-a', token: lease.token, expiresAtMs: nowMs + 1000 };
		expect(leaseLoss(lease, lock, nowMs)).toBeNull();
		expect(leaseLoss(lease, lock, nowMs + 1000)).toMatchObject({ heldBy: null });
		expect(leaseLoss(lease, null, nowMs)).toMatchObject({ heldBy: null });
		expect(leaseLoss(lease, { ...lock, owner: 'worker-b', token: 'other' }, nowMs)).toMatchObject({
			heldBy: 'worker-b',
			message: 'the mailbox lease was taken over by worker-b',
		});
	});
});
