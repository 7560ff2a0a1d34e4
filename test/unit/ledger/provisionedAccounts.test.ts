import { LedgerInputError, openLedger, type LedgerStore } from '../../../nodes/lib/ledger';
import { MIGRATION, tempLedgerDir } from './ledgerFixtures';

describe('provisioned accounts in the SQLite ledger', () => {
	const dir = tempLedgerDir();
	let ledger: LedgerStore;
	const key = { migrationId: MIGRATION, provider: 'microsoft365', account: 'anna@contoso.example' };

	beforeEach(async () => {
		ledger = await openLedger({
			kind: 'sqlite',
			path: dir.path(`${Date.now()}-${Math.random()}.sqlite`),
		});
	});

	afterEach(async () => {
		await ledger.close();
	});

	afterAll(() => dir.remove());

	it('records an account, replaces its state and keeps when it was first recorded', async () => {
		expect(await ledger.getProvisionedAccount(key)).toBeNull();
		await ledger.recordProvisionedAccount({
			...key,
			state: 'creating',
			outcome: 'created',
			changes: [],
			objectId: null,
			resumesAt: null,
		});
		const first = await ledger.getProvisionedAccount(key);
		const changes = [{ field: 'licence', before: null, after: 'ENTERPRISEPACK' }];
		await ledger.recordProvisionedAccount({
			...key,
			state: 'provisioning',
			outcome: 'created',
			changes,
			objectId: 'id-1',
			resumesAt: '2030-01-01T00:05:00.000Z',
		});
		const second = await ledger.getProvisionedAccount(key);
		expect(second).toMatchObject({
			state: 'provisioning',
			outcome: 'created',
			changes,
			objectId: 'id-1',
			resumesAt: '2030-01-01T00:05:00.000Z',
			createdAt: first?.createdAt,
		});
		expect(await ledger.getProvisionedAccount({ ...key, provider: 'ldap' })).toBeNull();
		expect(await ledger.getProvisionedAccount({ ...key, migrationId: 'other' })).toBeNull();
	});

	it('refuses a record without an account or with an unknown state', async () => {
		const record = {
			...key,
			state: 'done' as const,
			outcome: 'unchanged' as const,
			changes: [],
			objectId: null,
			resumesAt: null,
		};
		await expect(ledger.recordProvisionedAccount({ ...record, account: '' })).rejects.toThrow(
			LedgerInputError,
		);
		await expect(
			ledger.recordProvisionedAccount({ ...record, state: 'bogus' as never }),
		).rejects.toThrow(LedgerInputError);
	});

	it('claims a creating row for one owner at a time until it is recorded, released or expired', async () => {
		const claim = (owner: string, extra: object = {}) =>
			ledger.claimProvisionedAccount({ ...key, owner, ttlMs: 60_000, ...extra });
		const first = await claim('run-a');
		expect(first).toMatchObject({ claimed: true, earlier: null });
		expect(await ledger.getProvisionedAccount(key)).toMatchObject({
			state: 'creating',
			outcome: 'created',
			owner: 'run-a',
		});
		// Held: by another owner, and by the same owner again (a second item of one batch).
		for (const owner of ['run-b', 'run-a']) {
			expect(await claim(owner)).toMatchObject({ claimed: false, heldBy: 'run-a' });
		}
		// An owner found dead is replaced.
		expect(await claim('run-b', { replacing: 'run-a' })).toMatchObject({
			claimed: true,
			earlier: { owner: 'run-a' },
		});
		// Released: still creating, but anyone may take it over.
		await ledger.releaseProvisionedAccount(key, 'run-a');
		expect((await ledger.getProvisionedAccount(key))?.owner).toBe('run-b');
		await ledger.releaseProvisionedAccount(key, 'run-b');
		expect(await ledger.getProvisionedAccount(key)).toMatchObject({
			state: 'creating',
			owner: null,
			claimExpiresAt: null,
		});
		expect(await claim('run-c', { creatingOnly: true })).toMatchObject({ claimed: true });
		// Recorded: the claim ends with it; a takeover of a row no longer creating is refused with the row.
		await ledger.recordProvisionedAccount({
			...key,
			state: 'done',
			outcome: 'created',
			changes: [],
			objectId: 'id-1',
			resumesAt: null,
		});
		expect(await ledger.getProvisionedAccount(key)).toMatchObject({ state: 'done', owner: null });
		expect(await claim('run-d', { creatingOnly: true })).toMatchObject({
			claimed: false,
			current: { state: 'done', objectId: 'id-1' },
		});
		// Without creatingOnly (the account is gone from the directory and is created again) it is claimed.
		expect(await claim('run-d')).toMatchObject({ claimed: true, earlier: { state: 'done' } });
	});

	it('takes over an expired claim', async () => {
		await ledger.claimProvisionedAccount({ ...key, owner: 'run-a', ttlMs: 1 });
		const held = await ledger.getProvisionedAccount(key);
		// Expired the moment its expiry lies in the past: waited for by the clock the claim compares with.
		while (Date.now() <= Date.parse(String(held?.claimExpiresAt))) await Promise.resolve();
		expect(
			await ledger.claimProvisionedAccount({ ...key, owner: 'run-b', ttlMs: 60_000 }),
		).toMatchObject({ claimed: true, earlier: { owner: 'run-a' } });
	});
});
