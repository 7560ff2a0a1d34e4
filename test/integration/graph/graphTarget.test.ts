/**
 * Microsoft 365 through Graph as the target, on the emulator's Graph side: what lands there (non-draft, dates, flags,
 * attachments byte for byte, folders), Verify, and how a copy the ledger does not know of is found by its source key.
 */
import fs from 'node:fs';

import { GraphClient } from '../../../nodes/lib/graph/graphClient';
import { tempLedgerPath } from '../engine/engineFixtures';
import { sourceKeyOf } from '../../harness/graphStandIn';
import {
	graphCorpus,
	graphSuite,
	migrateToGraph,
	sha256,
	type SourceCorpus,
} from './graphFixtures';

describe('Microsoft 365 (Graph) target', () => {
	const suite = graphSuite();

	async function seeded(corpus: SourceCorpus) {
		const { endpoint } = await suite.seedSource('gsrc', corpus);
		return {
			sourceEndpoint: endpoint,
			target: { app: suite.app(), mailbox: suite.mailbox('gdst') },
		};
	}

	it('copies every message as a non-draft, in its folder, with its dates, flags and attachments', async () => {
		const { corpus, attachments } = graphCorpus();
		const { sourceEndpoint, target } = await seeded(corpus);
		const ledger = tempLedgerPath();
		const report = await migrateToGraph(sourceEndpoint, target, ledger);
		expect(report.status).toBe('completed');
		expect(report.counts.copied).toBe(6);
		expect(report.counts.failed).toBe(0);

		const folders = suite.emulator.graph.folders(target.mailbox);
		const pathOf = (wellKnown: string) =>
			folders.find((folder) => folder.wellKnownName === wellKnown)?.path;
		const expected: Record<string, string> = {
			INBOX: pathOf('inbox') as string,
			Sent: pathOf('sentitems') as string,
			'Projects/Alpha': 'Projects/Alpha',
		};
		for (const [folder, messages] of Object.entries(corpus)) {
			const stored = suite.emulator.graph.messages(target.mailbox, expected[folder]);
			expect(stored).toHaveLength(messages.length);
			for (const message of messages) {
				const copy = stored.find((candidate) => sourceKeyOf(candidate) === sha256(message.raw));
				expect(copy).toBeDefined();
				if (!copy) continue;
				expect(copy.isDraft).toBe(false);
				expect(Date.parse(copy.receivedDateTime)).toBe(message.internalDate?.getTime());
				expect(copy.isRead).toBe(message.flags?.includes('\\Seen') ?? false);
				expect(copy.flag.flagStatus === 'flagged').toBe(
					message.flags?.includes('\\Flagged') ?? false,
				);
				expect(copy.categories).toEqual(
					message.flags?.filter((flag) => !flag.startsWith('\\')) ?? [],
				);
			}
		}
		const all = suite.emulator.graph.messages(target.mailbox);
		const attachment = (name: string) =>
			all.flatMap((message) => message.attachments).find((candidate) => candidate.name === name);
		for (const [name, bytes] of Object.entries(attachments)) {
			expect(attachment(name)?.content.equals(bytes)).toBe(true);
		}
		const logo = attachment('logo.png');
		expect(logo?.isInline).toBe(true);
		const inline = all.find((message) => message.subject === 'inline image');
		expect(inline?.body.content).toContain(`cid:${logo?.contentId}`);
		// The 20 MB attachment went by upload session, in ranges.
		const counters = suite.emulator.graph.counters();
		expect(JSON.stringify(counters)).toContain('createUploadSession');

		const verify = await migrateToGraph(sourceEndpoint, target, ledger, 'verify');
		expect(verify.differences).toEqual([]);
		expect(verify.status).toBe('completed');
		const again = await migrateToGraph(sourceEndpoint, target, ledger);
		expect(again.counts.copied).toBe(0);
		expect(suite.emulator.graph.messages(target.mailbox)).toHaveLength(6);
		fs.rmSync(ledger, { force: true });
	}, 240_000);

	it('with the ledger lost, finds every copy by its source key and copies only what is missing', async () => {
		const { corpus } = graphCorpus();
		delete corpus['Projects/Alpha'];
		const { sourceEndpoint, target } = await seeded(corpus);
		const first = tempLedgerPath();
		expect((await migrateToGraph(sourceEndpoint, target, first)).counts.copied).toBe(5);
		// One copy gone from the target: the run without a ledger copies it, and only it.
		const inbox = suite.emulator.graph.messages(target.mailbox, 'inbox');
		const removed = inbox[0];
		await new GraphClient(target.app, target.mailbox).delete(`/messages/${removed.id}`);
		fs.rmSync(first, { force: true });
		const fresh = tempLedgerPath();
		const report = await migrateToGraph(sourceEndpoint, target, fresh);
		expect(report.counts.failed).toBe(0);
		const keys = suite.emulator.graph.messages(target.mailbox).map(sourceKeyOf);
		expect(new Set(keys).size).toBe(keys.length);
		expect(keys).toHaveLength(5);
		expect(report.counts.copied).toBe(1);
		expect(report.counts.alreadyPresent).toBe(4);
		const verify = await migrateToGraph(sourceEndpoint, target, fresh, 'verify');
		expect(verify.differences).toEqual([]);
	}, 240_000);
});
