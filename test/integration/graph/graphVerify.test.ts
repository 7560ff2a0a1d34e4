/**
 * Verify (and Delta's flag sync) against a Graph target see flags as the target keeps them: keywords Outlook stores
 * another way (Thunderbird's $labelN as their names, protocol-state keywords not at all) are no differences, a flag
 * changed on the target is. Messages carried whole (S/MIME signed or encrypted) land as non-drafts with the original
 * attached byte for byte, are counted by reason, verify clean and are not copied again.
 */
import { GraphClient } from '../../../nodes/lib/graph/graphClient';
import { imapClient, makeMessage } from '../../harness/imap-fixtures';
import { smimeIdentity, type SmimeIdentity } from '../../harness/smime';
import { PASSWORD, tempLedgerPath } from '../engine/engineFixtures';
import { sourceKeyOf } from '../../harness/graphStandIn';
import { graphSuite, migrateToGraph, sha256 } from './graphFixtures';

describe('Verify against Microsoft 365 (Graph)', () => {
	const suite = graphSuite();

	async function seeded(messages: { raw: Buffer; flags: string[] }[]) {
		const { user, endpoint } = await suite.seedSource('gvsrc', { INBOX: messages });
		return {
			user,
			sourceEndpoint: endpoint,
			target: { app: suite.app(), mailbox: suite.mailbox('gvdst') },
		};
	}

	it('keywords Outlook renames or does not keep are no differences; a flag changed on the target is one', async () => {
		const keywordSets = [
			['\\Seen', '$label1', '$label3'],
			['\\Seen', '$MDNSent', 'Junk'],
			['NonJunk', '$Phishing', '$NotJunk', 'Work'],
			['\\Answered', '$Forwarded', '$label5'],
			['\\Flagged', '$SubmitPending', 'Personal'],
		];
		const messages = keywordSets.map((flags, index) => ({
			raw: makeMessage({ subject: `keywords ${index}` }),
			flags,
		}));
		const { user, sourceEndpoint, target } = await seeded(messages);
		const ledger = tempLedgerPath();
		const report = await migrateToGraph(sourceEndpoint, target, ledger);
		expect(report.counts.copied).toBe(messages.length);
		expect(report.counts.failed).toBe(0);
		const stored = suite.emulator.graph.messages(target.mailbox, 'inbox');
		const copyOf = (index: number) =>
			stored.find((message) => sourceKeyOf(message) === sha256(messages[index].raw));
		expect(copyOf(0)?.categories).toEqual(['Important', 'Personal']);
		expect(copyOf(1)?.categories).toEqual([]);

		const verify = await migrateToGraph(sourceEndpoint, target, ledger, 'verify');
		expect(verify.differences).toEqual([]);

		// A source change Outlook cannot see (one more protocol keyword) is no flag update either.
		const client = await imapClient(suite.source, user, PASSWORD);
		try {
			const lock = await client.getMailboxLock('INBOX');
			try {
				await client.messageFlagsAdd({ subject: 'keywords 0' }, ['$MDNSent']);
			} finally {
				lock.release();
			}
		} finally {
			await client.logout();
		}
		const delta = await migrateToGraph(sourceEndpoint, target, ledger, 'delta');
		expect(delta.counts.failed).toBe(0);
		expect(delta.counts.flagsUpdated).toBe(0);

		// Marked unread on the target behind the migration's back: Verify reports exactly that message.
		const read = copyOf(0);
		await new GraphClient(target.app, target.mailbox).patch(`/messages/${read?.id}`, {
			isRead: false,
		});
		const after = await migrateToGraph(sourceEndpoint, target, ledger, 'verify');
		expect(after.differences).toEqual([
			expect.objectContaining({ kind: 'flags', messageId: expect.any(String) }),
		]);
		expect(after.differences?.[0].reason).toContain('\\Seen');
	}, 180_000);

	describe('messages carried whole', () => {
		let smime: SmimeIdentity;
		// With CRLF line ends, as the IMAP server hands messages out (the source key is the fingerprint of those bytes).
		const crlf = (bytes: Buffer) =>
			Buffer.from(bytes.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');

		beforeAll(() => {
			smime = smimeIdentity('Content-Type: text/plain; charset=utf-8\r\n\r\nSigned text.\r\n');
		});
		afterAll(() => smime.remove());

		it('S/MIME signed and encrypted: non-draft, the original attached, counted, verified clean, not copied again', async () => {
			const headers = (id: string) =>
				'From: Anna <anna@example.com>\r\nTo: Bob <bob@example.com>\r\nSubject: secret\r\n' +
				`Date: Wed, 01 Jan 2020 12:00:00 +0000\r\nMessage-ID: <${id}@example.com>\r\n`;
			const signed = Buffer.concat([Buffer.from(headers('signed')), crlf(smime.sign('-binary'))]);
			const encrypted = Buffer.concat([Buffer.from(headers('encrypted')), crlf(smime.encrypt())]);
			const messages = [
				{ raw: signed, flags: ['\\Seen'] },
				{ raw: encrypted, flags: ['\\Flagged', 'Work'] },
				{ raw: makeMessage({ subject: 'plain' }), flags: [] },
			];
			const { sourceEndpoint, target } = await seeded(messages);
			const ledger = tempLedgerPath();
			const report = await migrateToGraph(sourceEndpoint, target, ledger);
			expect(report.counts.copied).toBe(3);
			expect(report.counts.failed).toBe(0);
			expect(report.rebuiltAs).toEqual({ 'smime-signed': 1, 'smime-encrypted': 1 });

			const stored = suite.emulator.graph.messages(target.mailbox, 'inbox');
			for (const message of messages.slice(0, 2)) {
				const copy = stored.find((candidate) => sourceKeyOf(candidate) === sha256(message.raw));
				expect(copy?.isDraft).toBe(false);
				const original = copy?.attachments.find(
					(attachment) => attachment.name === 'original-message.eml',
				);
				expect(original?.content.equals(message.raw)).toBe(true);
			}

			const verify = await migrateToGraph(sourceEndpoint, target, ledger, 'verify');
			expect(verify.differences).toEqual([]);
			const again = await migrateToGraph(sourceEndpoint, target, ledger);
			expect(again.counts.copied).toBe(0);
			// With the ledger lost, each is still found by its source key.
			const fresh = await migrateToGraph(sourceEndpoint, target, tempLedgerPath());
			expect(fresh.counts.copied).toBe(0);
			expect(fresh.counts.alreadyPresent).toBe(3);
			expect(suite.emulator.graph.messages(target.mailbox, 'inbox')).toHaveLength(3);
		}, 180_000);
	});
});
