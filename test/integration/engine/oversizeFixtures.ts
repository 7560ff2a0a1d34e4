/**
 * Oversize messages for the engine tests, built independently of the code under test (with the unit tests' MIME
 * builder): one whose three attachments compress well under the limit, one whose attachment cannot fit even zipped.
 * Each keeps its part tree, so the exact bytes the zipped copy must have can be derived from it.
 */
import { createHash } from 'node:crypto';

import JSZip from 'jszip';

import { ZIP_FILE_NAME, ZIPPED_HEADER } from '../../../nodes/lib/mime/zipAttachments';
import {
	attachmentLeaf,
	base64Body,
	randomBytes,
	seededRandom,
	serialise,
	textLeaf,
	type LeafSpec,
	type MultipartSpec,
} from '../../unit/mime/mimeFixtures';

export interface OversizeMessage {
	raw: Buffer;
	messageId: string;
	sha256: string;
	tree: MultipartSpec;
	text: LeafSpec;
	/** Decoded bytes and names, in message order. */
	attachments: { name: string; content: Buffer }[];
}

export function sha256(bytes: Buffer): string {
	return createHash('sha256').update(bytes).digest('hex');
}

function headers(subject: string, messageId: string, boundary: string): string[] {
	return [
		'From: =?UTF-8?Q?J=C3=BCrgen_Gro=C3=9F?= <juergen@example.org>',
		'To: Archiv <archiv@example.com>',
		`Subject: ${subject}`,
		'Date: Wed, 05 Mar 2025 09:41:00 +0100',
		`Message-ID: ${messageId}`,
		'MIME-Version: 1.0',
		`Content-Type: multipart/mixed; boundary="${boundary}"`,
	];
}

function build(tree: MultipartSpec, messageId: string): OversizeMessage {
	const raw = serialise(tree);
	const leavesOf = tree.parts as LeafSpec[];
	return {
		raw,
		messageId,
		sha256: sha256(raw),
		tree,
		text: leavesOf[0],
		attachments: leavesOf.flatMap((leaf) => (leaf.attachment ? [leaf.attachment] : [])),
	};
}

/**
 * About 740 kB: a PDF-like binary and a PNG-like image in base64, a CSV in quoted-printable, and an 8-bit UTF-8 text
 * part. All three deflate to a few kB, so the zipped message is far below 300 kB.
 */
export function zippableMessage(): OversizeMessage {
	const random = seededRandom(42);
	const pdf = Buffer.concat([
		Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1'),
		Buffer.from(
			'3 0 obj << /Type /Page /Parent 1 0 R /Contents 4 0 R >> endobj\nBT /F1 11 Tf 72 712 Td (Umsatz Q1) Tj ET\n'.repeat(
				2_400,
			),
		),
		randomBytes(3_000, random),
		Buffer.from('\ntrailer << /Root 1 0 R >>\n%%EOF\n'),
	]);
	const csv = Buffer.from(
		`Artikel;Menge;Preis=Summe;Größe\r\n${Array.from(
			{ length: 5_000 },
			(_, row) => `Äpfel ${row % 97};${row % 13};${(row % 50) / 4}=x;Maß ${row % 7} \r\n`,
		).join('')}`,
		'utf8',
	);
	const png = Buffer.concat([
		Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'),
		randomBytes(1_500, random),
		Buffer.alloc(120_000, 0xee),
		Buffer.from('0000000049454e44ae426082', 'hex'),
	]);
	const messageId = '<zippable-1@example.org>';
	const image = attachmentLeaf('Grafik.png', png, 'base64', 'image/png');
	image.headers[1] = 'Content-Disposition: inline; filename="Grafik.png"';
	const tree: MultipartSpec = {
		headers: headers('Quartalsunterlagen', messageId, 'ovs-mixed-1'),
		boundary: 'ovs-mixed-1',
		preamble: 'This is a multi-part message in MIME format.',
		parts: [
			textLeaf('Hallo,\r\n\r\nanbei Bericht, Tabelle und Grafik.\r\n\r\nGrüße\r\nJürgen\r\n'),
			attachmentLeaf('Bericht Q1.pdf', pdf, 'base64', 'application/pdf'),
			attachmentLeaf('Umsaetze.csv', csv, 'quoted-printable', 'text/csv; charset=utf-8'),
			image,
		],
	};
	return build(tree, messageId);
}

/** Over `limit` even zipped: one random (incompressible) attachment bigger than the limit. */
export function tooBigMessage(limit: number): OversizeMessage {
	const random = seededRandom(7);
	const messageId = '<too-big-1@example.org>';
	const tree: MultipartSpec = {
		headers: headers('Rohdaten', messageId, 'ovs-mixed-2'),
		boundary: 'ovs-mixed-2',
		parts: [
			textLeaf('Die Messdaten im Anhang.\r\n'),
			attachmentLeaf('messung.bin', randomBytes(limit + 20_000, random), 'base64'),
		],
	};
	return build(tree, messageId);
}

const ZIP_PART_HEAD = [
	`Content-Type: application/zip; name="${ZIP_FILE_NAME}"`,
	`Content-Disposition: attachment; filename="${ZIP_FILE_NAME}"`,
	'Content-Transfer-Encoding: base64',
	'',
	'',
].join('\r\n');

/** The zip part's decoded body, found by text search rather than by the engine's parser. */
export function zipBytesOf(message: Buffer): Buffer {
	const text = message.toString('latin1');
	const start = text.indexOf(ZIP_PART_HEAD);
	if (start < 0) throw new Error('no attachments.zip part in the message');
	const bodyStart = start + ZIP_PART_HEAD.length;
	return Buffer.from(text.slice(bodyStart, text.indexOf('\r\n--', bodyStart)), 'base64');
}

export async function unzip(zip: Buffer): Promise<{ name: string; content: Buffer }[]> {
	const archive = await JSZip.loadAsync(zip);
	const entries = Object.values(archive.files).filter((entry) => !entry.dir);
	return Promise.all(
		entries.map(async (entry) => ({ name: entry.name, content: await entry.async('nodebuffer') })),
	);
}

const NOTE =
	/^\[3 attachments \([^)\r\n]+\) packed into attachments\.zip during the mailbox migration\.\]\r\n\r\n/;

/**
 * The exact bytes the zipped copy must have: one header line on top, the text part as it was (with the one-line note
 * in front when there is one), the zip where the first attachment stood, the other attachments gone.
 */
export function expectedZippedBytes(original: OversizeMessage, zipped: Buffer): Buffer {
	const text = zipped.toString('latin1');
	const headerLine = text.slice(0, text.indexOf('\r\n') + 2);
	if (!headerLine.startsWith(`${ZIPPED_HEADER}: 3 attachments (`)) {
		throw new Error(`unexpected first line: ${JSON.stringify(headerLine)}`);
	}
	const textStart = text.indexOf('\r\n\r\n', text.indexOf(original.text.headers[0])) + 4;
	const note = NOTE.exec(text.slice(textStart))?.[0] ?? '';
	const tree: MultipartSpec = {
		...original.tree,
		parts: [
			{ ...original.text, body: Buffer.concat([Buffer.from(note, 'latin1'), original.text.body]) },
			{
				headers: ZIP_PART_HEAD.split('\r\n').slice(0, 3),
				body: base64Body(zipBytesOf(zipped)),
			},
		],
	};
	return Buffer.concat([Buffer.from(headerLine, 'latin1'), serialise(tree)]);
}
