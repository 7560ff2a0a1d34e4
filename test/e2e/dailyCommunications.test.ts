/**
 * The shipped daily-communications template in real n8n, against the loopback webhook receiver standing in for the
 * CRM: its roster replaced by four users in four zones and its Evaluate As Of set to moments that make chosen stages
 * due, as a test (or a team previewing the plan) would. Then the swap the template shows: Plan Only → any sending
 * node (its HTTP Request) → Mark Sent.
 */
import { startWebhookReceiver, WebhookReceiver } from '../harness/webhookReceiver';
import {
	loadTemplate,
	n8nHomeWithCredentials,
	removeN8nHome,
	runWorkflow,
	type N8nHome,
	type WorkflowRun,
} from './n8nRuntime';
import { expectNoSecretsPrinted, type OutputItem, type TemplateNode } from './workflowFixtures';

const TEMPLATE = 'daily-communications.json';
const SIGNING_SECRET = 'hmac-Secret-e2e-7f3a9c';
const API_TOKEN = 'crm-Token-e2e-51c9d2';

/**
 * Stage moments (UTC) on the template's plan, T-7 09:00, T-1 09:00, T+0 08:00, T+1 10:00 local time:
 * alice T-7 2025-06-02 07:00, T-1 06-08 07:00; bob T-1 06-02 13:00; chiara T+0 06-01 23:00; dev T+1 06-02 04:30.
 */
const ROSTER = [
	{
		email: 'alice@example.test',
		name: 'Alice Adler',
		migrationDate: '2025-06-09',
		timeZone: 'Europe/Berlin',
	},
	{
		email: 'bob@example.test',
		name: 'Bob Baker',
		migrationDate: '2025-06-03',
		timeZone: 'America/New_York',
	},
	{
		email: 'chiara@example.test',
		name: 'Chiara Conti',
		migrationDate: '2025-06-02',
		timeZone: 'Asia/Tokyo',
	},
	{
		email: 'dev@example.test',
		name: 'Dev Desai',
		migrationDate: '2025-06-01',
		timeZone: 'Asia/Kolkata',
	},
];

/** 12:00 UTC: alice's T-7 (5 h ago), chiara's T+0 (13 h), dev's T+1 (7.5 h) are due; bob's T-1 is an hour away. */
const MONDAY_NOON = '2025-06-02T12:00:00.000Z';
const MONDAY_AFTERNOON = '2025-06-02T13:30:00.000Z';
/** Only alice's T-1 (07:00 UTC) is due; everyone else's next stage is stale or later. */
const SUNDAY_MORNING = '2025-06-08T08:00:00.000Z';

function nodeOf(workflow: Record<string, unknown>, name: string): TemplateNode {
	const node = (workflow.nodes as TemplateNode[]).find((candidate) => candidate.name === name);
	if (!node) throw new Error(`${TEMPLATE} has no "${name}" node`);
	return node;
}

/** The template with the test's roster, CRM URL and Evaluate As Of: what a team edits in the editor. */
function communicationsWorkflow(receiver: WebhookReceiver, asOf: string): Record<string, unknown> {
	const workflow = structuredClone(loadTemplate(TEMPLATE));
	nodeOf(workflow, 'Roster').parameters.jsonOutput = JSON.stringify({ users: ROSTER });
	const notify = nodeOf(workflow, 'Notify users');
	notify.parameters.url = receiver.url;
	notify.parameters.options = { asOf };
	return workflow;
}

/** The swap the template's note describes: the roster into Plan messages, its HTTP Request at the receiver. */
function planOnlyWorkflow(receiver: WebhookReceiver, asOf: string): Record<string, unknown> {
	const workflow = communicationsWorkflow(receiver, asOf);
	const connections = workflow.connections as Record<
		string,
		{ main: { node: string; type: string; index: number }[][] }
	>;
	connections['One item per user'].main[0] = [{ node: 'Plan messages', type: 'main', index: 0 }];
	nodeOf(workflow, 'Plan messages').parameters.options = { asOf };
	nodeOf(workflow, 'Send with your CRM').parameters.url = new URL(
		'/api/messages',
		receiver.url,
	).toString();
	return workflow;
}

const stagesWith = (run: WorkflowRun, status: string) =>
	(run.nodes['Notify users'] as OutputItem[])
		.filter((item) => item.status === status)
		.map((item) => `${item.email} ${item.stage}`)
		.sort();

