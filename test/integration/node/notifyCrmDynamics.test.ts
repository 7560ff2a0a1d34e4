/**
 * Notify CRM's Send through Microsoft Dynamics 365, against the Dataverse emulator on the Microsoft emulator (tokens
 * by client credentials for the environment URL): contacts found by their escaped address, an email activity per
 * stage sent once with SendEmail (or a task), 429 waited out, one user's failure, and reruns or a lost ledger that
 * find the activity of a stage by its id instead of creating a second one.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { IDataObject } from 'n8n-workflow';

import { DataverseEmulator } from '../../harness/dataverse/dataverseEmulator';
import { startMicrosoftEmulator, type MicrosoftEmulator } from '../../harness/microsoftEmulator';
import { microsoft365AppData } from '../../harness/n8nNodeFixtures';
import { runNotify, type NotifyRunOptions } from './notifyCrmFixtures';

const AS_OF = '2025-03-29T08:30:00.000Z';
const SECRET = `dataverse~${process.pid}~do-not-print`;

/** Three users whose T-1 is due at AS_OF (Berlin, 2025-03-30). */
const rowOf = (email: string, name: string): IDataObject => ({
	email,
	name,
	migrationDate: '2025-03-30',
	timeZone: 'Europe/Berlin',
});

describe('Notify CRM through Dynamics 365 (Dataverse emulator)', () => {
	let emulator: MicrosoftEmulator;
	let dataverse: DataverseEmulator;
	let dir: string;
	let apps = 0;
	let clientId: string;

	beforeEach(async () => {
		// A fresh emulator and environment per test: an environment's routes are all of the emulator's /api/data/v9.2.
		emulator = await startMicrosoftEmulator();
		dataverse = new DataverseEmulator(emulator, `https://org${++apps}.crm4.dynamics.com`);
		clientId = `00000000-0000-4000-8000-${String(apps).padStart(12, '0')}`;
		emulator.addApp({ clientId, secret: SECRET });
		dataverse.addApplicationUser(clientId);
		dir = fs.mkdtempSync(path.join(os.tmpdir(), 'notify-dataverse-'));
	});

	afterEach(async () => {
		await emulator.stop();
		fs.rmSync(dir, { recursive: true, force: true });
	});

	const send = (
		rows: IDataObject[],
		parameters: Record<string, unknown> = {},
		ledger = 'ledger.sqlite',
	) =>
		runNotify({
			operation: 'send',
			rows,
			parameters: {
				provider: 'dynamics365',
				environmentUrl: dataverse.environmentUrl,
				activity: 'email',
				dynamicsOptions: { apiUrl: dataverse.apiUrl },
				options: { asOf: AS_OF, path: path.join(dir, ledger) },
				...parameters,
			},
			credentials: { microsoft365App: microsoft365AppData(emulator.appFor(clientId, SECRET)) },
		} satisfies NotifyRunOptions);

	const stageT1 = (output: IDataObject[], email: string) =>
		output.find((item) => item.email === email && item.stage === 'T-1');

	it('sends an email activity regarding each contact, once; a user without a contact fails alone', async () => {
		const anna = dataverse.addContact('Anna@Example.com', 'Anna');
		const brien = dataverse.addContact("o'brien@example.com", "Pat O'Brien");
		const rows = [
			rowOf('anna@example.com', 'Anna'),
			rowOf("o'brien@example.com", 'Pat'),
			rowOf('ghost@example.com', 'Ghost'),
		];
		const output = await send(rows);

		expect(stageT1(output, 'ghost@example.com')).toMatchObject({
			status: 'failed',
			error: 'no contact has the email address ghost@example.com (emailaddress1)',
		});
		const emails = dataverse.emails();
		expect(emails).toHaveLength(2);
		for (const [contact, row] of [
			[anna, rows[0]],
			[brien, rows[1]],
		] as const) {
			const sent = stageT1(output, String(row.email));
			const email = emails.find((candidate) => candidate.regardingContactId === contact.contactid);
			expect(email).toMatchObject({
				activityid: sent?.reference,
				subject: 'Tomorrow: your mailbox moves',
				description: `Hello ${row.name}, tomorrow.`,
				toContactIds: [contact.contactid],
				statecode: 1,
				statuscode: 6,
				createdBy: clientId,
			});
			expect(sent).toMatchObject({ status: 'sent', duplicate: false, attempt: 1 });
		}
		expect(dataverse.sentEmails().map((send) => send.issueSend)).toEqual([true, true]);
		// The quote in the address reached the filter doubled, inside the string literal.
		const filters = dataverse
			.requests()
			.map((request) => new URLSearchParams(request.query).get('$filter'));
		expect(filters).toContain("emailaddress1 eq 'o''brien@example.com'");

		const before = dataverse.requests().length;
		const rerun = await send(rows.slice(0, 2));
		expect(rerun.filter((item) => item.status === 'already sent')).toHaveLength(2);
		expect(dataverse.requests()).toHaveLength(before);
		expect(JSON.stringify([output, rerun])).not.toContain(SECRET);
		expect(JSON.stringify([output, rerun])).not.toMatch(/eyJ[\w-]+\.eyJ/);
	});

	it('a stage whose run never recorded it (lost ledger) finds its sent email and sends nothing again', async () => {
		dataverse.addContact('anna@example.com', 'Anna');
		const rows = [rowOf('anna@example.com', 'Anna')];
		const first = await send(rows, {}, 'first.sqlite');
		const second = await send(rows, {}, 'second.sqlite');
		expect(stageT1(second, 'anna@example.com')).toMatchObject({
			status: 'sent',
			duplicate: true,
			reference: stageT1(first, 'anna@example.com')?.reference,
		});
		expect(dataverse.emails()).toHaveLength(1);
		expect(dataverse.sentEmails()).toHaveLength(1);
	});

	it('SendEmail refused with a 5xx is retried only after the email is found still a draft', async () => {
		dataverse.addContact('anna@example.com', 'Anna');
		dataverse.failNext(
			(request) => request.path.endsWith('/Microsoft.Dynamics.CRM.SendEmail'),
			503,
		);
		const output = await send([rowOf('anna@example.com', 'Anna')]);
		expect(stageT1(output, 'anna@example.com')).toMatchObject({ status: 'sent', duplicate: false });
		expect(dataverse.sentEmails()).toHaveLength(1);
		const trail = dataverse
			.requests()
			.map(
				(request) =>
					`${request.method} ${request.path.replace(/\([0-9a-f-]+\)/, '(id)')} ${request.status}`,
			);
		expect(trail.slice(-3)).toEqual([
			'POST /api/data/v9.2/emails(id)/Microsoft.Dynamics.CRM.SendEmail 503',
			'GET /api/data/v9.2/emails(id) 200',
			'POST /api/data/v9.2/emails(id)/Microsoft.Dynamics.CRM.SendEmail 200',
		]);
	});

	it('waits out a service-protection 429 as Retry-After asks', async () => {
		dataverse.addContact('anna@example.com', 'Anna');
		dataverse.throttle(
			1,
			1,
			(request) => request.method === 'POST' && request.path.endsWith('/emails'),
		);
		const output = await send([rowOf('anna@example.com', 'Anna')]);
		expect(stageT1(output, 'anna@example.com')).toMatchObject({ status: 'sent', waits: 1 });
		const creates = dataverse
			.requests()
			.filter((request) => request.method === 'POST' && request.path.endsWith('/emails'));
		expect(creates.map((request) => request.status)).toEqual([429, 204]);
		expect(dataverse.emails()).toHaveLength(1);
	});

	it('creates a task regarding the contact instead, due a day after the stage', async () => {
		const anna = dataverse.addContact('anna@example.com', 'Anna');
		const output = await send([rowOf('anna@example.com', 'Anna')], { activity: 'task' });
		expect(dataverse.tasks()).toEqual([
			expect.objectContaining({
				activityid: stageT1(output, 'anna@example.com')?.reference,
				regardingContactId: anna.contactid,
				subject: 'Tomorrow: your mailbox moves',
				scheduledend: '2025-03-30T08:00:00.000Z',
			}),
		]);
		expect(dataverse.sentEmails()).toEqual([]);
	});

	it('an app that is no application user of the environment fails with Dataverse’s answer', async () => {
		const stranger = `00000000-0000-4000-8000-9${String(apps).padStart(11, '0')}`;
		emulator.addApp({ clientId: stranger, secret: SECRET });
		dataverse.addContact('anna@example.com', 'Anna');
		const output = await runNotify({
			operation: 'send',
			rows: [rowOf('anna@example.com', 'Anna')],
			parameters: {
				provider: 'dynamics365',
				environmentUrl: dataverse.environmentUrl,
				dynamicsOptions: { apiUrl: dataverse.apiUrl },
				options: { asOf: AS_OF, path: path.join(dir, 'ledger.sqlite') },
			},
			credentials: { microsoft365App: microsoft365AppData(emulator.appFor(stranger, SECRET)) },
		});
		expect(stageT1(output, 'anna@example.com')).toMatchObject({
			status: 'failed',
			providerAnswer: 'HTTP 401',
			error: 'Dataverse refused finding the contact: HTTP 401',
		});
	});
});
