/**
 * The shipped error-notification template run the way n8n runs an error workflow in production: both workflows
 * published, `n8n start` serving, a wave workflow naming it in `settings.errorWorkflow` started by its production
 * webhook, migrating through a target that refuses some messages, and failing on them (a Stop and Error, as the
 * template's note suggests). n8n then starts the error workflow itself (execute-error-workflow.ts in n8n's cli:
 * only after a failed execution that was not started by hand, and only in its published version). The digest goes
 * through n8n's Send Email node into a private Postfix, which delivers by the ops user's LDAP mailHost into Dovecot,
 * read back here over IMAP.
 */
import fs from 'node:fs';

import { simpleParser, type ParsedMail } from 'mailparser';

import type { DovecotServer } from '../harness/dovecot';
import { makeMessage } from '../harness/imap-fixtures';
import { inboxMessages, inboxReaches } from '../harness/inbox';
import type { PostfixServer } from '../harness/postfix';
import { TestServices } from '../harness/services';
import { refuseAppendsDated } from '../harness/throttleRules';
import { startThrottlingProxy } from '../harness/throttlingProxy';
import { csvRows, htmlMetric } from '../integration/reports/reportReading';
import { startN8nServer, waitForPostWebhook, type N8nServer } from './n8nEditor';
import {
	importWorkflow,
	loadTemplate,
	n8nHomeWithCredentials,
	publishWorkflow,
	removeN8nHome,
	type N8nHome,
} from './n8nRuntime';
import { imapCredential, seedMailboxes, type Corpus, type TemplateNode } from './workflowFixtures';

const MASTER = { user: 'migrator', password: 'm4ster-Secret-err-e2e' };
const USER_PASSWORD = 'u5er-Secret-err-e2e';
const OPS_PASSWORD = 'ops-Secret-err-e2e';
const OPS_HOST = 'mail.example.test';
const OPS_ADDRESS = 'ops@example.test';
const WEBHOOK_PATH = 'mm-wave-e2e';
const WAVE_NAME = 'Wave with failures (e2e)';
/** Error workflow runs start after the failed execution ends, then Postfix delivers: generous for a busy machine. */
const MAIL_DEADLINE_MS = 3 * 60_000;
const TEST_TIMEOUT_MS = MAIL_DEADLINE_MS + 2 * 60_000;

const day = (n: number, year: number) => new Date(Date.UTC(year, 0, n, 9, 0, 0));
/** Messages dated 1999 are refused by the target (the proxy's rule below), the others copied. */
function corpus(user: string, copied: number, refused: number): Corpus {
	const message = (index: number, year: number) => ({
		raw: makeMessage({
			subject: `${user} ${year} ${index}`,
			date: day(index, year),
			messageId: `<${user}.${year}.${index}@example.test>`,
		}),
		internalDate: day(index, year),
	});
	return {
		INBOX: [
			...Array.from({ length: copied }, (_, index) => message(index + 1, 2021)),
			...Array.from({ length: refused }, (_, index) => message(index + 1, 1999)),
		],
	};
}

/**
 * A wave workflow as a team would set it up under the error template's note: its production trigger (a webhook
 * here, so the test starts it), Migrate, and a Stop and Error for any mailbox with failures; its settings name the
 * error workflow.
 */
