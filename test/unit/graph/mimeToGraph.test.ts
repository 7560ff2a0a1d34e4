import { planGraphMessage } from '../../../nodes/lib/graph/mimeToGraph';
import { graphMessageSize } from '../../../nodes/lib/graph/graphMessageSize';
import { SOURCE_KEY_PROPERTY_ID } from '../../../nodes/lib/graph/graphProperties';
import { fingerprintOf } from '../../../nodes/lib/migration/messageIdentity';
import { makeMessage } from '../../harness/imap-fixtures';
import { variedCorpus } from '../../integration/engine/engineFixtures';
import {
	base64Body,
	quotedPrintableBody,
	serialise,
	type MultipartSpec,
} from '../mime/mimeFixtures';
import { attachmentsOf, propertiesOf, recipient } from './graphPlanHelpers';

const INTERNAL_DATE = '02-Jan-2020 08:15:30 +0100';
const meta = (flags: string[] = [], internalDate = INTERNAL_DATE) => ({ flags, internalDate });
const leaf = (headers: string[], body: Buffer | string) => ({
	headers,
	body: typeof body === 'string' ? Buffer.from(body, 'latin1') : body,
});
const message = (headers: string[], root: MultipartSpec | ReturnType<typeof leaf>) =>
	serialise({ ...root, headers: [...headers, 'MIME-Version: 1.0', ...root.headers] });
const envelope = [
	'From: Anna <anna@example.com>',
	'To: Bob <bob@example.com>',
	'Subject: fixture',
	'Date: Wed, 01 Jan 2020 12:00:00 +0000',
	'Message-ID: <fixture@example.com>',
];

