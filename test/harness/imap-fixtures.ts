/** Building and inspecting mailboxes through real IMAP (imapflow), the way a mail client would. */
import { createHash, randomUUID } from 'node:crypto';

import { ImapFlow } from 'imapflow';

import type { DovecotServer } from './dovecot';

export type ImapSecurity = 'plain' | 'starttls' | 'tls';

export interface MessageSpec {
	subject?: string;
	from?: string;
	to?: string;
	/** The Date header; default 2020-01-01T12:00:00Z, so equal specs give equal bytes. */
	date?: Date;
	/** Default a fresh unique id; null leaves the header out. */
	messageId?: string | null;
	/** Text; line ends become CRLF. Non-ASCII is sent as 8-bit UTF-8. */
	body?: string;
	attachments?: { name: string; bytes: Buffer; contentType?: string }[];
	/** Extra header lines, in order. */
	headers?: Record<string, string>;
}

export interface AppendInput {
	raw: Buffer | string;
	flags?: string[];
	internalDate?: Date;
}

export interface SnapshotMessage {
	uid: number;
	sha256: string;
	size: number;
	/** Sorted; without the session flag \Recent. */
	flags: string[];
	/** ISO 8601. */
	internalDate: string;
}

export type MailboxSnapshot = Record<string, SnapshotMessage[]>;

const NON_ASCII = /[^\x20-\x7e]/;

/** RFC 2047 encoded words for non-ASCII header text, split so no word exceeds 75 characters. */
function encodeHeaderText(text: string): string {
	if (!NON_ASCII.test(text)) return text;
	const words: string[] = [];
	let current = '';
	for (const character of text) {
		if (Buffer.byteLength(current + character) > 45) {
			words.push(current);
			current = '';
		}
		current += character;
	}
	words.push(current);
	return words.map((word) => `=?UTF-8?B?${Buffer.from(word).toString('base64')}?=`).join('\r\n ');
}

function rfc5322Date(date: Date): string {
	return date.toUTCString().replace(/GMT$/, '+0000');
}

function crlf(text: string): string {
	return text.replace(/\r?\n/g, '\r\n');
}

function base64Lines(bytes: Buffer): string {
	const encoded = bytes.toString('base64');
	const lines: string[] = [];
	for (let offset = 0; offset < encoded.length; offset += 76)
		lines.push(encoded.slice(offset, offset + 76));
	return lines.join('\r\n');
}

/** An RFC 5322 message; identical specs (with a fixed or null messageId) give identical bytes. */
export function makeMessage(spec: MessageSpec = {}): Buffer {
	const subject = spec.subject ?? 'test message';
	const messageId =
		spec.messageId === undefined ? `<${randomUUID()}@mm-test.example>` : spec.messageId;
	const body = crlf(spec.body ?? `Body of ${subject}.\n`);
	const textHeaders = [
		`Content-Type: text/plain; charset=${NON_ASCII.test(body.replace(/\r\n/g, '')) ? 'utf-8' : 'us-ascii'}`,
		`Content-Transfer-Encoding: ${NON_ASCII.test(body.replace(/\r\n/g, '')) ? '8bit' : '7bit'}`,
	];
	const headers = [
		`From: ${encodeHeaderText(spec.from ?? 'Sender <sender@mm-test.example>')}`,
		`To: ${encodeHeaderText(spec.to ?? 'Recipient <recipient@mm-test.example>')}`,
		`Subject: ${encodeHeaderText(subject)}`,
		`Date: ${rfc5322Date(spec.date ?? new Date(Date.UTC(2020, 0, 1, 12, 0, 0)))}`,
		...(messageId === null ? [] : [`Message-ID: ${messageId}`]),
		...Object.entries(spec.headers ?? {}).map(
			([name, value]) => `${name}: ${encodeHeaderText(value)}`,
		),
		'MIME-Version: 1.0',
	];
	const attachments = spec.attachments ?? [];
	if (attachments.length === 0) {
		return Buffer.from(`${[...headers, ...textHeaders].join('\r\n')}\r\n\r\n${body}`, 'utf8');
	}
	const boundary = `mm-${createHash('sha256')
		.update(`${subject}\0${messageId ?? ''}\0${body}`)
		.digest('hex')
		.slice(0, 24)}`;
	const parts = [
		`${textHeaders.join('\r\n')}\r\n\r\n${body}`,
		...attachments.map((attachment) =>
			[
				`Content-Type: ${attachment.contentType ?? 'application/octet-stream'}; name="${attachment.name}"`,
				'Content-Transfer-Encoding: base64',
				`Content-Disposition: attachment; filename="${attachment.name}"`,
				'',
				base64Lines(attachment.bytes),
			].join('\r\n'),
		),
	];
	const head = [...headers, `Content-Type: multipart/mixed; boundary="${boundary}"`].join('\r\n');
	const text = `${head}\r\n\r\n${parts.map((part) => `--${boundary}\r\n${part}\r\n`).join('')}--${boundary}--\r\n`;
	return Buffer.from(text, 'utf8');
}

