import fs from 'node:fs';
import path from 'node:path';

import { planGraphMessage } from '../../../nodes/lib/graph/mimeToGraph';
import { SOURCE_KEY_PROPERTY_ID } from '../../../nodes/lib/graph/graphProperties';
import type { GraphMessagePlan } from '../../../nodes/lib/graph/graphMessagePlan';
import { smimeIdentity, type SmimeIdentity } from '../../harness/smime';
import { attachmentsOf, propertiesOf, recipient } from './graphPlanHelpers';

const meta = { flags: ['\\Seen', 'Work'], internalDate: '02-Jan-2020 08:15:30 +0000' };
const headers =
	'From: Anna <anna@example.com>\r\nTo: Bob <bob@example.com>\r\nSubject: secret\r\n' +
	'Date: Wed, 01 Jan 2020 12:00:00 +0000\r\nMessage-ID: <smime@example.com>\r\n';

/** Plans `raw` and checks that the original travels whole, with the envelope, flags, dates and source key. */
async function plannedWhole(raw: Buffer, reason: string): Promise<GraphMessagePlan> {
	const plan = await planGraphMessage(raw, meta, 'key');
	expect(plan.fallback).toEqual({ reason, path: expect.stringContaining('original-message.eml') });
	expect(attachmentsOf(plan)).toEqual([
		{
			name: 'original-message.eml',
			contentType: 'message/rfc822',
			isInline: false,
			contentId: null,
			content: raw,
			via: raw.length < 2_900_000 ? 'create' : 'upload',
		},
	]);
	const properties = propertiesOf(plan);
	expect(properties[SOURCE_KEY_PROPERTY_ID]).toBe('key');
	expect(properties['Integer 0x0E07']).toBe('1');
	expect(properties['SystemTime 0x0E06']).toBe('2020-01-02T08:15:30Z');
	expect(plan.create.isRead).toBe(true);
	expect(plan.create.categories).toEqual(['Work']);
	return plan;
}

describe('messages carried whole, with the original attached', () => {
	let smime: SmimeIdentity;
	beforeAll(() => {
		smime = smimeIdentity('Content-Type: text/plain; charset=utf-8\r\n\r\nSigned text, grüße.\r\n');
	});
	afterAll(() => smime.remove());

	it('S/MIME signed: the readable body stays, and the signature verifies from the attached original', async () => {
		const signed = smime.sign('-binary');
		const raw = Buffer.concat([Buffer.from(headers), signed]);
		expect(raw.toString('latin1')).toMatch(
			/multipart\/signed; protocol="application\/x-pkcs7-signature"/,
		);
		const plan = await plannedWhole(raw, 'smime-signed');
		expect(plan.create.body).toEqual({ contentType: 'text', content: 'Signed text, grüße.\n' });
		expect(plan.create.from).toEqual(recipient('anna@example.com', 'Anna'));
		expect(plan.create.internetMessageId).toBe('<smime@example.com>');
		fs.writeFileSync(path.join(smime.dir, 'carried.eml'), attachmentsOf(plan)[0].content);
		expect(() =>
			smime.openssl(
				'smime',
				'-verify',
				'-in',
				'carried.eml',
				'-CAfile',
				'cert.pem',
				'-out',
				'verified.txt',
			),
		).not.toThrow();
	});

	it('S/MIME encrypted and opaque-signed: a notice body, the original attached', async () => {
		const encrypted = Buffer.concat([Buffer.from(headers), smime.encrypt()]);
		const opaque = Buffer.concat([Buffer.from(headers), smime.sign('-nodetach')]);
		const encryptedPlan = await plannedWhole(encrypted, 'smime-encrypted');
		expect(encryptedPlan.create.body).toEqual({
			contentType: 'text',
			content: expect.stringContaining('it is encrypted with S/MIME'),
		});
		await plannedWhole(opaque, 'smime-opaque-signed');
	});

	it('PGP/MIME signed and encrypted', async () => {
		const pgpSigned = Buffer.from(
			headers +
				'MIME-Version: 1.0\r\nContent-Type: multipart/signed; micalg=pgp-sha256; protocol="application/pgp-signature"; boundary="s"\r\n\r\n' +
				'--s\r\nContent-Type: text/plain\r\n\r\nSigned by PGP.\r\n--s\r\nContent-Type: application/pgp-signature; name="signature.asc"\r\n\r\n' +
				'-----BEGIN PGP SIGNATURE-----\r\niQEzBAEBCAAdFiEE\r\n-----END PGP SIGNATURE-----\r\n--s--\r\n',
		);
		const pgpEncrypted = Buffer.from(
			headers +
				'MIME-Version: 1.0\r\nContent-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="e"\r\n\r\n' +
				'--e\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n--e\r\nContent-Type: application/octet-stream\r\n\r\n' +
				'-----BEGIN PGP MESSAGE-----\r\nhQEMA1\r\n-----END PGP MESSAGE-----\r\n--e--\r\n',
		);
		const signedPlan = await plannedWhole(pgpSigned, 'pgp-signed');
		expect(signedPlan.create.body).toEqual({ contentType: 'text', content: 'Signed by PGP.' });
		await plannedWhole(pgpEncrypted, 'pgp-encrypted');
	});

	it('broken MIME whose parts mailparser would drop, and bytes that are no message', async () => {
		const noBoundary = Buffer.from(
			`${headers}Content-Type: multipart/mixed\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nlost?\r\n--b--\r\n`,
		);
		const wrongBoundary = Buffer.from(
			`${headers}Content-Type: multipart/mixed; boundary="zzz"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nlost?\r\n--b--\r\n`,
		);
		const garbage = Buffer.from([0x00, 0x01, 0xff, 0xfe, 0x0a, 0x7f, 0x80]);
		for (const raw of [noBoundary, wrongBoundary]) {
			const plan = await plannedWhole(raw, 'unparsable');
			expect(plan.create.subject).toBe('secret');
			expect(plan.create.body).toEqual({
				contentType: 'text',
				content: expect.stringContaining('MIME structure is damaged'),
			});
		}
		const plan = await plannedWhole(garbage, 'unparsable');
		// NULs cannot be a MAPI string: no header property, the bytes are in the attachment.
		expect(propertiesOf(plan)['String 0x007D']).toBeUndefined();
	});

	it('a body larger than a request: the notice, and the original by upload', async () => {
		const html = `<html><body>${'<p>long line of text</p>'.repeat(200_000)}</body></html>`;
		const raw = Buffer.from(
			`${headers}MIME-Version: 1.0\r\nContent-Type: text/html; charset=us-ascii\r\n\r\n${html}\r\n`,
		);
		const plan = await plannedWhole(raw, 'body-too-large');
		expect(Buffer.byteLength(JSON.stringify(plan.create))).toBeLessThan(10_000);
	});
});
