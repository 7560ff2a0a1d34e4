import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import {
	runMailboxMigration,
	type MailboxMigrationRequest,
} from '../../../nodes/lib/migration/execution/runMailboxMigration';
import { imapSourceSide, imapTargetSide } from '../../../nodes/lib/migration/stores/imap/imapSides';
import { newOwnerId } from '../../../nodes/lib/migration/migrateMailbox';
import type { MailboxReport, MigrationMode } from '../../../nodes/lib/migration/types';
import type { ImapEndpoint } from '../../../nodes/lib/imap/endpoint';
import { openLedger } from '../../../nodes/lib/ledger';
import type { DovecotServer } from '../../harness/dovecot';
import { testEndpoint } from '../../harness/endpoints';
import {
	appendMessages,
	imapClient,
	makeMessage,
	snapshotMailbox,
	type AppendInput,
} from '../../harness/imap-fixtures';

export const PASSWORD = 'pw-Secret-1';

let counter = 0;
/** A user name no other test uses, so tests share servers without sharing mailboxes. */
export function uniqueUser(prefix: string): string {
	counter += 1;
	return `${prefix}${process.pid}x${counter}`;
}

export function endpointOf(server: DovecotServer, user: string, port = server.port): ImapEndpoint {
	return testEndpoint(server, user, PASSWORD, { port });
}

export interface SeededPair {
	sourceUser: string;
	targetUser: string;
	sourceEndpoint: ImapEndpoint;
	targetEndpoint: ImapEndpoint;
}

/** A fresh source mailbox filled with `corpus` (folder → messages) and a fresh, empty target mailbox. */
export async function seedPair(
	from: DovecotServer,
	to: DovecotServer,
	corpus: Record<string, AppendInput[]>,
	tag = '',
): Promise<SeededPair> {
	const sourceUser = uniqueUser(`${tag}src`);
	const targetUser = uniqueUser(`${tag}dst`);
	await from.addUser(sourceUser, PASSWORD);
	await to.addUser(targetUser, PASSWORD);
	for (const [folder, messages] of Object.entries(corpus)) {
		await appendMessages(from, sourceUser, PASSWORD, folder, messages);
	}
	return {
		sourceUser,
		targetUser,
		sourceEndpoint: endpointOf(from, sourceUser),
		targetEndpoint: endpointOf(to, targetUser),
	};
}

/**
 * The server rebuilds a folder, as when it is deleted and restored with the same messages: it comes back with a new
 * UIDVALIDITY (checked), every message under a new UID.
 */
export async function rebuildFolder(
	server: DovecotServer,
	user: string,
	folder: string,
	messages: AppendInput[],
): Promise<void> {
	const uidValidity = async () => {
		const client = await imapClient(server, user, PASSWORD);
		try {
			const status = await client.status(folder, { uidValidity: true });
			return status ? status.uidValidity : null;
		} finally {
			await client.logout();
		}
	};
	const before = await uidValidity();
	const client = await imapClient(server, user, PASSWORD);
	try {
		await client.mailboxDelete(folder);
	} finally {
		await client.logout();
	}
	await appendMessages(server, user, PASSWORD, folder, messages);
	if ((await uidValidity()) === before) throw new Error(`${folder} kept its UIDVALIDITY ${before}`);
}

export function tempLedgerPath(): string {
	return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mm-ledger-')), 'ledger.sqlite');
}

export async function migrate(
	source: ImapEndpoint,
	target: ImapEndpoint,
	ledgerPath: string,
	mode: MigrationMode = 'full',
	extra: Partial<MailboxMigrationRequest> = {},
): Promise<MailboxReport> {
	const ledger = await openLedger({ kind: 'sqlite', path: ledgerPath });
	try {
		return await runMailboxMigration({
			source: imapSourceSide(source),
			target: imapTargetSide(target),
			migrationId: 'test',
			mode,
			folderRules: { specialUse: true },
			ledger,
			owner: newOwnerId('test'),
			...extra,
			// Tiny windows, so every test also walks folders window by window.
			tuning: { windowMessages: 3, ...extra.tuning },
		});
	} finally {
		await ledger.close();
	}
}

export type Snapshot = Awaited<ReturnType<typeof snapshotMailbox>>;

