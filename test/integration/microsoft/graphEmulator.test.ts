import https from 'node:https';

import {
	GRAPH_RESOURCE,
	startMicrosoftEmulator,
	type MicrosoftEmulator,
} from '../../harness/microsoftEmulator';

const APP = '33333333-3333-4333-8333-333333333333';
const SECRET = 'Graph-Secret-8Q~abcdefghijklmnopqrstuvwxyz';
const SOURCE_KEY_ID =
	'String {e5a4b1c2-5d3f-4b8e-9a6c-2f7d1e0b3a91} Name MailboxMigrationSourceKey';

interface Reply {
	status: number;
	headers: Record<string, string | string[] | undefined>;
	// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers are read field by field in assertions
	body: any;
	text: string;
}

describe('the Graph side of the Microsoft emulator', () => {
	let emulator: MicrosoftEmulator;
	let token: string;

	/** Plain https against the emulator, trusting its CA. */
	const call = (
		method: string,
		url: string,
		options: {
			body?: unknown;
			raw?: Buffer;
			headers?: Record<string, string>;
			auth?: string | null;
		} = {},
	): Promise<Reply> =>
		new Promise((resolve, reject) => {
			const full = url.startsWith('https://') ? url : `${emulator.baseUrl}/v1.0${url}`;
			const payload =
				options.raw ??
				(options.body === undefined
					? undefined
					: Buffer.from(
							typeof options.body === 'string' ? options.body : JSON.stringify(options.body),
						));
			const headers: Record<string, string> = {
				...(payload && !options.raw && typeof options.body !== 'string'
					? { 'Content-Type': 'application/json' }
					: {}),
				...(options.auth === null ? {} : { Authorization: `Bearer ${options.auth ?? token}` }),
				...options.headers,
			};
			const request = https.request(full, { method, headers, ca: emulator.caPem }, (response) => {
				const chunks: Buffer[] = [];
				response.on('data', (chunk: Buffer) => chunks.push(chunk));
				response.on('end', () => {
					const text = Buffer.concat(chunks).toString('utf8');
					resolve({
						status: response.statusCode ?? 0,
						headers: response.headers,
						text,
						body: text ? JSON.parse(text) : undefined,
					});
				});
			});
			request.on('error', reject);
			request.end(payload);
		});

	const tokenFor = async (): Promise<string> => {
		const response = await fetchToken();
		return response.access_token as string;
	};

	const fetchToken = async (): Promise<Record<string, unknown>> => {
		const form = new URLSearchParams({
			grant_type: 'client_credentials',
			client_id: APP,
			client_secret: SECRET,
			scope: `${GRAPH_RESOURCE}/.default`,
		}).toString();
		const reply = await call('POST', `${emulator.baseUrl}/${emulator.tenantId}/oauth2/v2.0/token`, {
			body: form,
			auth: null,
			headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
		});
		return reply.body;
	};

	beforeAll(async () => {
		emulator = await startMicrosoftEmulator();
		emulator.addApp({
			clientId: APP,
			secret: SECRET,
			resourceRoles: { [GRAPH_RESOURCE]: ['Mail.ReadWrite', 'User.Read.All'] },
		});
		token = await tokenFor();
	});

	afterAll(async () => {
		await emulator.stop();
	});

	beforeEach(() => {
		emulator.graph.reset();
		emulator.graph.provisionMailbox(`alice@${emulator.tenantDomain}`);
	});

	const alice = () => `alice@${emulator.tenantDomain}`;

	it('creates a draft by default and a non-draft with original dates from extended properties', async () => {
		const draft = await call('POST', `/users/${alice()}/mailFolders/inbox/messages`, {
			body: { subject: 'plain', body: { contentType: 'Text', content: 'hi' } },
		});
		expect(draft.status).toBe(201);
		expect(draft.body.isDraft).toBe(true);
		const created = await call('POST', `/users/${alice()}/mailFolders/inbox/messages`, {
			body: {
				subject: 'imported',
				body: { contentType: 'HTML', content: '<p>hello</p>' },
				singleValueExtendedProperties: [
					{ id: 'Integer 0x0E07', value: '1' },
					{ id: 'SystemTime 0x0E06', value: '2019-03-04T05:06:07Z' },
					{ id: 'SystemTime 0x0039', value: '2019-03-04T05:00:00Z' },
					{ id: SOURCE_KEY_ID, value: 'abc123' },
				],
			},
		});
		expect(created.status).toBe(201);
		expect(created.body).toMatchObject({
			isDraft: false,
			isRead: true,
			receivedDateTime: '2019-03-04T05:06:07Z',
			sentDateTime: '2019-03-04T05:00:00Z',
		});
		const stored = emulator.graph.messages(alice(), 'inbox');
		expect(stored.map((message) => message.isDraft).sort()).toEqual([false, true]);
	});
});