describe('Daily communications template in real n8n', () => {
	let receiver: WebhookReceiver;
	let home: N8nHome;
	const runs: WorkflowRun[] = [];
	const run = async (workflow: Record<string, unknown>) => {
		const result = await runWorkflow(home, workflow);
		runs.push(result);
		expect(result.error).toBeNull();
		return result;
	};

	beforeAll(async () => {
		receiver = await startWebhookReceiver();
		receiver.dedupByIdempotencyKey = true;
		home = await n8nHomeWithCredentials([
			{
				id: 'crmWebhook',
				name: 'CRM webhook',
				type: 'httpHeaderAuth',
				data: { name: 'X-Api-Key', value: API_TOKEN },
			},
			{
				id: 'crmSigning',
				name: 'CRM signing secret',
				type: 'webhookSigningSecret',
				data: { secret: SIGNING_SECRET, header: 'X-Signature-256' },
			},
		]);
	}, 10 * 60_000);

	afterAll(async () => {
		if (home) removeN8nHome(home);
		await receiver?.stop();
	});

	it('ships Evaluate As Of empty (plans as of now) and the Plan Only branch unconnected', () => {
		const template = loadTemplate(TEMPLATE);
		expect(nodeOf(template, 'Notify users').parameters.options).toEqual({});
		expect(nodeOf(template, 'Plan messages').parameters.options).toEqual({});
		const targets = Object.values(
			template.connections as Record<string, { main: { node: string }[][] }>,
		).flatMap((connection) => connection.main.flat().map((link) => link.node));
		expect(targets).not.toContain('Plan messages');
		expect(targets).toContain('Notify users');
	});

	it('sends exactly the stages due in each user’s zone, signed, authenticated, each with its own key', async () => {
		const first = await run(communicationsWorkflow(receiver, MONDAY_NOON));
		expect(stagesWith(first, 'sent')).toEqual([
			'alice@example.test T-7',
			'chiara@example.test T+0',
			'dev@example.test T+1',
		]);
		const outputs = first.nodes['Notify users'] as OutputItem[];
		expect(outputs).toHaveLength(ROSTER.length * 4);
		expect(
			outputs.find((item) => item.email === 'bob@example.test' && item.stage === 'T-1'),
		).toMatchObject({
			status: 'not due',
			dueAt: '2025-06-02T13:00:00.000Z',
		});
		expect(first.outputs['Any failed?'][0] ?? []).toEqual([]);

		const deliveries = receiver.deliveries();
		expect(receiver.requests()).toHaveLength(3);
		const sentKeys = outputs
			.filter((item) => item.status === 'sent')
			.map((item) => item.idempotencyKey);
		expect(deliveries.map((request) => request.idempotencyKey).sort()).toEqual(
			[...sentKeys].sort(),
		);
		expect(new Set(sentKeys).size).toBe(3);
		for (const request of deliveries) {
			expect(request.method).toBe('POST');
			expect(request.headers['x-api-key']).toBe(API_TOKEN);
			expect(WebhookReceiver.signatureValid(request, SIGNING_SECRET)).toBe(true);
			expect(WebhookReceiver.signatureValid(request, `${SIGNING_SECRET}x`)).toBe(false);
			expect(JSON.parse(request.body).idempotencyKey).toBe(request.idempotencyKey);
		}
		const alice = JSON.parse(
			deliveries.find((request) => JSON.parse(request.body).email === 'alice@example.test')!.body,
		);
		expect(alice).toMatchObject({
			stage: 'T-7',
			migration: 'wave-1',
			subject: 'Your mailbox moves on 2025-06-09',
			timeZone: 'Europe/Berlin',
			dueAt: '2025-06-02T07:00:00.000Z',
		});
		expect(alice.body).toMatch(/^Hello Alice Adler,\n\non 2025-06-09 your mailbox moves/);
		expect(
			JSON.parse(deliveries.find((request) => JSON.parse(request.body).stage === 'T+0')!.body)
				.subject,
		).toBe('Your mailbox has moved');
	});

	it('sends nothing on a rerun at the same moment, and the next stage once it is due', async () => {
		const rerun = await run(communicationsWorkflow(receiver, MONDAY_NOON));
		expect(stagesWith(rerun, 'sent')).toEqual([]);
		expect(stagesWith(rerun, 'already sent')).toEqual([
			'alice@example.test T-7',
			'chiara@example.test T+0',
			'dev@example.test T+1',
		]);
		expect(receiver.requests()).toHaveLength(3);

		const later = await run(communicationsWorkflow(receiver, MONDAY_AFTERNOON));
		expect(stagesWith(later, 'sent')).toEqual(['bob@example.test T-1']);
		expect(receiver.requests()).toHaveLength(4);
		expect(JSON.parse(receiver.requests()[3].body)).toMatchObject({
			email: 'bob@example.test',
			subject: 'Tomorrow your mailbox moves',
		});
	});

	it('sends through another node with Plan Only → HTTP Request → Mark Sent, once, and Send then finds it sent', async () => {
		const swapped = await run(planOnlyWorkflow(receiver, SUNDAY_MORNING));
		const planned = swapped.nodes['Plan messages'] as OutputItem[];
		expect(planned.map((item) => `${item.email} ${item.stage} ${item.status}`)).toEqual([
			'alice@example.test T-1 due',
		]);
		expect(swapped.nodes['Notify users']).toBeUndefined();
		const [crmRequest] = receiver.requests().slice(4);
		expect(receiver.requests()).toHaveLength(5);
		expect(crmRequest.path).toBe('/api/messages');
		expect(crmRequest.idempotencyKey).toBe(planned[0].idempotencyKey);
		expect(crmRequest.headers['x-api-key']).toBe(API_TOKEN);
		expect(JSON.parse(crmRequest.body)).toEqual({
			to: 'alice@example.test',
			subject: 'Tomorrow your mailbox moves',
			text: planned[0].body,
		});
		expect(swapped.nodes['Mark Sent']).toEqual([
			expect.objectContaining({
				email: 'alice@example.test',
				stage: 'T-1',
				status: 'sent',
				providerReference: 'msg-5',
				idempotencyKey: planned[0].idempotencyKey,
			}),
		]);

		const replanned = await run(planOnlyWorkflow(receiver, SUNDAY_MORNING));
		expect(replanned.nodes['Plan messages']).toEqual([]);
		expect(replanned.nodes['Send with your CRM']).toBeUndefined();
		const send = await run(communicationsWorkflow(receiver, SUNDAY_MORNING));
		expect(
			(send.nodes['Notify users'] as OutputItem[]).find(
				(item) => item.email === 'alice@example.test' && item.stage === 'T-1',
			),
		).toMatchObject({ status: 'already sent', reference: 'msg-5' });
		expect(stagesWith(send, 'sent')).toEqual([]);
		expect(receiver.requests()).toHaveLength(5);
	});

	it('prints neither the signing secret nor the API token', () => {
		expect(runs.length).toBeGreaterThan(0);
		expectNoSecretsPrinted(runs, [SIGNING_SECRET, API_TOKEN]);
	});
});
