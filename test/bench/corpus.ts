/**
 * A seeded, deterministic mailbox corpus for the benchmark: the mix real mailboxes have (mostly small text mail, some
 * mail with incompressible attachments, a few ~10 MB messages), 15 folders including non-ASCII names, flags and
 * keywords, messages without Message-ID and exact duplicates. Same seed and count, same bytes.
 */
import { createCipheriv, createHash } from 'node:crypto';

export interface CorpusMessage {
	folder: string;
	raw: Buffer;
	flags: string[];
	internalDate: Date;
}

export const CORPUS_FOLDERS = [
	'INBOX',
	'Sent',
	'Archive',
	'Archive/2019',
	'Archive/2020',
	'Entwürfe',
	'Projects',
	'Projects/Alpha',
	'Projects/Alpha/Specs',
	'Projects/Beta',
	'Kunden/Müller GmbH',
	'Receipts & Invoices',
	'Newsletters',
	'Trash',
	'日本語',
];

function prng(seed: number): () => number {
	let state = seed >>> 0 || 1;
	return () => {
		state ^= state << 13;
		state ^= state >>> 17;
		state ^= state << 5;
		return (state >>> 0) / 2 ** 32;
	};
}

/** Incompressible bytes from AES-CTR over zeros: fast, and deterministic for a given label. */
function randomBytes(length: number, label: string): Buffer {
	const key = createHash('sha256').update(label).digest();
	const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
	return cipher.update(Buffer.alloc(length));
}

const WORDS =
	'migration mailbox report quarter budget meeting invoice project alpha beta review draft müller straße café'.split(
		' ',
	);

function text(random: () => number, bytes: number): string {
	const lines: string[] = [];
	let size = 0;
	while (size < bytes) {
		const words = Array.from(
			{ length: 8 + Math.floor(random() * 6) },
			() => WORDS[Math.floor(random() * WORDS.length)],
		);
		const line = words.join(' ');
		lines.push(line);
		size += Buffer.byteLength(line) + 2;
	}
	return lines.join('\r\n');
}

function wrap64(data: Buffer): string {
	return data.toString('base64').replace(/.{76}/g, '$&\r\n');
}

export function generateCorpus(
	count: number,
	seed = 42,
	options: { smallOnly?: boolean } = {},
): CorpusMessage[] {
	const random = prng(seed);
	const messages: CorpusMessage[] = [];
	const bigEvery = Math.max(1, Math.floor(count / Math.max(1, Math.floor(count / 1667))));
	const noIdCount = Math.max(3, Math.floor(count / 1000));
	for (let index = 0; index < count; index++) {
		const folder =
			index < count * 0.4
				? 'INBOX'
				: CORPUS_FOLDERS[1 + Math.floor(random() * (CORPUS_FOLDERS.length - 1))];
		const year =
			folder === 'Archive/2019'
				? 2019
				: folder === 'Archive/2020'
					? 2020
					: 2015 + Math.floor(random() * 10);
		const date = new Date(
			Date.UTC(
				year,
				Math.floor(random() * 12),
				1 + Math.floor(random() * 28),
				Math.floor(random() * 24),
				Math.floor(random() * 60),
				Math.floor(random() * 60),
			),
		);
		const roll = random();
		const headers = [
			`From: Sender ${index % 97} <sender${index % 97}@legacy.example>`,
			'To: Alice <alice@legacy.example>',
			`Subject: ${roll < 0.1 ? 'Grüße zum Projekt ' : 'Message '}${index}`,
			`Date: ${date.toUTCString().replace('GMT', '+0000')}`,
			...(index % Math.floor(count / noIdCount) === 0
				? []
				: [`Message-ID: <${seed}.${index}@legacy.example>`]),
			'MIME-Version: 1.0',
		];
		let body: string;
		const isBig = !options.smallOnly && index % bigEvery === bigEvery - 1;
		const isMedium = !options.smallOnly && !isBig && roll > 0.93;
		if (isBig || isMedium) {
			const boundary = `b${seed}x${index}`;
			const parts = [
				`--${boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${text(random, 800)}\r\n`,
			];
			const attachments = isBig ? 1 : 1 + Math.floor(random() * 3);
			for (let part = 0; part < attachments; part++) {
				const size = isBig ? 7_500_000 : Math.floor((100_000 + random() * 1_400_000) / attachments);
				parts.push(
					`--${boundary}\r\nContent-Type: application/octet-stream; name="file${part}.bin"\r\nContent-Disposition: attachment; filename="file${part}.bin"\r\nContent-Transfer-Encoding: base64\r\n\r\n${wrap64(randomBytes(size, `${seed}/${index}/${part}`))}\r\n`,
				);
			}
			headers.push(`Content-Type: multipart/mixed; boundary="${boundary}"`);
			body = `${parts.join('')}--${boundary}--\r\n`;
		} else {
			headers.push('Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit');
			body = text(random, Math.floor(2000 * Math.exp(random() * Math.log(10))));
		}
		const flags: string[] = [];
		if (year < 2024 && random() < 0.97) flags.push('\\Seen');
		if (random() < 0.05) flags.push('\\Flagged');
		if (random() < 0.1) flags.push('\\Answered');
		if (folder === 'Entwürfe') flags.push('\\Draft');
		if (random() < 0.04) flags.push('$Forwarded');
		if (random() < 0.03) flags.push('$NotJunk');
		if (random() < 0.03) flags.push('Work');
		messages.push({
			folder,
			raw: Buffer.from(`${headers.join('\r\n')}\r\n\r\n${body}`),
			flags,
			internalDate: date,
		});
	}
	// Exact duplicates: two in INBOX, one copy in Archive.
	const inbox = messages.filter((message) => message.folder === 'INBOX');
	messages.push({ ...inbox[1] }, { ...inbox[2] }, { ...inbox[2], folder: 'Archive' });
	return messages;
}
