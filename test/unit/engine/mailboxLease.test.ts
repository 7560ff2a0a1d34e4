import { spawnSync } from 'node:child_process';

import { MailboxLeaseLostError, openLedger, type LedgerStore } from '../../../nodes/lib/ledger';
import {
	HeldMailboxLease,
	type LeaseRefusal,
} from '../../../nodes/lib/migration/mailbox/mailboxLease';
import { newOwnerId } from '../../../nodes/lib/migration/migrateMailbox';
import { ACCOUNT, MIGRATION, intent, tempLedgerDir } from '../ledger/ledgerFixtures';

/** An owner id of this host and process space whose process has exited. */
function deadOwnerId(): string {
	const gonePid = spawnSync(process.execPath, ['-e', '0']).pid as number;
	return newOwnerId('test').replace(`:${process.pid}:`, `:${gonePid}:`);
}

function held(taken: HeldMailboxLease | LeaseRefusal): HeldMailboxLease {
	if (!(taken instanceof HeldMailboxLease)) throw new Error(`not taken: ${taken.reason}`);
	return taken;
}

describe('HeldMailboxLease', () => {
	const dir = tempLedgerDir();
	let ledger: LedgerStore;
	const leaseRequest = (owner: string) => ({
		ledger,
		migrationId: MIGRATION,
		account: ACCOUNT,
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
		const lease = held(await HeldMailboxLease.take(leaseRequest(newOwnerId('test'))));
		const other = await ledger.acquireMailboxLock(MIGRATION, ACCOUNT, 'someone-else', 60_000);
		expect(other.acquired).toBe(false);

		await lease.release();
		const after = await ledger.acquireMailboxLock(MIGRATION, ACCOUNT, 'someone-else', 60_000);
		expect(after.acquired).toBe(true);
	});

	it('says which run holds the mailbox, by name, row, host and process', async () => {
		const other = `${newOwnerId('n8n-execution-12')}/3`;
		await ledger.acquireMailboxLock(MIGRATION, ACCOUNT, other, 60_000);
		const refusal = await HeldMailboxLease.take(leaseRequest(newOwnerId('test')));
		expect(refusal).toEqual({
			reason: expect.stringMatching(
				/^locked: the mailbox is being migrated by n8n-execution-12 \(row 3\) on .+, process \d+ \(lease until .+\); nothing was written$/,
			),
		});
	});

	it('keeps out a second job that uses the same owner id', async () => {
		const owner = newOwnerId('test');
		const lease = held(await HeldMailboxLease.take(leaseRequest(owner)));
		expect(await HeldMailboxLease.take(leaseRequest(owner))).not.toBeInstanceOf(HeldMailboxLease);
		await lease.release();
	});

	it('takes over the lease of a process of this host that is gone', async () => {
		const deadOwner = deadOwnerId();
		await ledger.acquireMailboxLock(MIGRATION, ACCOUNT, deadOwner, 60_000);
		const warnings: string[] = [];
		const lease = held(
			await HeldMailboxLease.take({
				...leaseRequest(newOwnerId('test')),
				logger: { debug: () => undefined, info: () => undefined, warn: (m) => warnings.push(m) },
			}),
		);
		expect(warnings).toEqual([expect.stringContaining(`lock of ${deadOwner}`)]);
		const other = await ledger.acquireMailboxLock(MIGRATION, ACCOUNT, deadOwner, 60_000);
		expect(other.acquired).toBe(false);
		await lease.release();
	});

	it('stops the job once a write-ahead batch finds the lease taken', async () => {
		const owner = newOwnerId('test');
		const lease = held(await HeldMailboxLease.take(leaseRequest(owner)));
		const guarded = lease.guard(ledger);
		await guarded.recordIntents([intent(1)]);
		expect(lease.lostSignal.aborted).toBe(false);

		const thief = `${newOwnerId('n8n-execution-5')}/1`;
		await ledger.acquireMailboxLock(MIGRATION, ACCOUNT, thief, 60_000, owner);
		await expect(guarded.recordIntents([intent(2)])).rejects.toBeInstanceOf(MailboxLeaseLostError);
		expect(lease.lostSignal.aborted).toBe(true);
		expect(lease.lostReason).toMatch(/taken over by n8n-execution-5 \(row 1\)/);
		// Everything else reaches the ledger as before.
		expect(await guarded.countsByStatus(MIGRATION, ACCOUNT)).toMatchObject({ pending: 1 });
		await lease.release();
	});

	it('renews the lease in the background until it stops renewing', async () => {
		jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate'] });
		try {
			const renew = jest.spyOn(ledger, 'renewMailboxLock');
			const lease = held(await HeldMailboxLease.take(leaseRequest(newOwnerId('test'))));
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
