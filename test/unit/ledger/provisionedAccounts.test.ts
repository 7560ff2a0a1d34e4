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
});