describe('planGraphMessage: the corpus generator the integration tests use', () => {
	it('gives the exact create request for a plain message with an attachment', async () => {
		const attachment = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 256));
		const raw = makeMessage({
			subject: 'Grüße aus Köln',
			from: 'Joerg Mueller <joerg@example.com>',
			to: 'Bob <bob@example.com>, carol@example.com',
			messageId: '<m1@example.com>',
			body: 'Hallo Bob,\nanbei.\n',
			attachments: [{ name: 'data.bin', bytes: attachment }],
			headers: { Cc: 'Dave <dave@example.com>', 'Reply-To': 'list@example.com' },
		});
		const headerBlock = raw.toString('utf8', 0, raw.indexOf('\r\n\r\n') + 2);
		const plan = await planGraphMessage(raw, meta(['\\Seen', '\\Flagged', 'Work']), 'key-1');
		expect(plan).toEqual({
			create: {
				subject: 'Grüße aus Köln',
				from: recipient('joerg@example.com', 'Joerg Mueller'),
				sender: recipient('joerg@example.com', 'Joerg Mueller'),
				toRecipients: [recipient('bob@example.com', 'Bob'), recipient('carol@example.com')],
				ccRecipients: [recipient('dave@example.com', 'Dave')],
				replyTo: [recipient('list@example.com')],
				internetMessageId: '<m1@example.com>',
				isRead: true,
				flag: { flagStatus: 'flagged' },
				categories: ['Work'],
				singleValueExtendedProperties: [
					{ id: 'Integer 0x0E07', value: '1' },
					{ id: 'SystemTime 0x0E06', value: '2020-01-02T07:15:30Z' },
					{ id: 'SystemTime 0x0039', value: '2020-01-01T12:00:00Z' },
					{ id: 'String 0x007D', value: headerBlock },
					{ id: SOURCE_KEY_PROPERTY_ID, value: 'key-1' },
				],
				// mailparser gives text with LF line ends; Exchange stores bodies its own way anyway.
				body: { contentType: 'text', content: 'Hallo Bob,\nanbei.\n' },
				attachments: [
					{
						'@odata.type': '#microsoft.graph.fileAttachment',
						name: 'data.bin',
						contentType: 'application/octet-stream',
						contentBytes: attachment.toString('base64'),
						isInline: false,
					},
				],
			},
			uploads: [],
			fallback: null,
		});
		expect(graphMessageSize(plan)).toEqual({
			createBytes: Buffer.byteLength(JSON.stringify(plan.create)),
			uploadBytes: 0,
			totalBytes: Buffer.byteLength(JSON.stringify(plan.create)),
		});
	});

	it('plans every message of the varied fidelity corpus: source key, dates, flags, bytes', async () => {
		let planned = 0;
		for (const [folder, items] of Object.entries(variedCorpus())) {
			for (const item of items) {
				const internalDate = item.internalDate!.toUTCString();
				const key = fingerprintOf(item.raw);
				const plan = await planGraphMessage(item.raw, meta(item.flags ?? [], internalDate), key);
				const properties = propertiesOf(plan);
				const flags = item.flags ?? [];
				expect(plan.fallback).toBeNull();
				expect(properties[SOURCE_KEY_PROPERTY_ID]).toBe(key);
				expect(Number(properties['Integer 0x0E07'])).toBe(
					(flags.includes('\\Seen') ? 1 : 0) | (flags.includes('\\Draft') ? 8 : 0),
				);
				expect(properties['SystemTime 0x0E06']).toBe(
					item.internalDate!.toISOString().replace('.000Z', 'Z'),
				);
				expect(plan.create.isRead).toBe(flags.includes('\\Seen'));
				expect(plan.create.flag).toEqual(
					flags.includes('\\Flagged') ? { flagStatus: 'flagged' } : undefined,
				);
				if (folder === 'Projects/Alpha/Specs') {
					expect(attachmentsOf(plan)).toEqual([
						{
							name: 'spec.bin',
							contentType: 'application/octet-stream',
							isInline: false,
							contentId: null,
							content: Buffer.alloc(300_000, 7),
							via: 'create',
						},
					]);
				}
				planned++;
			}
		}
		expect(planned).toBe(11);
	});

	it('takes no address out of an encoded word (RFC 2047 section 5), as mailparser refuses to: no from', async () => {
		// makeMessage encodes a whole non-ASCII From, address included; the header block still has it.
		const raw = makeMessage({ from: 'Jörg <joerg@example.com>', messageId: '<m2@example.com>' });
		const plan = await planGraphMessage(raw, meta(), 'k');
		expect(plan.create.from).toBeUndefined();
		expect(plan.create.sender).toBeUndefined();
		expect(propertiesOf(plan)['String 0x007D']).toContain('From: =?UTF-8?B?');
	});

	it('keeps an 8-bit header block it cannot read as UTF-8 byte for byte (Latin-1) and does not throw', async () => {
		const raw = variedCorpus().INBOX[6].raw;
		const plan = await planGraphMessage(raw, meta(['\\Answered']), 'k');
		const properties = propertiesOf(plan);
		expect(properties['String 0x007D']).toBe(
			raw.toString('latin1', 0, raw.indexOf('\r\n\r\n') + 2),
		);
		expect(properties['Integer 0x1081']).toBe('102');
		expect(plan.create.internetMessageId).toBe('<8bit@example.com>');
		expect(plan.create.from).toEqual(recipient('x@y', '=?broken'));
	});
});