function failingWave(errorWorkflowId: string): Record<string, unknown> {
	const node = (n: number, name: string, type: string, extra: Record<string, unknown>) => ({
		id: `f0000000-0014-4000-8000-${String(n).padStart(12, '0')}`,
		name,
		type,
		position: [n * 220, 0],
		...extra,
	});
	return {
		id: 'mmFailingWaveE2e1',
		name: WAVE_NAME,
		active: false,
		settings: { executionOrder: 'v1', errorWorkflow: errorWorkflowId },
		nodes: [
			node(0, 'Wave webhook', 'n8n-nodes-base.webhook', {
				typeVersion: 2,
				webhookId: 'f0000000-0014-4000-8000-0000000000aa',
				parameters: {
					httpMethod: 'POST',
					path: WEBHOOK_PATH,
					responseMode: 'lastNode',
					options: {},
				},
			}),
			node(1, 'One item per mailbox', 'n8n-nodes-base.splitOut', {
				typeVersion: 1,
				parameters: { fieldToSplitOut: 'body.mailboxes', options: {} },
			}),
			node(2, 'Migrate', 'n8n-nodes-mailbox-migration.migrateMailbox', {
				typeVersion: 1,
				onError: 'continueRegularOutput',
				parameters: {
					operation: 'migrate',
					sourceMailbox: '={{ $json.sourceMailbox }}',
					targetMailbox: '={{ $json.targetMailbox }}',
					mode: 'full',
					migrationId: 'wave-1',
					folderOptions: {},
					// One message per APPEND, so the proxy refuses exactly the 1999 ones.
					performance: { batchMessages: 1 },
					ledgerOptions: {},
				},
				credentials: {
					mailSourceImap: { id: 'mailSource', name: 'Mail Source (IMAP)' },
					mailTargetImap: { id: 'mailTarget', name: 'Mail Target (IMAP)' },
				},
			}),
			node(3, 'Any failures?', 'n8n-nodes-base.if', {
				typeVersion: 2.2,
				parameters: {
					conditions: {
						options: { caseSensitive: true, leftValue: '', typeValidation: 'strict', version: 2 },
						conditions: [
							{
								id: 'f0000000-0014-4000-8000-0000000000b1',
								leftValue: "={{ $json.status === 'failed' || ($json.counts?.failed ?? 0) > 0 }}",
								rightValue: '',
								operator: { type: 'boolean', operation: 'true', singleValue: true },
							},
						],
						combinator: 'and',
					},
					options: {},
				},
			}),
			node(4, 'Fail the wave', 'n8n-nodes-base.stopAndError', {
				typeVersion: 1,
				parameters: {
					errorMessage:
						"={{ $input.all().map((item) => item.json.mailbox).join(', ') }} had failures",
				},
			}),
		],
		connections: {
			'Wave webhook': { main: [[{ node: 'One item per mailbox', type: 'main', index: 0 }]] },
			'One item per mailbox': { main: [[{ node: 'Migrate', type: 'main', index: 0 }]] },
			Migrate: { main: [[{ node: 'Any failures?', type: 'main', index: 0 }]] },
			'Any failures?': { main: [[{ node: 'Fail the wave', type: 'main', index: 0 }], []] },
		},
	};
}

interface Digest {
	mail: ParsedMail;
	rows: Record<string, string>[];
}

async function digestMail(raw: Buffer): Promise<Digest> {
	const mail = await simpleParser(raw);
	const csv = mail.attachments.find((attachment) => attachment.filename === 'report.csv');
	if (!csv) throw new Error(`"${mail.subject}" has no report.csv`);
	return { mail, rows: csvRows(csv.content.toString('utf8')) };
}

