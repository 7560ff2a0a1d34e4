/**
 * Messages larger than the target mailbox takes (its MaxReceiveSize, which Graph does not let an app read): Graph
 * refuses them with 400 ErrorMessageSizeExceeded, and the engine's oversize path takes over: attachments zipped so the
 * copy fits, or the message skipped as oversize with its size — never a generic failure, never a partial copy left
 * behind. A message just under the limit goes through as it is.
 */
import { randomBytes } from 'node:crypto';

import { GraphMailTarget } from '../../../nodes/lib/migration/stores/graph/graphMailTarget';
import { makeMessage } from '../../harness/imap-fixtures';
import { tempLedgerPath } from '../engine/engineFixtures';
import { sourceKeyOf } from '../../harness/graphStandIn';
import { graphSuite, migrateToGraph, sha256 } from './graphFixtures';

const MiB = 1024 * 1024;

describe('messages over what a Graph mailbox takes', () => {
	const suite = graphSuite();

	it('announces Exchange Online’s ceiling as its append limit', async () => {
		const mailbox = suite.mailbox('godst');
		const target = await GraphMailTarget.open({ app: suite.app(), mailbox });
		expect(target.appendLimit).toBe(150 * MiB);
		await target.close();
	});

	it('zips what zipping makes fit, skips as oversize what it does not, copies what is just under', async () => {
		const compressible = Buffer.alloc(6 * MiB, 'all work and no play makes a dull mailbox\n');
		const messages = {
			zippable: makeMessage({
				subject: 'zippable',
				attachments: [{ name: 'log.txt', bytes: compressible, contentType: 'text/plain' }],
			}),
			incompressible: makeMessage({
				subject: 'incompressible',
				attachments: [{ name: 'noise.bin', bytes: randomBytes(6 * MiB) }],
			}),
			justUnder: makeMessage({
				subject: 'just under',
				attachments: [{ name: 'under.bin', bytes: randomBytes(5 * MiB - 64 * 1024) }],
			}),
		};
		const { endpoint: sourceEndpoint } = await suite.seedSource('gosrc', {
			INBOX: Object.values(messages).map((raw) => ({ raw })),
		});
		const mailbox = suite.mailbox('godst');
		suite.emulator.graph.setMaxMessageSize(mailbox, 5 * MiB);
		const target = { app: suite.app(), mailbox };
		const ledger = tempLedgerPath();

		const report = await migrateToGraph(sourceEndpoint, target, ledger);
		expect(report.failedItems).toEqual([]);
		expect(report.counts.failed).toBe(0);
		expect(report.counts.copied).toBe(2);
		expect(report.counts.zipped).toBe(1);
		expect(report.counts.skipped).toBe(1);
		expect(report.counts.skippedByReason).toEqual({ oversize: 1 });

		// Each copy is complete and keyed by its source message; the refused one left nothing behind.
		const stored = suite.emulator.graph.messages(mailbox);
		expect(stored.map(sourceKeyOf).sort()).toEqual(
			[sha256(messages.zippable), sha256(messages.justUnder)].sort(),
		);
		const zipped = stored.find((message) => sourceKeyOf(message) === sha256(messages.zippable));
		expect(zipped?.attachments.map((attachment) => attachment.name)).toEqual([
			expect.stringMatching(/\.zip$/),
		]);
		expect(stored.every((message) => !message.isDraft)).toBe(true);

		const verify = await migrateToGraph(sourceEndpoint, target, ledger, 'verify');
		expect(verify.differences).toEqual([]);
		const again = await migrateToGraph(sourceEndpoint, target, ledger);
		expect(again.counts.copied).toBe(0);
		expect(again.counts.failed).toBe(0);
		// With the ledger lost, the zipped copy is found by its source message's key, not copied again.
		const fresh = await migrateToGraph(sourceEndpoint, target, tempLedgerPath());
		expect(fresh.counts.copied).toBe(0);
		expect(fresh.counts.alreadyPresent).toBe(2);
		expect(fresh.counts.skippedByReason).toEqual({ oversize: 1 });
		expect(suite.emulator.graph.messages(mailbox)).toHaveLength(2);
	}, 180_000);
});
