/** A Dovecot source and the Microsoft emulator's Graph side for a suite, and migrations from one into the other. */
import { createHash, randomBytes } from 'node:crypto';

import { openLedger } from '../../../nodes/lib/ledger';
import type { GraphMailboxLimits } from '../../../nodes/lib/graph/mailboxLimits';
import type { MicrosoftApp } from '../../../nodes/lib/microsoft/microsoftApp';
import { runMailboxMigration } from '../../../nodes/lib/migration/execution/runMailboxMigration';
import type { MailboxMigrationRequest } from '../../../nodes/lib/migration/execution/runMailboxMigration';
import { newOwnerId } from '../../../nodes/lib/migration/owner';
import { imapSourceSide } from '../../../nodes/lib/migration/stores/imap/imapSides';
import { targetSideOf } from '../../../nodes/lib/migration/stores/storeSides';
import type { MailboxReport, MigrationMode } from '../../../nodes/lib/migration/types';
import type { ImapEndpoint } from '../../../nodes/lib/imap/endpoint';
import type { DovecotServer } from '../../harness/dovecot';
import { startGraphStandIn, type GraphStandIn } from '../../harness/graphStandIn';
import { appendMessages, makeMessage } from '../../harness/imap-fixtures';
import type { MicrosoftEmulator } from '../../harness/microsoftEmulator';
import { TestServices } from '../../harness/services';
import { endpointOf, PASSWORD, uniqueUser } from '../engine/engineFixtures';

/** Messages per folder of a source mailbox. */
export type SourceCorpus = Record<string, { raw: Buffer; flags?: string[]; internalDate?: Date }[]>;

/** What a Graph suite's tests share; set by its beforeAll. */
export interface GraphSuite {
	m365: GraphStandIn;
	emulator: MicrosoftEmulator;
	source: DovecotServer;
	/** A fresh app with Mail.ReadWrite on Graph (each with its own token cache in this process). */
	app(): MicrosoftApp;
	/** A fresh target mailbox, ready unless `ready: false`; its principal name. */
	mailbox(prefix: string, options?: { ready?: boolean }): string;
	/** A fresh source mailbox holding `corpus`. */
	seedSource(
		prefix: string,
		corpus: SourceCorpus,
	): Promise<{ user: string; endpoint: ImapEndpoint }>;
}

/** Starts the Microsoft emulator and a Dovecot source before the suite's tests, and stops them after. */
export function graphSuite(): GraphSuite {
	const services = new TestServices();
	const suite = {
		app: () => suite.m365.registerApp(),
		mailbox: (prefix, options) => suite.m365.addMailbox(uniqueUser(prefix), options),
		async seedSource(prefix, corpus) {
			const user = uniqueUser(prefix);
			await suite.source.addUser(user, PASSWORD);
			for (const [folder, messages] of Object.entries(corpus)) {
				await appendMessages(suite.source, user, PASSWORD, folder, messages);
			}
			return { user, endpoint: endpointOf(suite.source, user) };
		},
	} as GraphSuite;
	beforeAll(async () => {
		suite.m365 = await startGraphStandIn(services);
		suite.emulator = suite.m365.emulator;
		suite.source = await services.dovecot({ name: 'source' });
	}, 180_000);
	afterAll(async () => {
		await services.stopAll();
	});
	return suite;
}

export async function migrateToGraph(
	source: ImapEndpoint,
	target: { app: MicrosoftApp; mailbox: string; limits?: GraphMailboxLimits },
	ledgerPath: string,
	mode: MigrationMode = 'full',
	extra: Partial<MailboxMigrationRequest> = {},
): Promise<MailboxReport> {
	const ledger = await openLedger({ kind: 'sqlite', path: ledgerPath });
	try {
		return await runMailboxMigration({
			source: imapSourceSide(source),
			target: targetSideOf({ kind: 'graph', ...target }),
			migrationId: 'test',
			mode,
			folderRules: { specialUse: true },
			ledger,
			owner: newOwnerId('test'),
			...extra,
			tuning: { windowMessages: 5, ...extra.tuning },
		});
	} finally {
		await ledger.close();
	}
}

export const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** An HTML message whose image is shown inline (multipart/related, cid:). */
export function inlineImageMessage(image: Buffer): Buffer {
	const boundary = 'related-boundary-1';
	return Buffer.from(
		[
			'From: Sender <sender@mm-test.example>',
			'To: Recipient <recipient@mm-test.example>',
			'Subject: inline image',
			'Date: Tue, 05 Mar 2019 09:15:00 +0000',
			'Message-ID: <inline-image@mm-test.example>',
			'MIME-Version: 1.0',
			`Content-Type: multipart/related; boundary="${boundary}"`,
			'',
			`--${boundary}`,
			'Content-Type: text/html; charset=us-ascii',
			'',
			'<html><body><p>Logo:</p><img src="cid:logo@mm-test.example"></body></html>',
			`--${boundary}`,
			'Content-Type: image/png; name="logo.png"',
			'Content-Transfer-Encoding: base64',
			'Content-ID: <logo@mm-test.example>',
			'Content-Disposition: inline; filename="logo.png"',
			'',
			image.toString('base64').replace(/(.{76})/g, '$1\r\n'),
			`--${boundary}--`,
			'',
		].join('\r\n'),
	);
}

/** A folder → messages corpus with flags, keywords, nesting, special use and attachments small and large. */
export function graphCorpus(): {
	corpus: SourceCorpus;
	attachments: Record<string, Buffer>;
} {
	const date = (day: number) => new Date(Date.UTC(2019, 2, day, 8, 45, 0));
	const small = randomBytes(200_000);
	const large = randomBytes(20 * 1024 * 1024);
	const image = randomBytes(5_000);
	return {
		attachments: { 'small.bin': small, 'large.bin': large, 'logo.png': image },
		corpus: {
			INBOX: [
				{
					raw: makeMessage({ subject: 'plain', date: date(1) }),
					flags: ['\\Seen'],
					internalDate: date(1),
				},
				{
					raw: makeMessage({ subject: 'flagged and tagged', date: date(2) }),
					flags: ['\\Flagged', '\\Answered', 'Work'],
					internalDate: date(2),
				},
				{
					raw: makeMessage({
						subject: 'small attachment',
						date: date(3),
						attachments: [{ name: 'small.bin', bytes: small }],
					}),
					flags: ['\\Seen'],
					internalDate: date(3),
				},
				{ raw: inlineImageMessage(image), flags: [], internalDate: date(5) },
			],
			Sent: [
				{
					raw: makeMessage({ subject: 'sent one', date: date(6) }),
					flags: ['\\Seen'],
					internalDate: date(6),
				},
			],
			'Projects/Alpha': [
				{
					raw: makeMessage({
						subject: 'large attachment',
						date: date(7),
						attachments: [{ name: 'large.bin', bytes: large }],
					}),
					flags: ['\\Seen'],
					internalDate: date(7),
				},
			],
		},
	};
}
