/**
 * Sample mailboxes of a small German firm: what the demo migrates. Deterministic (a seeded generator), so every demo
 * run shows the same figures.
 */
import type { DovecotServer } from '../harness/dovecot';
import { appendMessages, makeMessage, type AppendInput } from '../harness/imap-fixtures';

/** Every sample mailbox's own password on both servers; the demo itself logs in with the master user. */
export const SAMPLE_PASSWORD = 'demo-mailbox-pass';

interface FolderPlan {
	folder: string;
	messages: number;
	/** Share of messages that carry an attachment, 0..1. */
	attachments: number;
	subjects: string[];
	/** Flags every message of the folder gets, besides the random \Seen/\Flagged/\Answered. */
	flags?: string[];
}

interface MailboxPlan {
	mailbox: string;
	folders: FolderPlan[];
}

const PLANS: MailboxPlan[] = [
	{
		mailbox: 'anna.schmidt@example.com',
		folders: [
			{
				folder: 'INBOX',
				messages: 40,
				attachments: 0.2,
				subjects: ['Angebot', 'Rückfrage zur Lieferung', 'Termin Montag', 'Rechnung'],
			},
			{
				folder: 'Gesendet',
				messages: 15,
				attachments: 0.1,
				subjects: ['AW: Angebot', 'Unterlagen'],
			},
			{
				folder: 'Entwürfe',
				messages: 3,
				attachments: 0,
				subjects: ['Entwurf Quartalsbericht'],
				flags: ['\\Draft'],
			},
			{
				folder: 'Kunden/Müller GmbH',
				messages: 12,
				attachments: 0.6,
				subjects: ['Vertrag', 'Lieferschein', 'Reklamation'],
			},
			{
				folder: 'Kunden/Schulz & Co',
				messages: 6,
				attachments: 0.3,
				subjects: ['Preisliste 2024'],
			},
			{
				folder: 'Archiv/2023',
				messages: 25,
				attachments: 0.1,
				subjects: ['Jahresabschluss', 'Inventur'],
			},
		],
	},
	{
		mailbox: 'ben.weber@example.com',
		folders: [
			{
				folder: 'INBOX',
				messages: 25,
				attachments: 0.1,
				subjects: ['Baubesprechung', 'Materialliste', 'Urlaub'],
			},
			{ folder: 'Gesendet', messages: 8, attachments: 0, subjects: ['AW: Baubesprechung'] },
			{ folder: 'Entwürfe', messages: 1, attachments: 0, subjects: ['Notiz'], flags: ['\\Draft'] },
			{
				folder: 'Projekte/Neubau Halle 3',
				messages: 10,
				attachments: 0.7,
				subjects: ['Pläne', 'Statik', 'Fotos Baustelle'],
			},
		],
	},
	{
		mailbox: 'info@example.com',
		folders: [
			{
				folder: 'INBOX',
				messages: 60,
				attachments: 0.05,
				subjects: ['Anfrage', 'Kontaktformular', 'Newsletter'],
			},
			{ folder: 'Erledigt', messages: 40, attachments: 0.05, subjects: ['Anfrage beantwortet'] },
		],
	},
];

/** mulberry32: a small seeded generator, so the sample data is the same on every run. */
function seededRandom(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let value = state;
		value = Math.imul(value ^ (value >>> 15), value | 1);
		value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
		return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
	};
}

function attachmentBytes(random: () => number, size: number): Buffer {
	const bytes = Buffer.alloc(size);
	for (let index = 0; index < size; index++) bytes[index] = Math.floor(random() * 256);
	return bytes;
}

function folderMessages(plan: FolderPlan, mailbox: string, random: () => number): AppendInput[] {
	const messages: AppendInput[] = [];
	for (let index = 0; index < plan.messages; index++) {
		const date = new Date(
			Date.UTC(2023, 0, 2) + Math.floor(random() * 600) * 86_400_000 + index * 60_000,
		);
		const subject = `${plan.subjects[index % plan.subjects.length]} #${index + 1}`;
		const withAttachment = random() < plan.attachments;
		const attachments = withAttachment
			? [
					{
						name: index % 2 ? `Scan_${index + 1}.pdf` : `Foto_${index + 1}.jpg`,
						contentType: index % 2 ? 'application/pdf' : 'image/jpeg',
						bytes: attachmentBytes(random, 50_000 + Math.floor(random() * 1_500_000)),
					},
				]
			: [];
		const flags = [...(plan.flags ?? [])];
		if (random() < 0.7) flags.push('\\Seen');
		if (random() < 0.1) flags.push('\\Flagged');
		if (random() < 0.2) flags.push('\\Answered');
		if (random() < 0.05) flags.push('$Forwarded');
		messages.push({
			raw: makeMessage({
				subject,
				from: 'Kunde <kontakt@kunde.example>',
				to: mailbox,
				date,
				body: `Guten Tag,\n\nanbei ${subject}.\n\nMit freundlichen Grüßen\n`,
				attachments,
			}),
			flags,
			internalDate: date,
		});
	}
	return messages;
}

export interface SampleMailbox {
	mailbox: string;
	folders: number;
	messages: number;
}

/** Creates the sample users on both servers and fills them on the source; the targets stay empty. */
export async function fillSampleMailboxes(
	source: DovecotServer,
	target: DovecotServer,
): Promise<SampleMailbox[]> {
	const random = seededRandom(20_240_501);
	const samples: SampleMailbox[] = [];
	for (const plan of PLANS) {
		await source.addUser(plan.mailbox, SAMPLE_PASSWORD);
		await target.addUser(plan.mailbox, SAMPLE_PASSWORD);
		for (const folder of plan.folders) {
			await appendMessages(
				source,
				plan.mailbox,
				SAMPLE_PASSWORD,
				folder.folder,
				folderMessages(folder, plan.mailbox, random),
			);
		}
		samples.push({
			mailbox: plan.mailbox,
			folders: plan.folders.length,
			messages: plan.folders.reduce((sum, folder) => sum + folder.messages, 0),
		});
	}
	return samples;
}
