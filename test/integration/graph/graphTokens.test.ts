/**
 * A token Graph refuses before it expires (revoked, enforced by continuous access evaluation) in the middle of a copy:
 * the client renews it once, for all its requests, and the copy loses and duplicates nothing. A token that stays
 * refused, new ones too, ends the mailbox with an error that says so and holds no secret; the next run completes.
 */
import { makeMessage } from '../../harness/imap-fixtures';
import { tempLedgerPath } from '../engine/engineFixtures';
import { sourceKeyOf } from '../../harness/graphStandIn';
import { graphSuite, migrateToGraph, sha256 } from './graphFixtures';

/** The create of a message in a folder. */
const CREATE = { method: 'POST', path: /\/mailFolders\/[^/]+\/messages$/ };

describe('Graph tokens refused mid-run', () => {
	const suite = graphSuite();

	afterEach(() => suite.emulator.graph.refuseTokens(false));

	async function seeded(count: number) {
		const messages = Array.from({ length: count }, (_, index) => ({
			raw: makeMessage({ subject: `token ${index}` }),
		}));
		const { endpoint } = await suite.seedSource('gtsrc', { INBOX: messages });
		const keys = messages.map((message) => sha256(message.raw)).sort();
		return { sourceEndpoint: endpoint, app: suite.app(), mailbox: suite.mailbox('gtdst'), keys };
	}

	const storedKeys = (mailbox: string) =>
		suite.emulator.graph.messages(mailbox).map(sourceKeyOf).sort();
	const refusals = () =>
		Object.entries(suite.emulator.graph.counters().requests)
			.filter(([key]) => key.endsWith(' 401'))
			.reduce((total, [, count]) => total + count, 0);

	/** Runs a copy; once creates are in flight (authenticated, held), `act` changes what Graph accepts. */
	async function copyActingMidRun(
		seed: Awaited<ReturnType<typeof seeded>>,
		ledger: string,
		act: () => void,
	) {
		const hold = suite.emulator.graph.hold(CREATE);
		const run = migrateToGraph(
			seed.sourceEndpoint,
			{ app: seed.app, mailbox: seed.mailbox },
			ledger,
			'full',
			{ tuning: { reconnects: 1 } },
		);
		await hold.waitForHeld(1);
		act();
		hold.release();
		return await run;
	}

	it('renews a revoked token once for all requests in flight, losing and duplicating nothing', async () => {
		const seed = await seeded(24);
		const refusedBefore = refusals();
		let tokensAtRevocation = 0;
		const report = await copyActingMidRun(seed, tempLedgerPath(), () => {
			tokensAtRevocation = suite.emulator.issuedTokenCount(seed.app.clientId);
			suite.emulator.graph.revokeTokens();
		});
		expect(report.counts.failed).toBe(0);
		expect(report.counts.copied).toBe(24);
		expect(storedKeys(seed.mailbox)).toEqual(seed.keys);
		expect(refusals() - refusedBefore).toBeGreaterThan(0);
		expect(suite.emulator.issuedTokenCount(seed.app.clientId) - tokensAtRevocation).toBe(1);
	}, 120_000);

	it('a token refused again after renewal ends the mailbox with a clear error and no secret; the next run completes', async () => {
		const seed = await seeded(24);
		const ledger = tempLedgerPath();
		const report = await copyActingMidRun(seed, ledger, () => suite.emulator.graph.refuseTokens());
		expect(report.status).not.toBe('completed');
		// Not one failure per message: the mailbox stopped, its items stay to be copied.
		expect(report.counts.failed).toBe(0);
		expect(report.reason).toMatch(/refused the app's token/);
		expect(report.reason).toContain('InvalidAuthenticationToken');
		const told = JSON.stringify(report);
		expect(told).not.toContain(seed.app.clientSecret);
		expect(told).not.toMatch(/eyJ[\w-]{10,}\./);
		const copied = storedKeys(seed.mailbox);
		expect(new Set(copied).size).toBe(copied.length);
		expect(copied.length).toBeLessThan(24);

		suite.emulator.graph.refuseTokens(false);
		const next = await migrateToGraph(
			seed.sourceEndpoint,
			{ app: seed.app, mailbox: seed.mailbox },
			ledger,
		);
		expect(next.status).toBe('completed');
		expect(next.counts.failed).toBe(0);
		expect(storedKeys(seed.mailbox)).toEqual(seed.keys);
	}, 120_000);
});
