/** Routing snapshots in the SQLite ledger: write-ahead, the first snapshot kept, a fresh one after a Rollback. */
import {
	LedgerInputError,
	openLedger,
	type LedgerStore,
	type RoutingSwitchIntent,
} from '../../../nodes/lib/ledger';
import { MIGRATION, tempLedgerDir } from './ledgerFixtures';

const DN = 'uid=alice,ou=people,dc=example,dc=test';

function intent(overrides: Partial<RoutingSwitchIntent> = {}): RoutingSwitchIntent {
	return {
		migrationId: MIGRATION,
		user: 'alice@example.test',
		wave: 'wave-1',
		dn: DN,
		current: { mailHost: ['old.mail.test'], mailRoutingAddress: [] },
		applied: { mailHost: ['new.mail.test'], mailRoutingAddress: ['alice@new.mail.test'] },
		...overrides,
	};
}

const key = { migrationId: MIGRATION, user: 'alice@example.test' };

describe('routing snapshots in the SQLite ledger', () => {
	let dir: ReturnType<typeof tempLedgerDir>;
	let ledger: LedgerStore;

	beforeEach(async () => {
		dir = tempLedgerDir();
		ledger = await openLedger({ kind: 'sqlite', path: dir.path() });
	});

	afterEach(async () => {
		await ledger.close();
		dir.remove();
	});

	it('stores the previous values in state switching before the change, and keeps them across reopening', async () => {
		const stored = await ledger.recordRoutingSwitch(intent());
		expect(stored).toMatchObject({
			...key,
			wave: 'wave-1',
			dn: DN,
			previous: { mailHost: ['old.mail.test'], mailRoutingAddress: [] },
			applied: { mailHost: ['new.mail.test'], mailRoutingAddress: ['alice@new.mail.test'] },
			state: 'switching',
			switchedAt: null,
			rolledBackAt: null,
		});
		await ledger.close();
		ledger = await openLedger({ kind: 'sqlite', path: dir.path() });
		expect(await ledger.getRoutingSnapshot(key)).toEqual(stored);
	});

	it('a second Switch keeps the first snapshot, adding only attributes it did not cover', async () => {
		const first = await ledger.recordRoutingSwitch(intent());
		await ledger.markRoutingState(key, 'switched');
		const second = await ledger.recordRoutingSwitch(
			intent({
				current: {
					mailHost: ['new.mail.test'],
					mailRoutingAddress: ['x'],
					mailLocalAddress: ['a'],
				},
				applied: {
					mailHost: ['newer.mail.test'],
					mailRoutingAddress: ['y'],
					mailLocalAddress: ['b'],
				},
				wave: null,
			}),
		);
		expect(second).toMatchObject({
			previous: { mailHost: ['old.mail.test'], mailRoutingAddress: [], mailLocalAddress: ['a'] },
			applied: {
				mailHost: ['newer.mail.test'],
				mailRoutingAddress: ['y'],
				mailLocalAddress: ['b'],
			},
			wave: 'wave-1',
			state: 'switching',
			createdAt: first.createdAt,
		});
		expect(second.switchedAt).not.toBeNull();
	});

	it('after a Rollback the next Switch takes a fresh snapshot', async () => {
		await ledger.recordRoutingSwitch(intent());
		const rolledBack = await ledger.markRoutingState(key, 'rolledBack');
		expect(rolledBack.state).toBe('rolledBack');
		expect(rolledBack.rolledBackAt).not.toBeNull();
		const fresh = await ledger.recordRoutingSwitch(
			intent({ current: { mailHost: ['changed.by.hand'], mailRoutingAddress: [] } }),
		);
		expect(fresh).toMatchObject({
			previous: { mailHost: ['changed.by.hand'], mailRoutingAddress: [] },
			state: 'switching',
			rolledBackAt: null,
		});
		await expect(ledger.markRoutingState(key, 'switched')).resolves.toMatchObject({
			state: 'switched',
		});
	});

	it('refuses to mark switched what was rolled back meanwhile, and a snapshot that does not exist', async () => {
		await ledger.recordRoutingSwitch(intent());
		await ledger.markRoutingState(key, 'rolledBack');
		await expect(ledger.markRoutingState(key, 'switched')).rejects.toThrow(/rolled back meanwhile/);
		await expect(
			ledger.markRoutingState({ migrationId: MIGRATION, user: 'nobody' }, 'switched'),
		).rejects.toThrow(LedgerInputError);
	});

	it('lists by wave and state, per migration, ordered by user', async () => {
		for (const [user, wave] of [
			['carol@example.test', 'wave-1'],
			['alice@example.test', 'wave-1'],
			['bob@example.test', 'wave-2'],
		] as const) {
			await ledger.recordRoutingSwitch(intent({ user, wave }));
		}
		await ledger.recordRoutingSwitch(intent({ migrationId: 'other', user: 'zed@example.test' }));
		await ledger.markRoutingState(
			{ migrationId: MIGRATION, user: 'carol@example.test' },
			'switched',
		);
		const users = async (query?: Parameters<LedgerStore['listRoutingSnapshots']>[1]) =>
			(await ledger.listRoutingSnapshots(MIGRATION, query)).map((snapshot) => snapshot.user);
		expect(await users()).toEqual(['alice@example.test', 'bob@example.test', 'carol@example.test']);
		expect(await users({ wave: 'wave-1' })).toEqual(['alice@example.test', 'carol@example.test']);
		expect(await users({ wave: 'wave-1', state: 'switched' })).toEqual(['carol@example.test']);
		expect(await users({ state: 'switching' })).toEqual(['alice@example.test', 'bob@example.test']);
	});

	it('refuses bad input before writing anything', async () => {
		await expect(ledger.recordRoutingSwitch(intent({ user: '' }))).rejects.toThrow(/user must be/);
		await expect(ledger.recordRoutingSwitch(intent({ applied: {} }))).rejects.toThrow(
			/no attribute/,
		);
		await expect(
			ledger.recordRoutingSwitch(intent({ current: { mailHost: ['x'] } })),
		).rejects.toThrow(/current lacks the values of mailRoutingAddress/);
		await expect(
			ledger.listRoutingSnapshots(MIGRATION, { state: 'nope' as never }),
		).rejects.toThrow(/state must be one of/);
		expect(await ledger.listRoutingSnapshots(MIGRATION)).toEqual([]);
	});
});