describe('planGraphMessage: hand-written MIME', () => {
	it('renders multipart/alternative with inline images by cid: isInline and contentId as the HTML refers to them', async () => {
		const logo = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
		const photo = Buffer.from('ffd8ffe000104a464946000101', 'hex');
		const unused = Buffer.from('47494638396101000100', 'hex');
		const html =
			'<html><body><p>Hi</p><img src="cid:logo@example.com"><img src="cid:photo%2B1@example.com"></body></html>';
		const raw = message(envelope, {
			headers: ['Content-Type: multipart/alternative; boundary="alt"'],
			boundary: 'alt',
			parts: [
				leaf(['Content-Type: text/plain; charset=us-ascii'], 'Hi'),
				{
					headers: ['Content-Type: multipart/related; boundary="rel"; type="text/html"'],
					boundary: 'rel',
					parts: [
						leaf(['Content-Type: text/html; charset=us-ascii'], html),
						leaf(
							[
								'Content-Type: image/png',
								'Content-Transfer-Encoding: base64',
								'Content-ID: <logo@example.com>',
							],
							base64Body(logo),
						),
						leaf(
							[
								'Content-Type: image/jpeg; name="photo.jpg"',
								'Content-Transfer-Encoding: base64',
								'Content-ID: <photo+1@example.com>',
								'Content-Disposition: inline; filename="photo.jpg"',
							],
							base64Body(photo),
						),
						leaf(
							[
								'Content-Type: image/gif',
								'Content-Transfer-Encoding: base64',
								'Content-ID: <unused@example.com>',
							],
							base64Body(unused),
						),
					],
				},
			],
		});
		const plan = await planGraphMessage(raw, meta(), 'k');
		expect(plan.fallback).toBeNull();
		expect(plan.create.body).toEqual({ contentType: 'html', content: html });
		expect(attachmentsOf(plan)).toEqual([
			{
				name: 'attachment-1.bin',
				contentType: 'image/png',
				isInline: true,
				contentId: 'logo@example.com',
				content: logo,
				via: 'create',
			},
			{
				name: 'photo.jpg',
				contentType: 'image/jpeg',
				isInline: true,
				contentId: 'photo+1@example.com',
				content: photo,
				via: 'create',
			},
			{
				name: 'attachment-3.bin',
				contentType: 'image/gif',
				isInline: false,
				contentId: 'unused@example.com',
				content: unused,
				via: 'create',
			},
		]);
	});

	it('decodes base64 and quoted-printable attachments with RFC 2231 and RFC 2047 names', async () => {
		const pdf = Buffer.concat([
			Buffer.from('%PDF-1.4\r\n'),
			Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7) % 256)),
		]);
		const csv = Buffer.from('Name;Stadt\r\nMüller;Köln\r\nGarçon;Paris = Île\r\n', 'latin1');
		const raw = message(envelope, {
			headers: ['Content-Type: multipart/mixed; boundary="mix"'],
			boundary: 'mix',
			parts: [
				leaf(
					['Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit'],
					Buffer.from('Anbei die Dateien.', 'utf8'),
				),
				leaf(
					[
						'Content-Type: application/pdf',
						'Content-Transfer-Encoding: base64',
						"Content-Disposition: attachment; filename*=UTF-8''%C3%9Cbersicht%20Q3%20%E2%82%AC.pdf",
					],
					base64Body(pdf),
				),
				leaf(
					[
						'Content-Type: text/csv; charset=iso-8859-1',
						'Content-Transfer-Encoding: quoted-printable',
						"Content-Disposition: attachment; filename*0*=iso-8859-1''Gr%FC%DFe; filename*1*=%20aus%20K%F6ln.csv",
					],
					quotedPrintableBody(csv),
				),
				leaf(
					[
						'Content-Type: application/octet-stream; name="=?UTF-8?B?5pel5pys6KqeLnR4dA==?="',
						'Content-Transfer-Encoding: base64',
						'Content-Disposition: attachment',
					],
					base64Body(Buffer.from('nihongo')),
				),
			],
		});
		const plan = await planGraphMessage(raw, meta(), 'k');
		expect(plan.create.body).toEqual({ contentType: 'text', content: 'Anbei die Dateien.' });
		expect(attachmentsOf(plan)).toEqual([
			{
				name: 'Übersicht Q3 €.pdf',
				contentType: 'application/pdf',
				isInline: false,
				contentId: null,
				content: pdf,
				via: 'create',
			},
			{
				name: 'Grüße aus Köln.csv',
				contentType: 'text/csv',
				isInline: false,
				contentId: null,
				content: csv,
				via: 'create',
			},
			// The declared type stands: mailparser would guess text/plain from the name.
			{
				name: '日本語.txt',
				contentType: 'application/octet-stream',
				isInline: false,
				contentId: null,
				content: Buffer.from('nihongo'),
				via: 'create',
			},
		]);
	});

	it('sends a 20 MB attachment to uploads and keeps the create request under 4 MB with what fits', async () => {
		const big = Buffer.alloc(20_000_000);
		for (let i = 0; i < big.length; i += 4) big.writeUInt32LE((i * 2654435761) >>> 0, i);
		const medium = (seed: number) => Buffer.alloc(2_500_000, seed);
		const raw = makeMessage({
			messageId: '<big@example.com>',
			attachments: [
				{ name: 'first.bin', bytes: medium(1) },
				{ name: 'video.mp4', bytes: big, contentType: 'video/mp4' },
				{ name: 'second.bin', bytes: medium(2) },
				{ name: 'small.txt', bytes: Buffer.from('small'), contentType: 'text/plain' },
			],
		});
		const plan = await planGraphMessage(raw, meta(), 'k');
		const created = Buffer.byteLength(JSON.stringify(plan.create));
		expect(created).toBeLessThanOrEqual(4_000_000);
		expect(
			attachmentsOf(plan).map(({ name, via, content }) => [name, via, content.length]),
		).toEqual([
			['first.bin', 'create', 2_500_000],
			['small.txt', 'create', 5],
			['video.mp4', 'upload', 20_000_000],
			['second.bin', 'upload', 2_500_000],
		]);
		expect(plan.uploads[0].content.equals(big)).toBe(true);
		expect(plan.uploads[1].content.equals(medium(2))).toBe(true);
		const size = graphMessageSize(plan);
		expect(size.createBytes).toBe(created);
		// the 20 MB by upload session (raw PUT bytes), the 2.5 MB by POST .../attachments (base64 JSON)
		expect(size.uploadBytes).toBeGreaterThan(20_000_000 + (4 * 2_500_000) / 3);
		expect(size.uploadBytes).toBeLessThan(20_000_000 + (4 * 2_500_000) / 3 + 2_000);
	});

	it('carries an attached message as a .eml fileAttachment with its exact bytes', async () => {
		const inner = Buffer.from(
			'From: Carol <carol@example.com>\r\nSubject: the original\r\nMessage-ID: <inner@example.com>\r\n\r\nInner body\r\n',
			'latin1',
		);
		const raw = message(envelope, {
			headers: ['Content-Type: multipart/mixed; boundary="mix"'],
			boundary: 'mix',
			parts: [
				leaf(['Content-Type: text/plain'], 'See below.'),
				leaf(
					[
						'Content-Type: message/rfc822',
						'Content-Disposition: attachment; filename="forwarded.eml"',
					],
					inner,
				),
				leaf(['Content-Type: message/rfc822'], inner),
			],
		});
		const plan = await planGraphMessage(raw, meta(), 'k');
		expect(plan.create.body).toEqual({ contentType: 'text', content: 'See below.' });
		expect(attachmentsOf(plan)).toEqual([
			{
				name: 'forwarded.eml',
				contentType: 'message/rfc822',
				isInline: false,
				contentId: null,
				content: inner,
				via: 'create',
			},
			{
				name: 'attachment-2.eml',
				contentType: 'message/rfc822',
				isInline: false,
				contentId: null,
				content: inner,
				via: 'create',
			},
		]);
	});

	it('decodes ISO-8859-1 and Shift_JIS bodies', async () => {
		const latin = message(
			[
				...envelope.filter((line) => !line.startsWith('Subject:')),
				'Subject: =?ISO-8859-1?Q?Gr=FC=DFe?=',
			],
			leaf(
				[
					'Content-Type: text/plain; charset=ISO-8859-1',
					'Content-Transfer-Encoding: quoted-printable',
				],
				quotedPrintableBody(Buffer.from('Grüße aus Köln, Straße 5\r\n', 'latin1')),
			),
		);
		// "こんにちは、世界" in Shift_JIS
		const sjis = Buffer.from('82b182f182c982bf82cd814190a28a45', 'hex');
		const japanese = message(
			envelope,
			leaf(
				['Content-Type: text/html; charset=Shift_JIS', 'Content-Transfer-Encoding: base64'],
				base64Body(Buffer.concat([Buffer.from('<p>'), sjis, Buffer.from('</p>')])),
			),
		);
		const latinPlan = await planGraphMessage(latin, meta(), 'k');
		expect(latinPlan.create.body).toEqual({
			contentType: 'text',
			content: 'Grüße aus Köln, Straße 5\n',
		});
		expect((await planGraphMessage(japanese, meta(), 'k')).create.body).toEqual({
			contentType: 'html',
			content: '<p>こんにちは、世界</p>',
		});
		expect(latinPlan.create.subject).toBe('Grüße');
	});
});

