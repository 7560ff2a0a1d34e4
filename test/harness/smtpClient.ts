/**
 * A plain SMTP client for tests (RFC 5321 without TLS or AUTH, on loopback): one message per connection, every
 * reply checked, so a refusal comes back as an SmtpRefusal naming the command and the server's words.
 */
import { randomUUID } from 'node:crypto';
import net from 'node:net';

export interface OutgoingMail {
	/** Envelope sender and From header. */
	from: string;
	/** Envelope recipients and To header. */
	to: string | string[];
	subject: string;
	body: string;
	/** Defaults to a fresh `<uuid@harness.test>`. */
	messageId?: string;
}

export interface SentMail {
	messageId: string;
	/** From the server's `250 ... queued as ID` reply (Postfix's queue id, as its log and queue show it). */
	queueId: string | null;
	/** The final reply to the message data. */
	reply: string;
}

export class SmtpRefusal extends Error {
	constructor(
		readonly command: string,
		readonly code: number,
		readonly reply: string,
	) {
		super(`SMTP ${command} refused: ${reply}`);
		this.name = 'SmtpRefusal';
	}
}

const REPLY_TIMEOUT_MS = 30_000;

/** RFC 2047 for a non-ASCII subject; ASCII stays as it is. */
function headerText(text: string): string {
	return /^[\x20-\x7e]*$/.test(text) ? text : `=?UTF-8?B?${Buffer.from(text).toString('base64')}?=`;
}

function checkAddress(address: string): string {
	if (/[\s<>]/.test(address) || !address.includes('@'))
		throw new Error(`not an address for an SMTP envelope: ${JSON.stringify(address)}`);
	return address;
}

/** The message as sent after DATA: CRLF line ends, leading dots doubled (RFC 5321 4.5.2), the final dot. */
export function messageData(mail: OutgoingMail, recipients: string[], messageId: string): string {
	const headers = [
		`From: <${mail.from}>`,
		`To: ${recipients.map((address) => `<${address}>`).join(', ')}`,
		`Subject: ${headerText(mail.subject)}`,
		`Date: ${new Date().toUTCString().replace('GMT', '+0000')}`,
		`Message-ID: ${messageId}`,
		'MIME-Version: 1.0',
		'Content-Type: text/plain; charset=utf-8',
		'Content-Transfer-Encoding: 8bit',
	];
	const body = mail.body.replace(/\r?\n/g, '\r\n').replace(/^\./gm, '..');
	return `${headers.join('\r\n')}\r\n\r\n${body}${body.endsWith('\r\n') ? '' : '\r\n'}.\r\n`;
}

/** Reads one (possibly multi-line) reply at a time from the socket. */
class ReplyReader {
	private buffer = '';
	private waiting: ((reply: string | Error) => void) | null = null;
	private failure: Error | null = null;

	constructor(socket: net.Socket) {
		socket.setEncoding('utf8');
		socket.on('data', (chunk: string) => {
			this.buffer += chunk;
			this.deliver();
		});
		socket.on('error', (error) => this.fail(error));
		socket.on('close', () => this.fail(new Error('the SMTP server closed the connection')));
	}

	private fail(error: Error): void {
		this.failure ??= error;
		const waiting = this.waiting;
		this.waiting = null;
		waiting?.(this.failure);
	}

	/** A reply is complete at the line whose code is followed by a space instead of '-'. */
	private deliver(): void {
		if (this.waiting === null) return;
		const lines = this.buffer.split('\r\n');
		const last = lines.slice(0, -1).findIndex((line) => /^\d{3}( |$)/.test(line));
		if (last < 0) return;
		const reply = lines.slice(0, last + 1).join('\n');
		this.buffer = lines.slice(last + 1).join('\r\n');
		const waiting = this.waiting;
		this.waiting = null;
		waiting(reply);
	}

	next(): Promise<string> {
		return new Promise((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error('no SMTP reply in time')), REPLY_TIMEOUT_MS);
			this.waiting = (reply) => {
				clearTimeout(timer);
				if (reply instanceof Error) reject(reply);
				else resolve(reply);
			};
			if (this.failure) this.fail(this.failure);
			else this.deliver();
		});
	}
}

export async function sendMail(host: string, port: number, mail: OutgoingMail): Promise<SentMail> {
	const recipients = (Array.isArray(mail.to) ? mail.to : [mail.to]).map(checkAddress);
	const from = checkAddress(mail.from);
	const messageId = mail.messageId ?? `<${randomUUID()}@harness.test>`;
	const socket = net.connect({ host, port });
	const replies = new ReplyReader(socket);
	const expect = async (command: string, accepted: number[]): Promise<string> => {
		const reply = await replies.next();
		const code = Number(reply.slice(0, 3));
		if (!accepted.includes(code)) throw new SmtpRefusal(command, code, reply);
		return reply;
	};
	const say = (line: string, command: string, accepted: number[]): Promise<string> => {
		socket.write(`${line}\r\n`);
		return expect(command, accepted);
	};
	try {
		await expect('greeting', [220]);
		await say('EHLO harness.test', 'EHLO', [250]);
		await say(`MAIL FROM:<${from}>`, 'MAIL FROM', [250]);
		for (const recipient of recipients) await say(`RCPT TO:<${recipient}>`, 'RCPT TO', [250, 251]);
		await say('DATA', 'DATA', [354]);
		socket.write(messageData(mail, recipients, messageId));
		const reply = await expect('message data', [250]);
		await say('QUIT', 'QUIT', [221]).catch(() => undefined);
		return { messageId, queueId: /queued as ([0-9A-Za-z]+)/.exec(reply)?.[1] ?? null, reply };
	} finally {
		socket.destroy();
	}
}
