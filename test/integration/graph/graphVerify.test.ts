/**
 * Verify (and Delta's flag sync) against a Graph target see flags as the target keeps them: keywords Outlook stores
 * another way (Thunderbird's $labelN as their names, protocol-state keywords not at all) are no differences, a flag
 * changed on the target is. Messages carried whole (S/MIME signed or encrypted) land as non-drafts with the original
 * attached byte for byte, are counted by reason, verify clean and are not copied again.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { GraphClient } from '../../../nodes/lib/graph/graphClient';
import type { DovecotServer } from '../../harness/dovecot';
import { appendMessages, imapClient, makeMessage } from '../../harness/imap-fixtures';
import { startMicrosoftEmulator, type MicrosoftEmulator } from '../../harness/microsoftEmulator';
import { TestServices } from '../../harness/services';
import { endpointOf, PASSWORD, tempLedgerPath, uniqueUser } from '../engine/engineFixtures';
import { graphApp, migrateToGraph, sha256, sourceKeyOf } from './graphFixtures';

describe('Verify against Microsoft 365 (Graph)', () => {
	const services = new TestServices();
	let emulator: MicrosoftEmulator;
	let source: DovecotServer;

	beforeAll(async () => {
		emulator = services.add(
			Object.assign(await startMicrosoftEmulator(), { name: 'microsoft emulator' }),
		);
		source = await services.dovecot({ name: 'source' });
	}, 180_000);

	afterAll(async () => {
		await services.stopAll();
	});

	async function seeded(messages: { raw: Buffer; flags: string[] }[]) {
		const user = uniqueUser('gvsrc');
		await source.addUser(user, PASSWORD);
		await appendMessages(source, user, PASSWORD, 'INBOX', messages);
		const mailbox = `${uniqueUser('gvdst')}@${emulator.tenantDomain}`;
		emulator.graph.provisionMailbox(mailbox);
		return {
			user,
			sourceEndpoint: endpointOf(source, user),
			target: { app: graphApp(emulator), mailbox },
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
		const stored = emulator.graph.messages(target.mailbox, 'inbox');
		const copyOf = (index: number) =>
			stored.find((message) => sourceKeyOf(message) === sha256(messages[index].raw));
		expect(copyOf(0)?.categories).toEqual(['Important', 'Personal']);
		expect(copyOf(1)?.categories).toEqual([]);

		const verify = await migrateToGraph(sourceEndpoint, target, ledger, 'verify');
		expect(verify.differences).toEqual([]);

		// A source change Outlook cannot see (one more protocol keyword) is no flag update either.
		const client = await imapClient(source, user, PASSWORD);
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
		let dir: string;
		// With CRLF line ends, as the IMAP server hands messages out (the source key is the fingerprint of those bytes).
		const openssl = (...args: string[]) =>
			Buffer.from(
				execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' })
					.toString('latin1')
					.replace(/\r?\n/g, '\r\n'),
				'latin1',
			);

		beforeAll(() => {
			dir = fs.mkdtempSync(path.join(os.tmpdir(), 'graph-verify-smime-'));
			openssl(
				'req',
				'-x509',
				'-newkey',
				'rsa:2048',
				'-nodes',
				'-subj',
				'/CN=anna@example.com',
				'-days',
				'2',
				'-keyout',
				'key.pem',
				'-out',
				'cert.pem',
			);
			fs.writeFileSync(
				path.join(dir, 'content.txt'),
				'Content-Type: text/plain; charset=utf-8\r\n\r\nSigned text.\r\n',
			);
		});
		afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

		it('S/MIME signed and encrypted: non-draft, the original attached, counted, verified clean, not copied again', async () => {
			const headers = (id: string) =>
				'From: Anna <anna@example.com>\r\nTo: Bob <bob@example.com>\r\nSubject: secret\r\n' +
				`Date: Wed, 01 Jan 2020 12:00:00 +0000\r\nMessage-ID: <${id}@example.com>\r\n`;
			const signed = Buffer.concat([
				Buffer.from(headers('signed')),
				openssl(
					'smime',
					'-sign',
					'-in',
					'content.txt',
					'-signer',
					'cert.pem',
					'-inkey',
					'key.pem',
					'-binary',
				),
			]);
			const encrypted = Buffer.concat([
				Buffer.from(headers('encrypted')),
				openssl('smime', '-encrypt', '-aes256', '-in', 'content.txt', 'cert.pem'),
			]);
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

			const stored = emulator.graph.messages(target.mailbox, 'inbox');
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
			expect(emulator.graph.messages(target.mailbox, 'inbox')).toHaveLength(3);
		}, 180_000);
	});
});