describe('planGraphMessage: headers that are missing or odd', () => {
	const text = leaf(['Content-Type: text/plain'], 'x');

	it('without Date, From and Message-ID: INTERNALDATE for both dates, no from/sender/internetMessageId', async () => {
		const raw = message(['To: bob@example.com', 'Subject: bare'], text);
		const plan = await planGraphMessage(raw, meta(), 'k');
		expect(plan.create.from).toBeUndefined();
		expect(plan.create.sender).toBeUndefined();
		expect(plan.create.internetMessageId).toBeUndefined();
		expect(propertiesOf(plan)).toMatchObject({
			'SystemTime 0x0E06': '2020-01-02T07:15:30Z',
			'SystemTime 0x0039': '2020-01-02T07:15:30Z',
		});
	});

	it('an unreadable Date gives way to INTERNALDATE, a missing INTERNALDATE to the Date header, neither leaves both out', async () => {
		const badDate = message(['From: a@example.com', 'Date: sometime last week'], text);
		expect(propertiesOf(await planGraphMessage(badDate, meta(), 'k'))['SystemTime 0x0039']).toBe(
			'2020-01-02T07:15:30Z',
		);
		const dated = message(['From: a@example.com', 'Date: Tue, 1 Mar 2005 23:59:58 -0500'], text);
		expect(propertiesOf(await planGraphMessage(dated, meta([], ''), 'k'))).toMatchObject({
			'SystemTime 0x0E06': '2005-03-02T04:59:58Z',
			'SystemTime 0x0039': '2005-03-02T04:59:58Z',
		});
		const properties = propertiesOf(await planGraphMessage(badDate, meta([], 'garbage'), 'k'));
		expect(properties['SystemTime 0x0E06']).toBeUndefined();
		expect(properties['SystemTime 0x0039']).toBeUndefined();
	});

	it('flattens groups, leaves out entries without a usable address, and never throws on them', async () => {
		const raw = message(
			[
				'From: "Anna A." <anna@example.com>, second@example.com',
				'Sender: Secretary <sec@example.com>',
				'To: Team: a@example.com, "B, Bee" <b@example.com>;, Undisclosed recipients:;',
				'Cc: not-an-address, <>, "Only Name", c@example.com',
				'Bcc: =?UTF-8?B?w5xiZXI=?= <ueber@example.com>',
				'Message-ID: no-angle-brackets',
			],
			text,
		);
		const plan = await planGraphMessage(raw, meta(), 'k');
		expect(plan.create).toMatchObject({
			from: recipient('anna@example.com', 'Anna A.'),
			sender: recipient('sec@example.com', 'Secretary'),
			toRecipients: [recipient('a@example.com'), recipient('b@example.com', 'B, Bee')],
			ccRecipients: [recipient('c@example.com')],
			bccRecipients: [recipient('ueber@example.com', 'Über')],
		});
		// mailparser puts brackets around a bare id, so it passes as <no-angle-brackets>
		expect(plan.create.internetMessageId).toBe('<no-angle-brackets>');
	});

	it('importance from X-Priority and Importance; normal is left out', async () => {
		const importance = async (header: string) =>
			(await planGraphMessage(message(['From: a@example.com', header], text), meta(), 'k')).create
				.importance;
		expect(await importance('X-Priority: 1 (Highest)')).toBe('high');
		expect(await importance('X-Priority: 5')).toBe('low');
		expect(await importance('Importance: low')).toBe('low');
		expect(await importance('X-MSMail-Priority: High')).toBe('high');
		expect(await importance('X-Priority: 3')).toBeUndefined();
	});
});