describe('Error notification template, run by n8n as the error workflow of a failing wave', () => {
	const services = new TestServices();
	let source: DovecotServer;
	let target: DovecotServer;
	let opsMail: DovecotServer;
	let mx: PostfixServer;
	let home: N8nHome;
	let server: N8nServer;
	let errorWorkflowId: string;
	const responses: string[] = [];

	/** Starts the wave by its production webhook; resolves once n8n has run it (response mode: last node). */
	async function runWave(mailboxes: string[]): Promise<number> {
		const response = await fetch(`${server.url}/webhook/${WEBHOOK_PATH}`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({
				mailboxes: mailboxes.map((user) => ({ sourceMailbox: user, targetMailbox: user })),
			}),
		});
		const text = await response.text();
		responses.push(text);
		if (response.status === 404)
			throw new Error(`the wave's webhook is not registered: ${text}\n${n8nLog()}`);
		return response.status;
	}

	const n8nLog = () => `n8n's log:\n${fs.readFileSync(server.logFile, 'utf8').slice(-6000)}`;
	const opsInbox = (count: number) =>
		inboxReaches(opsMail, 'ops', OPS_PASSWORD, count, MAIL_DEADLINE_MS).catch((error: Error) => {
			throw new Error(
				`${error.message}\nn8n's log:\n${fs.readFileSync(server.logFile, 'utf8').slice(-6000)}`,
			);
		});

	beforeAll(async () => {
		const [directory] = await Promise.all([
			services.slapd({ name: 'directory' }),
			(async () => {
				[source, target, opsMail] = await Promise.all([
					services.dovecot({ name: 'source', master: MASTER }),
					services.dovecot({ name: 'target', master: MASTER }),
					services.dovecot({ name: 'ops', lmtp: true }),
				]);
			})(),
		]);
		await opsMail.addUser('ops', OPS_PASSWORD);
		await directory.addMailUser({ uid: 'ops', mailLocalAddress: OPS_ADDRESS, mailHost: OPS_HOST });
		mx = await services.postfix({ name: 'mx', ldap: directory, routes: { [OPS_HOST]: opsMail } });
		await seedMailboxes(
			{ alice: corpus('alice', 3, 2), bob: corpus('bob', 2, 1) },
			USER_PASSWORD,
			source,
			target,
		);
		const proxy = services.add(await startThrottlingProxy(target.port, [refuseAppendsDated(1999)]));

		home = await n8nHomeWithCredentials([
			imapCredential('mailSource', 'Mail Source (IMAP)', 'mailSourceImap', source),
			imapCredential('mailTarget', 'Mail Target (IMAP)', 'mailTargetImap', target, {
				port: proxy.port,
			}),
			{
				id: 'smtpRelay',
				name: 'Mail relay (SMTP)',
				type: 'smtp',
				data: {
					user: '',
					password: '',
					host: '127.0.0.1',
					port: mx.port,
					secure: false,
					disableStartTls: true,
				},
			},
		]);
		const errorWorkflow = structuredClone(loadTemplate('error-notification.json'));
		errorWorkflowId = errorWorkflow.id as string;
		const email = (errorWorkflow.nodes as TemplateNode[]).find((node) => node.name === 'Email ops');
		if (!email) throw new Error('error-notification.json has no "Email ops" node');
		email.parameters.toEmail = OPS_ADDRESS;
		await importWorkflow(home, errorWorkflow);
		const wave = failingWave(errorWorkflowId);
		await importWorkflow(home, wave);
		await publishWorkflow(home, errorWorkflowId);
		await publishWorkflow(home, wave.id as string);
		server = await startN8nServer(home);
		await waitForPostWebhook(server, WEBHOOK_PATH);
	}, 20 * 60_000);

	afterAll(async () => {
		await server?.stop();
		if (home) removeN8nHome(home);
		await services.stopAll();
	});

	it(
		'mails ops the digest of the wave’s failures when the wave fails',
		async () => {
			const status = await runWave(['alice']);
			expect(status).toBeGreaterThanOrEqual(500);
			const [raw] = await opsInbox(1);
			const { mail, rows } = await digestMail(raw);
			expect(mail.subject).toBe(
				`${WAVE_NAME} failed: Migration wave-1: 0 mailboxes could not start, 2 items failed`,
			);
			expect(mail.from?.text).toContain('migration@example.com');
			expect(mail.text).toContain(`The workflow "${WAVE_NAME}" failed.`);
			expect(mail.text).toContain('Error: alice had failures');
			expect(mail.text).toMatch(
				/Execution: http:\/\/\S+\/workflow\/mmFailingWaveE2e1\/executions\/\d+/,
			);
			expect(htmlMetric(String(mail.html), 'items')).toBe(2);
			expect(htmlMetric(String(mail.html), 'failedRuns')).toBe(0);
			expect(rows.map((row) => [row.user, row.kind, row.status, row.code, row.folder])).toEqual([
				['alice', 'refused', 'failed', 'CANNOT', 'INBOX'],
				['alice', 'refused', 'failed', 'CANNOT', 'INBOX'],
			]);
			expect(rows.map((row) => row.message_id).sort()).toEqual([
				'<alice.1999.1@example.test>',
				'<alice.1999.2@example.test>',
			]);
		},
		TEST_TIMEOUT_MS,
	);

	it(
		'mails only what failed since the last digest when the wave fails again',
		async () => {
			const status = await runWave(['bob', 'ghost']);
			expect(status).toBeGreaterThanOrEqual(500);
			const messages = await opsInbox(2);
			expect(messages).toHaveLength(2);
			const { mail, rows } = await digestMail(messages[1]);
			expect(mail.subject).toBe(
				`${WAVE_NAME} failed: Migration wave-1: 1 mailbox could not start, 1 item failed`,
			);
			expect(mail.text).toContain('Error: bob, ghost had failures');
			expect(rows.map((row) => [row.user, row.kind, row.status])).toEqual([
				['ghost', 'mailbox', 'failed'],
				['bob', 'refused', 'failed'],
			]);
			expect(rows[0].reason).toMatch(/ghost/);
			expect(rows[1].reason).toMatch(/Rejected by policy/);
			expect(rows[1].message_id).toBe('<bob.1999.1@example.test>');
			expect(rows.some((row) => row.user === 'alice')).toBe(false);
		},
		TEST_TIMEOUT_MS,
	);

	it('puts no password in the mails, the webhook answers or n8n’s log', async () => {
		const mails = (await inboxMessages(opsMail, 'ops', OPS_PASSWORD)).map((raw) =>
			raw.toString('utf8'),
		);
		const log = fs.readFileSync(server.logFile, 'utf8');
		for (const text of [...mails, ...responses, log]) {
			for (const secret of [MASTER.password, USER_PASSWORD, OPS_PASSWORD])
				expect(text).not.toContain(secret);
		}
	});
});
