/**
 * Graph's limits and faults against the Graph target: a create whose answer is lost is never duplicated, Graph's
 * 429s are honoured with bounded retries, the client's own limits keep the copy under Graph's, and tokens that expire
 * mid-run are renewed without loss. Limits are scaled down (the emulator's and the client's alike) to run in seconds.
 */
import type { GraphMailboxLimits } from '../../../nodes/lib/graph/mailboxLimits';
import { randomBytes } from 'node:crypto';

import { makeMessage } from '../../harness/imap-fixtures';
import { tempLedgerPath } from '../engine/engineFixtures';
import { sourceKeyOf } from '../../harness/graphStandIn';
import { graphSuite, migrateToGraph, sha256 } from './graphFixtures';

/** The create of a message in a folder. */
const CREATE = { method: 'POST', path: /\/mailFolders\/[^/]+\/messages$/ };

describe('Graph limits and faults', () => {
	const suite = graphSuite();

	afterEach(() => {
		suite.emulator.graph.setLimits({
			concurrentPerMailbox: 4,
			requestsPerWindow: 10_000,
			windowMs: 600_000,
			uploadBytesPerWindow: 150e6,
			uploadWindowMs: 300_000,
		});
	});

	async function seeded(count: number, attachmentBytes = 0) {
		const messages = Array.from({ length: count }, (_, index) => ({
			raw: makeMessage({
				subject: `limited ${index}`,
				attachments: attachmentBytes
					? [{ name: `a${index}.bin`, bytes: randomBytes(attachmentBytes) }]
					: [],
			}),
		}));
		const { endpoint } = await suite.seedSource('glsrc', { INBOX: messages });
		const keys = messages.map((message) => sha256(message.raw)).sort();
		return { sourceEndpoint: endpoint, app: suite.app(), mailbox: suite.mailbox('gldst'), keys };
	}

	const storedKeys = (mailbox: string) =>
		suite.emulator.graph.messages(mailbox).map(sourceKeyOf).sort();

	it('never duplicates a create whose answer was lost (reset after it was carried out, 5xx, reset before)', async () => {
		const { sourceEndpoint, app, mailbox, keys } = await seeded(12);
		suite.emulator.graph.injectFaults(
			{ ...CREATE, count: 2, fault: { kind: 'reset', when: 'after' } },
			{ ...CREATE, count: 1, fault: { kind: 'status', status: 503 } },
			{ ...CREATE, count: 1, fault: { kind: 'reset', when: 'before' } },
		);
		const report = await migrateToGraph(
			sourceEndpoint,
			{ app, mailbox },
			tempLedgerPath(),
			'full',
			{
				tuning: { connections: 1 },
			},
		);
		expect(suite.emulator.graph.pendingFaults()).toBe(0);
		expect(report.counts.failed).toBe(0);
		expect(report.counts.copied).toBe(12);
		expect(storedKeys(mailbox)).toEqual(keys);
	}, 120_000);

	it("runs within the client's limits, honours Graph's 429s, and renews tokens that expire mid-run", async () => {
		const scaled = {
			concurrentPerMailbox: 4,
			requestsPerWindow: 30,
			windowMs: 2_000,
			uploadBytesPerWindow: 3_000_000,
			uploadWindowMs: 2_000,
		};
		const clientLimits: GraphMailboxLimits = {
			concurrentRequests: 4,
			requestsPerWindow: 30,
			requestWindowMs: 2_000,
			uploadBytesPerWindow: 3_000_000,
			uploadWindowMs: 2_000,
		};
		suite.emulator.graph.setLimits(scaled);
		suite.emulator.setTokenLifetime(3);
		try {
			// Within the client's limits: Graph has no reason to refuse anything.
			const within = await seeded(30, 150_000);
			const tokensBefore = suite.emulator.issuedTokenCount(within.app.clientId);
			const paced = await migrateToGraph(
				within.sourceEndpoint,
				{ app: within.app, mailbox: within.mailbox, limits: clientLimits },
				tempLedgerPath(),
			);
			expect(paced.counts.failed).toBe(0);
			expect(storedKeys(within.mailbox)).toEqual(within.keys);
			expect(
				suite.emulator.graph.counters().mailboxes[within.mailbox.toLowerCase()]?.throttled ?? 0,
			).toBe(0);
			expect(suite.emulator.issuedTokenCount(within.app.clientId) - tokensBefore).toBeGreaterThan(
				1,
			);

			// A client that does not know the scaled limits runs into Graph's: it waits as told and loses nothing.
			const unaware = await seeded(30, 150_000);
			const refused = await migrateToGraph(
				unaware.sourceEndpoint,
				{ app: unaware.app, mailbox: unaware.mailbox },
				tempLedgerPath(),
			);
			expect(refused.counts.failed).toBe(0);
			expect(storedKeys(unaware.mailbox)).toEqual(unaware.keys);
			expect(refused.serverBackoffs).toBeGreaterThan(0);
		} finally {
			suite.emulator.setTokenLifetime(3600);
		}
	}, 300_000);
});