/** Per folder, the multiset of (bytes hash, flags, internal date): what must be equal after a migration. */
export function comparable(snapshot: Snapshot): Record<string, string[]> {
	const result: Record<string, string[]> = {};
	for (const [folder, messages] of Object.entries(snapshot)) {
		result[folder] = messages
			.map((message) => `${message.sha256} ${message.flags.join(',')} ${message.internalDate}`)
			.sort();
	}
	return result;
}

/** A varied mailbox: what real mailboxes hold and naive tools get wrong. */
export function variedCorpus(): Record<
	string,
	{ raw: Buffer; flags?: string[]; internalDate?: Date }[]
> {
	const date = (day: number) => new Date(Date.UTC(2019, 0, day, 10, 30, 0));
	const duplicate = makeMessage({
		subject: 'exact duplicate',
		messageId: '<dup@example.com>',
		date: date(3),
	});
	return {
		INBOX: [
			{
				raw: makeMessage({ subject: 'hello', date: date(1) }),
				flags: ['\\Seen'],
				internalDate: date(1),
			},
			{
				raw: makeMessage({ subject: 'flagged', date: date(2) }),
				flags: ['\\Flagged', '$Forwarded', 'Work'],
				internalDate: date(2),
			},
			{ raw: duplicate, flags: ['\\Seen'], internalDate: date(3) },
			{ raw: duplicate, flags: ['\\Seen'], internalDate: date(3) },
			{
				raw: makeMessage({ subject: 'no id', messageId: null, date: date(4) }),
				internalDate: date(4),
			},
			{
				raw: makeMessage({ subject: 'no id', messageId: null, date: date(4) }),
				internalDate: date(4),
			},
			{
				raw: Buffer.concat([
					Buffer.from(
						'From: =?broken <x@y>\r\nSubject: caf\xe9 8-bit \xff\r\nX-Odd:: ::\r\n',
						'latin1',
					),
					Buffer.from(
						'Message-ID: <8bit@example.com>\r\n\r\nBody with 8-bit \xe4\xf6\xfc\r\n',
						'latin1',
					),
				]),
				flags: ['\\Answered'],
				internalDate: date(5),
			},
		],
		Entwürfe: [
			{
				raw: makeMessage({ subject: 'draft', date: date(6) }),
				flags: ['\\Draft'],
				internalDate: date(6),
			},
		],
		日本語: [{ raw: makeMessage({ subject: 'こんにちは', date: date(7) }), internalDate: date(7) }],
		'a.b': [{ raw: makeMessage({ subject: 'dotted', date: date(8) }), internalDate: date(8) }],
		'Projects/Alpha/Specs': [
			{
				raw: makeMessage({
					subject: 'with attachment',
					date: date(9),
					attachments: [{ name: 'spec.bin', bytes: Buffer.alloc(300_000, 7) }],
				}),
				flags: ['$NotJunk'],
				internalDate: date(9),
			},
		],
		Empty: [],
	};
}

/** Names special-use mapping leaves alone, so source and target folders compare by name. */
export const THROTTLE_FOLDERS = ['INBOX', 'Archive/2019', 'Projects'];

/**
 * `count` small messages (some without Message-ID, some flagged) over THROTTLE_FOLDERS, plus two exact duplicates
 * in INBOX: the corpus of the tests of servers that say "not now".
 */
export function throttleCorpus(count: number, tag: string): Record<string, AppendInput[]> {
	const result: Record<string, AppendInput[]> = {};
	for (let index = 0; index < count; index++) {
		const date = new Date(Date.UTC(2020, 0, 1) + index * 3_600_000);
		(result[THROTTLE_FOLDERS[index % THROTTLE_FOLDERS.length]] ??= []).push({
			raw: makeMessage({
				subject: `${tag} message ${index}`,
				date,
				messageId: index % 29 === 0 ? null : `<${tag}.${index}@example.com>`,
				body: `body ${index}\n${'z'.repeat((index * 397) % 6000)}`,
			}),
			flags: index % 3 === 0 ? ['\\Seen'] : index % 7 === 0 ? ['\\Flagged', 'Work'] : [],
			internalDate: date,
		});
	}
	// Exact duplicates are distinct items: both copies must arrive, and no third.
	result.INBOX.push({ ...result.INBOX[1] }, { ...result.INBOX[2] });
	return result;
}

export const totalMessages = (snapshot: Record<string, unknown[]>) =>
	Object.values(snapshot).reduce((sum, messages) => sum + messages.length, 0);
