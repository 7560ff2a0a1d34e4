import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';

import { openLedger, type LedgerStore } from '../../../nodes/lib/ledger';
import { HeldMailboxLease } from '../../../nodes/lib/migration/mailbox/mailboxLease';
import { MailboxSetupError, newOwnerId } from '../../../nodes/lib/migration/migrateMailbox';
import { ACCOUNT, MIGRATION, tempLedgerDir } from '../ledger/ledgerFixtures';

describe('HeldMailboxLease', () => {
	const dir = tempLedgerDir();
	let ledger: LedgerStore;
	const leaseRequest = (owner: string) => ({
		ledger,
		migrationId: MIGRATION,
		sourceAccount: ACCOUNT,
		owner,
		mailbox: 'alice',
	});

	beforeEach(async () => {
		ledger = await openLedger({
			kind: 'sqlite',
			path: dir.path(`${Date.now()}-${Math.random()}.sqlite`),
		});
	});
	afterEach(async () => await ledger.close());
	afterAll(() => dir.remove());

	it('holds the mailbox until released', async () => {
		const lease = await HeldMailboxLease.take(leaseRequest(newOwnerId('test')));
		const other = await ledger.acquireMailboxLock(MIGRATION, ACCOUNT, 'someone-else', 60_000);
		expect(other.acquired).toBe(false);

		await lease.release();
		const after = await ledger.acquireMailboxLock(MIGRATION, ACCOUNT, 'someone-else', 60_000);
		expect(after.acquired).toBe(true);
	});

	it('says which execution holds the mailbox when it is taken', async () => {
		await ledger.acquireMailboxLock(MIGRATION, ACCOUNT, 'worker-a', 60_000);
		const taking = HeldMailboxLease.take(leaseRequest(newOwnerId('test')));
		await expect(taking).rejects.toBeInstanceOf(MailboxSetupError);
		(await expect(taking).rejects.toMatchObject({
			side: 'ledger',
			message: expect.stringContaining('another execution (worker-a'),
		})) as unknown;
	});

	it('takes over the lease of a process of this host that is gone', async () => {
		const gonePid = spawnSync(process.execPath, ['-e', '0']).pid;
		const deadOwner = `test@${hostname()}:${gonePid}:00000000-0000-0000-0000-000000000000`;
		await ledger.acquireMailboxLock(MIGRATION, ACCOUNT, deadOwner, 60_000);
		const warnings: string[] = [];
		const lease = await HeldMailboxLease.take({
			...leaseRequest(newOwnerId('test')),
			logger: { debug: () => undefined, info: () => undefined, warn: (m) => warnings.push(m) },
		});
		expect(warnings).toEqual([expect.stringContaining(`lock of ${deadOwner}`)]);
		const other = await ledger.acquireMailboxLock(MIGRATION, ACCOUNT, deadOwner, 60_000);
		expect(other.acquired).toBe(false);
		await lease.release();
	});

	it('renews the lease in the background until it stops renewing', async () => {
		jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate'] });
		try {
			const renew = jest.spyOn(ledger, 'renewMailboxLock');
			const lease = await HeldMailboxLease.take(leaseRequest(newOwnerId('test')));
			jest.advanceTimersByTime(200_000);
			expect(renew).toHaveBeenCalledTimes(1);
			lease.stopRenewing();
			jest.advanceTimersByTime(600_000);
			expect(renew).toHaveBeenCalledTimes(1);
			await lease.release();
		} finally {
			jest.useRealTimers();
		}
	});
});
