import { grantLease, lockRefusal, renewedLease } from '../../../nodes/lib/ledger/mailboxLeases';
import { ACCOUNT, MIGRATION } from './ledgerFixtures';

describe('mailbox lease rules', () => {
	const nowMs = Date.UTC(2025, 0, 1);

	it('keeps another owner out until the lease expires', () => {
		expect(lockRefusal('worker-a', nowMs + 1, 'worker-b', nowMs)).toEqual({
			acquired: false,
			heldBy: 'worker-a',
			expiresAt: new Date(nowMs + 1).toISOString(),
		});
		expect(lockRefusal('worker-a', nowMs, 'worker-b', nowMs)).toBeNull();
	});

	it('lets the owner take its own unexpired lease over', () => {
		expect(lockRefusal('worker-a', nowMs + 60_000, 'worker-a', nowMs)).toBeNull();
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
});
