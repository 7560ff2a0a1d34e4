/** A Dovecot source and the Microsoft emulator's Graph side, and migrations from one into the other. */
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
import { GRAPH_RESOURCE, type MicrosoftEmulator } from '../../harness/microsoftEmulator';
import { makeMessage } from '../../harness/imap-fixtures';
import type { InspectedMessage } from '../../harness/microsoftEmulator/graph';

export const SOURCE_KEY_ID =
	'String {e5a4b1c2-5d3f-4b8e-9a6c-2f7d1e0b3a91} Name MailboxMigrationSourceKey';

let apps = 0;

/** An app with Mail.ReadWrite on Graph, its own (each app has its own token cache in this process). */
export function graphApp(emulator: MicrosoftEmulator): MicrosoftApp {
	apps++;
	const clientId = `00000000-0000-4000-9000-${String(apps).padStart(12, '0')}`;
	const secret = `graph~${process.pid}~${apps}~do-not-print`;
	emulator.addApp({ clientId, secret, resourceRoles: { [GRAPH_RESOURCE]: ['Mail.ReadWrite'] } });
	return {
		tenant: emulator.tenantId,
		clientId,
		clientSecret: secret,
		cloud: 'global',
		loginUrl: emulator.baseUrl,
		graphUrl: emulator.baseUrl,
		trustedCaPem: emulator.caPem,
	};
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

export function sourceKeyOf(message: InspectedMessage): string | null {
	return (
		message.extendedProperties.find(
			(property) => property.id.toLowerCase() === SOURCE_KEY_ID.toLowerCase(),
		)?.value ?? null
	);
}

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
	corpus: Record<string, { raw: Buffer; flags?: string[]; internalDate?: Date }[]>;
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
