/** Routing snapshots in the SQLite ledger: write-ahead, the first snapshot kept, a fresh one after a Rollback. */
import {
	LedgerInputError,
	RoutingEntryTakenError,
	entrySnapshotOf,
	openLedger,
	type LedgerStore,
	type RoutingSnapshot,
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
			await ledger.recordRoutingSwitch(
				intent({ user, wave, dn: `uid=${user},dc=example,dc=test` }),
			);
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

	it('keys a user lower-cased: another spelling is the same user and keeps the first snapshot', async () => {
		const first = await ledger.recordRoutingSwitch(intent({ user: '  Alice@Example.TEST ' }));
		expect(first.user).toBe('alice@example.test');
		await ledger.markRoutingState(
			{ migrationId: MIGRATION, user: 'ALICE@example.test' },
			'switched',
		);
		// The second spelling reads the entry already switched: those values must not become "previous".
		const second = await ledger.recordRoutingSwitch(
			intent({
				user: 'alice@example.test',
				current: { mailHost: ['new.mail.test'], mailRoutingAddress: ['alice@new.mail.test'] },
			}),
		);
		expect(second).toMatchObject({
			user: 'alice@example.test',
			previous: { mailHost: ['old.mail.test'], mailRoutingAddress: [] },
			createdAt: first.createdAt,
		});
		expect(
			await ledger.getRoutingSnapshot({ migrationId: MIGRATION, user: 'Alice@example.test' }),
		).toEqual(second);
		expect((await ledger.listRoutingSnapshots(MIGRATION)).map((s) => s.user)).toEqual([
			'alice@example.test',
		]);
		await expect(ledger.recordRoutingSwitch(intent({ user: '   ' }))).rejects.toThrow(
			/user must be/,
		);
	});

	it('refuses a second user of an entry while its snapshot is active, and allows one after the Rollback', async () => {
		await ledger.recordRoutingSwitch(intent());
		const alias = intent({
			user: 'a.smith@example.test',
			dn: DN.toUpperCase(),
			current: { mailHost: ['new.mail.test'], mailRoutingAddress: ['alice@new.mail.test'] },
		});
		await expect(ledger.recordRoutingSwitch(alias)).rejects.toThrow(RoutingEntryTakenError);
		await expect(ledger.recordRoutingSwitch(alias)).rejects.toThrow(
			`entry ${DN.toUpperCase()} is already being switched (an interrupted run) for user alice@example.test`,
		);
		await ledger.markRoutingState(key, 'switched');
		await expect(ledger.recordRoutingSwitch(alias)).rejects.toThrow(
			`entry ${DN.toUpperCase()} is already switched for user alice@example.test in migration ${MIGRATION}`,
		);
		expect(await ledger.getRoutingSnapshot(alias)).toBeNull();
		// Another migration's snapshot of the entry is no conflict.
		await expect(
			ledger.recordRoutingSwitch({ ...alias, migrationId: 'other' }),
		).resolves.toMatchObject({ user: 'a.smith@example.test' });

		await ledger.markRoutingState(key, 'rolledBack');
		const fresh = await ledger.recordRoutingSwitch({
			...alias,
			current: { mailHost: ['old.mail.test'], mailRoutingAddress: [] },
		});
		expect(fresh).toMatchObject({ state: 'switching', previous: { mailHost: ['old.mail.test'] } });
	});

	it('lists the snapshots of one entry, its DN compared ignoring case', async () => {
		await ledger.recordRoutingSwitch(intent());
		await ledger.recordRoutingSwitch(intent({ user: 'bob@example.test', dn: 'uid=bob,dc=x' }));
		const ofEntry = await ledger.listRoutingSnapshots(MIGRATION, { dn: DN.toUpperCase() });
		expect(ofEntry.map((snapshot) => snapshot.user)).toEqual(['alice@example.test']);
		expect(await ledger.listRoutingSnapshots(MIGRATION, { dn: DN, state: 'switched' })).toEqual([]);
		await expect(ledger.listRoutingSnapshots(MIGRATION, { dn: '' })).rejects.toThrow(/dn must be/);
	});
});

describe("the snapshot holding an entry's own values", () => {
	const snapshot = (
		user: string,
		createdAt: string,
		rolledBackAt: string | null = null,
	): Pick<RoutingSnapshot, 'user' | 'state' | 'createdAt' | 'rolledBackAt'> => ({
		user,
		createdAt,
		rolledBackAt,
		state: rolledBackAt === null ? 'switched' : 'rolledBack',
	});

	it('is the earliest, when the later ones were taken while it was active', () => {
		const earliest = snapshot('b@x', '2025-01-01T00:00:00.000Z');
		expect(entrySnapshotOf([snapshot('a@x', '2025-01-02T00:00:00.000Z'), earliest])).toBe(earliest);
		const rolledBackLater = snapshot('b@x', '2025-01-01T00:00:00.000Z', '2025-01-03T00:00:00.000Z');
		expect(entrySnapshotOf([snapshot('a@x', '2025-01-02T00:00:00.000Z'), rolledBackLater])).toBe(
			rolledBackLater,
		);
	});

	it('is a later one taken after the earlier was rolled back', () => {
		const fresh = snapshot('a@x', '2025-01-05T00:00:00.000Z');
		expect(
			entrySnapshotOf([
				snapshot('b@x', '2025-01-01T00:00:00.000Z', '2025-01-04T00:00:00.000Z'),
				fresh,
			]),
		).toBe(fresh);
	});
});