export interface ImapClientOptions {
	/** Default 'plain' (no TLS at all). */
	security?: ImapSecurity;
	/** Another port to connect to, e.g. a fault proxy in front of the server. */
	port?: number;
}

/** A connected, logged-in ImapFlow client; the caller logs out. TLS trusts exactly the server's certificate. */
export async function imapClient(
	server: DovecotServer,
	user: string,
	password: string,
	options: ImapClientOptions = {},
): Promise<ImapFlow> {
	const security = options.security ?? 'plain';
	const client = new ImapFlow({
		host: server.host,
		port: options.port ?? (security === 'tls' ? server.tlsPort : server.port),
		secure: security === 'tls',
		doSTARTTLS: security === 'starttls' ? true : security === 'plain' ? false : undefined,
		tls: { ca: server.certPem },
		auth: { user, pass: password },
		logger: false,
	});
	// A connection dropped between commands must not become an unhandled 'error' event in the test process.
	client.on('error', () => undefined);
	await client.connect();
	return client;
}

/** Whether that login succeeds (any failure counts as no: say why in the test, e.g. from the server's log). */
export async function logsIn(
	server: DovecotServer,
	user: string,
	password: string,
): Promise<boolean> {
	try {
		const client = await imapClient(server, user, password);
		await client.logout();
		return true;
	} catch {
		return false;
	}
}

async function withClient<T>(
	server: DovecotServer,
	user: string,
	password: string,
	work: (client: ImapFlow) => Promise<T>,
): Promise<T> {
	const client = await imapClient(server, user, password);
	try {
		return await work(client);
	} finally {
		await client.logout().catch(() => client.close());
	}
}

/**
 * Appends the messages in order to the folder (created, with any missing parents, if needed; not subscribed).
 * `folder` is the full name in the server's own separator. Returns each message's UID and the UIDVALIDITY.
 */
export async function appendMessages(
	server: DovecotServer,
	user: string,
	password: string,
	folder: string,
	messages: AppendInput[],
): Promise<{ uid: number; uidValidity: number }[]> {
	return withClient(server, user, password, async (client) => {
		if (folder.toUpperCase() !== 'INBOX') {
			const existing = await client.list();
			if (
				!existing.some((mailbox) => mailbox.path === folder && !mailbox.flags.has('\\NonExistent'))
			) {
				await client.mailboxCreate(folder);
			}
		}
		const appended: { uid: number; uidValidity: number }[] = [];
		for (const message of messages) {
			const raw = typeof message.raw === 'string' ? Buffer.from(message.raw, 'utf8') : message.raw;
			const result = await client.append(folder, raw, message.flags ?? [], message.internalDate);
			if (!result || result.uid === undefined || result.uidValidity === undefined) {
				throw new Error(`APPEND to ${folder} returned no UID (UIDPLUS expected from Dovecot)`);
			}
			appended.push({ uid: result.uid, uidValidity: Number(result.uidValidity) });
		}
		return appended;
	});
}

/**
 * Every selectable folder of the mailbox with every message: UID, SHA-256 of the exact bytes, size, flags and
 * internal date. Keys are full folder names in the server's separator. Read-only (EXAMINE).
 */
export async function snapshotMailbox(
	server: DovecotServer,
	user: string,
	password: string,
): Promise<MailboxSnapshot> {
	return withClient(server, user, password, async (client) => {
		const snapshot: MailboxSnapshot = {};
		const folders = (await client.list()).filter(
			(mailbox) => !mailbox.flags.has('\\Noselect') && !mailbox.flags.has('\\NonExistent'),
		);
		for (const folder of folders) {
			const opened = await client.mailboxOpen(folder.path, { readOnly: true });
			const messages: SnapshotMessage[] = [];
			if (opened.exists > 0) {
				const fetched = await client.fetchAll(
					'1:*',
					{ uid: true, flags: true, internalDate: true, size: true, source: true },
					{ uid: false },
				);
				for (const message of fetched) {
					const source = message.source ?? Buffer.alloc(0);
					const internalDate = message.internalDate;
					messages.push({
						uid: message.uid,
						sha256: createHash('sha256').update(source).digest('hex'),
						size: message.size ?? source.length,
						flags: [...(message.flags ?? [])].filter((flag) => flag !== '\\Recent').sort(),
						internalDate:
							internalDate instanceof Date ? internalDate.toISOString() : String(internalDate),
					});
				}
			}
			await client.mailboxClose();
			snapshot[folder.path] = messages.sort((a, b) => a.uid - b.uid);
		}
		return snapshot;
	});
}
