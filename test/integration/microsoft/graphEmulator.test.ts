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

	const create = (body: Record<string, unknown>, folder = 'inbox') =>
		call('POST', `/users/${alice()}/mailFolders/${folder}/messages`, { body });

	const imported = (key: string, extra: Record<string, unknown> = {}) =>
		create({
			subject: `message ${key}`,
			body: { contentType: 'Text', content: `body ${key}` },
			singleValueExtendedProperties: [
				{ id: 'Integer 0x0E07', value: '0' },
				{ id: SOURCE_KEY_ID, value: key },
			],
			...extra,
		});

	it('always makes a draft from MIME', async () => {
		const mime = [
			'From: Bob <bob@example.org>',
			'To: alice@example.org',
			'Subject: from mime',
			'Message-ID: <mime-1@example.org>',
			'Date: Tue, 02 Jan 2018 03:04:05 +0000',
			'Content-Type: text/plain',
			'',
			'hello',
		].join('\r\n');
		const reply = await call('POST', `/users/${alice()}/messages`, {
			body: Buffer.from(mime).toString('base64'),
			headers: { 'Content-Type': 'text/plain' },
		});
		expect(reply.status).toBe(201);
		expect(reply.body).toMatchObject({
			isDraft: true,
			subject: 'from mime',
			internetMessageId: '<mime-1@example.org>',
		});
		expect(emulator.graph.messages(alice(), 'drafts')).toHaveLength(1);
	});

	it('keeps PR_MESSAGE_FLAGS read-only after the first save and refuses draft-only updates of a non-draft', async () => {
		const draft = await create({ subject: 'draft' });
		const patched = await call('PATCH', `/users/${alice()}/messages/${draft.body.id}`, {
			body: { singleValueExtendedProperties: [{ id: 'Integer 0x0E07', value: '1' }] },
		});
		expect(patched.status).toBe(200);
		expect(patched.body.isDraft).toBe(true);
		const sent = await imported('k1');
		expect(sent.body).toMatchObject({ isDraft: false, isRead: false });
		const flagged = await call('PATCH', `/users/${alice()}/messages/${sent.body.id}`, {
			body: { isRead: true, flag: { flagStatus: 'flagged' }, categories: ['Red'] },
		});
		expect(flagged.body).toMatchObject({
			isRead: true,
			flag: { flagStatus: 'flagged' },
			categories: ['Red'],
		});
		const subject = await call('PATCH', `/users/${alice()}/messages/${sent.body.id}`, {
			body: { subject: 'changed' },
		});
		expect(subject.status).toBe(400);
		expect(subject.body.error.code).toBe('ErrorInvalidPropertySet');
		const [stored] = emulator.graph.messages(alice(), 'inbox').filter((m) => !m.isDraft);
		expect(stored.extendedProperties).toEqual(
			expect.arrayContaining([{ id: 'Integer 0x0E07', value: '1' }]),
		);
	});

	it('finds a message by its source key and by internetMessageId, and expands just that property', async () => {
		await imported('key-a', { internetMessageId: '<a@example.org>' });
		const wanted = await imported('key-b', { internetMessageId: '<b@example.org>' });
		await imported('key-c');
		const filter = `singleValueExtendedProperties/Any(ep: ep/id eq '${SOURCE_KEY_ID.toLowerCase()}' and ep/value eq 'key-b')`;
		const expand = `singleValueExtendedProperties($filter=id eq '${SOURCE_KEY_ID}')`;
		const found = await call(
			'GET',
			`/users/${alice()}/mailFolders/inbox/messages?$filter=${encodeURIComponent(filter)}&$expand=${encodeURIComponent(expand)}&$select=id,subject`,
		);
		expect(found.status).toBe(200);
		expect(found.body.value).toHaveLength(1);
		expect(found.body.value[0]).toMatchObject({
			id: wanted.body.id,
			subject: 'message key-b',
			singleValueExtendedProperties: [{ id: SOURCE_KEY_ID, value: 'key-b' }],
		});
		expect(found.body.value[0].body).toBeUndefined();
		const byId = await call(
			'GET',
			`/users/${alice()}/messages?$filter=${encodeURIComponent("internetMessageId eq '<a@example.org>'")}`,
		);
		expect(byId.body.value.map((m: { subject: string }) => m.subject)).toEqual(['message key-a']);
		const bad = await call(
			'GET',
			`/users/${alice()}/messages?$filter=${encodeURIComponent('subject startswith')}`,
		);
		expect(bad.status).toBe(400);
	});

	it('pages a folder with $top, @odata.nextLink and $count, and refuses $top over 1000', async () => {
		for (let index = 0; index < 25; index += 1) await imported(`p${index}`);
		const seen: string[] = [];
		let url: string | undefined =
			`/users/${alice()}/mailFolders/inbox/messages?$top=10&$count=true&$select=id`;
		let pages = 0;
		while (url) {
			const reply: Reply = await call('GET', url);
			expect(reply.status).toBe(200);
			if (pages === 0) expect(reply.body['@odata.count']).toBe(25);
			seen.push(...reply.body.value.map((m: { id: string }) => m.id));
			url = reply.body['@odata.nextLink'];
			pages += 1;
		}
		expect(pages).toBe(3);
		expect(new Set(seen).size).toBe(25);
		const tooMany = await call('GET', `/users/${alice()}/mailFolders/inbox/messages?$top=1001`);
		expect(tooMany.status).toBe(400);
		const defaultPage = await call('GET', `/users/${alice()}/mailFolders/inbox/messages`);
		expect(defaultPage.body.value).toHaveLength(10);
	});

	it('lists folders with counts, resolves well-known names and refuses a duplicate child folder', async () => {
		await imported('f1');
		const top = await call('GET', `/users/${alice()}/mailFolders?$top=50`);
		const names = top.body.value.map((folder: { displayName: string }) => folder.displayName);
		expect(names).toEqual(
			expect.arrayContaining([
				'Inbox',
				'Sent Items',
				'Drafts',
				'Deleted Items',
				'Junk Email',
				'Archive',
			]),
		);
		const inbox = await call('GET', `/users/${alice()}/mailFolders/Inbox`);
		expect(inbox.body).toMatchObject({
			displayName: 'Inbox',
			totalItemCount: 1,
			unreadItemCount: 1,
		});
		const child = await call('POST', `/users/${alice()}/mailFolders/inbox/childFolders`, {
			body: { displayName: 'Projects' },
		});
		expect(child.status).toBe(201);
		const again = await call(
			'POST',
			`/users/${alice()}/mailFolders/${inbox.body.id}/childFolders`,
			{
				body: { displayName: 'projects' },
			},
		);
		expect(again.status).toBe(409);
		expect(again.body.error.code).toBe('ErrorFolderExists');
		await call('POST', `/users/${alice()}/mailFolders/inbox/childFolders`, {
			body: { displayName: 'Hidden', isHidden: true },
		});
		const visible = await call('GET', `/users/${alice()}/mailFolders/inbox/childFolders`);
		expect(visible.body.value.map((f: { displayName: string }) => f.displayName)).toEqual([
			'Projects',
		]);
		const all = await call(
			'GET',
			`/users/${alice()}/mailFolders/inbox/childFolders?includeHiddenFolders=true`,
		);
		expect(all.body.value).toHaveLength(2);
		expect(emulator.graph.folders(alice()).map((f) => f.path)).toEqual(
			expect.arrayContaining(['Inbox/Projects', 'Inbox/Hidden']),
		);
		const size = await call(
			'GET',
			`/users/${alice()}/mailFolders/inbox?$expand=${encodeURIComponent("singleValueExtendedProperties($filter=id eq 'Long 0x0E08')")}`,
		);
		expect(Number(size.body.singleValueExtendedProperties[0].value)).toBeGreaterThan(0);
	});

	it('attaches a 20 MB file to a non-draft message by upload session in 4 MB ranges', async () => {
		const message = await imported('big', {
			attachments: [
				{
					'@odata.type': '#microsoft.graph.fileAttachment',
					name: 'logo.png',
					contentType: 'image/png',
					contentBytes: Buffer.from('png-bytes').toString('base64'),
					isInline: true,
					contentId: 'logo@x',
				},
			],
		});
		expect(message.body.isDraft).toBe(false);
		const content = Buffer.alloc(20 * 1024 * 1024);
		for (let index = 0; index < content.length; index += 4096) content.writeUInt32LE(index, index);
		const session = await call(
			'POST',
			`/users/${alice()}/messages/${message.body.id}/attachments/createUploadSession`,
			{
				body: { AttachmentItem: { attachmentType: 'file', name: 'big.bin', size: content.length } },
			},
		);
		expect(session.status).toBe(201);
		expect(session.body.nextExpectedRanges).toEqual(['0-']);
		const uploadUrl: string = session.body.uploadUrl;
		expect(new URL(uploadUrl).host).toBe(
			new URL(emulator.baseUrl).host.replace('127.0.0.1', 'localhost'),
		);
		const range = (start: number, end: number, auth: string | null = null) =>
			call('PUT', uploadUrl, {
				raw: content.subarray(start, end + 1),
				auth,
				headers: {
					'Content-Type': 'application/octet-stream',
					'Content-Range': `bytes ${start}-${end}/${content.length}`,
				},
			});
		const withAuth = await range(0, 1023, token);
		expect(withAuth.status).toBe(401);
		const outOfOrder = await range(1024, 2047);
		expect(outOfOrder.status).toBe(416);
		const step = 4 * 1024 * 1024;
		let last: Reply | undefined;
		for (let start = 0; start < content.length; start += step) {
			last = await range(start, Math.min(start + step, content.length) - 1);
			if (start + step < content.length) {
				expect(last.status).toBe(200);
				expect(last.body.nextExpectedRanges).toEqual([String(start + step)]);
			}
		}
		expect(last?.status).toBe(201);
		expect(last?.headers.location).toMatch(/\/Attachments\('.+'\)$/);
		const [stored] = emulator.graph.messages(alice(), 'inbox');
		expect(stored.isDraft).toBe(false);
		expect(stored.attachments.map((a) => a.name)).toEqual(['logo.png', 'big.bin']);
		expect(stored.attachments[1].content.equals(content)).toBe(true);
		expect(stored.attachments[0]).toMatchObject({ isInline: true, contentId: 'logo@x' });
		expect(emulator.graph.counters().mailboxes[alice()].uploadedBytes).toBeGreaterThan(
			content.length,
		);
	});

	it('refuses upload sessions under 3 MB, inline attachments of 3 MB and more, and expired sessions', async () => {
		const message = await imported('att');
		const small = await call(
			'POST',
			`/users/${alice()}/messages/${message.body.id}/attachments/createUploadSession`,
			{
				body: { AttachmentItem: { attachmentType: 'file', name: 'x', size: 1000 } },
			},
		);
		expect(small.body.error.code).toBe('ErrorAttachmentSizeShouldNotBeLessThanMinimumSize');
		const inline = await call('POST', `/users/${alice()}/messages/${message.body.id}/attachments`, {
			body: {
				'@odata.type': '#microsoft.graph.fileAttachment',
				name: 'three.bin',
				contentBytes: Buffer.alloc(3 * 1024 * 1024).toString('base64'),
			},
		});
		expect(inline.status).toBe(413);
		const ok = await call('POST', `/users/${alice()}/messages/${message.body.id}/attachments`, {
			body: {
				'@odata.type': '#microsoft.graph.fileAttachment',
				name: 'a.txt',
				contentBytes: 'aGk=',
			},
		});
		expect(ok.status).toBe(201);
		const session = await call(
			'POST',
			`/users/${alice()}/messages/${message.body.id}/attachments/createUploadSession`,
			{
				body: {
					AttachmentItem: { attachmentType: 'file', name: 'late.bin', size: 4 * 1024 * 1024 },
				},
			},
		);
		emulator.graph.expireUploadSessions();
		const late = await call('PUT', session.body.uploadUrl, {
			raw: Buffer.alloc(10),
			auth: null,
			headers: { 'Content-Range': `bytes 0-9/${4 * 1024 * 1024}` },
		});
		expect(late.status).toBe(401);
		expect(late.body.error.message).toMatch(/expired/);
	});

	it('answers $batch with per-request statuses, 424 for failed dependencies and a 400 over 20 requests', async () => {
		const get = (id: string, url: string, dependsOn?: string[]) => ({
			id,
			method: 'GET',
			url,
			dependsOn,
		});
		const tooMany = await call('POST', '/$batch', {
			body: {
				requests: Array.from({ length: 21 }, (_, i) =>
					get(String(i), `/users/${alice()}/mailFolders/inbox`),
				),
			},
		});
		expect(tooMany.status).toBe(400);
		const reply = await call('POST', '/$batch', {
			body: {
				requests: [
					get('1', `/users/${alice()}/mailFolders/inbox`),
					get('2', `/users/${alice()}/mailFolders/nosuchfolder`),
					get('3', `/users/${alice()}/mailFolders/inbox/messages`, ['2']),
					{
						id: '4',
						method: 'POST',
						url: `/users/${alice()}/mailFolders/inbox/messages`,
						headers: { 'Content-Type': 'application/json' },
						body: {
							subject: 'in a batch',
							singleValueExtendedProperties: [{ id: 'Integer 0x0E07', value: '1' }],
						},
					},
				],
			},
		});
		expect(reply.status).toBe(200);
		const statuses = Object.fromEntries(
			reply.body.responses.map((r: { id: string; status: number }) => [r.id, r.status]),
		);
		expect(statuses).toEqual({ '1': 200, '2': 404, '3': 424, '4': 201 });
		expect(emulator.graph.messages(alice(), 'inbox')[0].isDraft).toBe(false);
	});

	it('runs at most 4 requests of a batch at once and answers 429 inside a batch when the mailbox is busy', async () => {
		const hold = emulator.graph.hold({
			route: '/users/{id}/mailFolders/{id}/messages',
			method: 'GET',
		});
		const batch = call('POST', '/$batch', {
			body: {
				requests: Array.from({ length: 8 }, (_, i) => ({
					id: String(i),
					method: 'GET',
					url: `/users/${alice()}/mailFolders/inbox/messages`,
				})),
			},
		});
		await hold.waitForHeld(4);
		const busy = await call('POST', '/$batch', {
			body: { requests: [{ id: 'x', method: 'GET', url: `/users/${alice()}/mailFolders/inbox` }] },
		});
		expect(busy.body.responses[0].status).toBe(429);
		expect(busy.body.responses[0].headers['Retry-After']).toBe('1');
		expect(busy.body.responses[0].body.error.message).toBe(
			'Application is over its MailboxConcurrency limit.',
		);
		expect(hold.held).toBe(4);
		hold.release();
		const first = await batch;
		expect(first.body.responses.map((r: { status: number }) => r.status)).toEqual(
			Array(8).fill(200),
		);
		expect(emulator.graph.counters().mailboxes[alice()].maxConcurrency).toBe(4);
	});

	it('answers 429 with Retry-After over the concurrency, request and upload limits', async () => {
		const hold = emulator.graph.hold({ route: '/users/{id}/mailFolders/{id}', method: 'GET' });
		const heldRequests = Array.from({ length: 4 }, () =>
			call('GET', `/users/${alice()}/mailFolders/inbox`),
		);
		await hold.waitForHeld(4);
		const fifth = await call('GET', `/users/${alice()}/mailFolders/drafts/messages`);
		expect(fifth.status).toBe(429);
		expect(fifth.headers['retry-after']).toBe('1');
		expect(fifth.body.error).toMatchObject({
			code: 'ApplicationThrottled',
			message: 'Application is over its MailboxConcurrency limit.',
		});
		hold.release();
		expect((await Promise.all(heldRequests)).map((r) => r.status)).toEqual([200, 200, 200, 200]);

		emulator.graph.reset();
		emulator.graph.provisionMailbox(alice());
		emulator.graph.setLimits({ requestsPerWindow: 3, windowMs: 60_000 });
		for (let index = 0; index < 3; index += 1)
			expect((await call('GET', `/users/${alice()}/mailFolders/inbox`)).status).toBe(200);
		const overRequests = await call('GET', `/users/${alice()}/mailFolders/inbox`);
		expect(overRequests.status).toBe(429);
		expect(Number(overRequests.headers['retry-after'])).toBeGreaterThanOrEqual(1);
		expect(Number(overRequests.headers['retry-after'])).toBeLessThanOrEqual(60);

		emulator.graph.reset();
		emulator.graph.provisionMailbox(alice());
		emulator.graph.setLimits({ uploadBytesPerWindow: 2000, uploadWindowMs: 60_000 });
		const padded = { subject: 'x'.repeat(1200) };
		expect((await create(padded)).status).toBe(201);
		const overBytes = await create(padded);
		expect(overBytes.status).toBe(429);
		expect(overBytes.body.error.message).toBe('Application is over its IncomingBytes limit.');
		expect(Number(overBytes.headers['retry-after'])).toBeLessThanOrEqual(60);
		expect(emulator.graph.messages(alice(), 'inbox')).toHaveLength(1);
		expect(emulator.graph.counters().throttled).toBe(1);
	});

	it('answers MailboxNotEnabledForRESTAPI until the mailbox is ready, and ErrorInvalidUser for an unknown one', async () => {
		const bob = `bob@${emulator.tenantDomain}`;
		emulator.graph.provisionMailbox(bob, { ready: false });
		const user = await call('GET', `/users/${bob}`);
		expect(user.status).toBe(200);
		const folders = await call('GET', `/users/${bob}/mailFolders`);
		expect(folders.status).toBe(404);
		expect(folders.body.error).toMatchObject({
			code: 'MailboxNotEnabledForRESTAPI',
			message: 'REST API is not yet supported for this mailbox.',
		});
		emulator.graph.setReady(bob);
		expect((await call('GET', `/users/${bob}/mailFolders`)).status).toBe(200);
		const unknown = await call('GET', `/users/nobody@${emulator.tenantDomain}/mailFolders`);
		expect(unknown.body.error.code).toBe('ErrorInvalidUser');
	});

	it('refuses expired, forged and under-privileged tokens', async () => {
		emulator.setTokenLifetime(0);
		const expired = await tokenFor();
		emulator.setTokenLifetime(3600);
		const late = await call('GET', `/users/${alice()}/mailFolders`, { auth: expired });
		expect(late.status).toBe(401);
		expect(late.body.error).toMatchObject({
			code: 'InvalidAuthenticationToken',
			message: 'Lifetime validation failed, the token is expired.',
		});
		const [head, payload] = token.split('.');
		const forged = await call('GET', `/users/${alice()}/mailFolders`, {
			auth: `${head}.${payload}.AAAA`,
		});
		expect(forged.status).toBe(401);
		expect((await call('GET', `/users/${alice()}/mailFolders`, { auth: null })).status).toBe(401);
		emulator.setRoles(APP, ['User.Read.All'], GRAPH_RESOURCE);
		const readOnly = await tokenFor();
		emulator.setRoles(APP, ['Mail.ReadWrite', 'User.Read.All'], GRAPH_RESOURCE);
		const denied = await call('GET', `/users/${alice()}/mailFolders`, { auth: readOnly });
		expect(denied.status).toBe(403);
		expect(denied.body.error.code).toBe('ErrorAccessDenied');
	});

	it('injects 5xx, 503 with Retry-After and resets before or after the request was processed', async () => {
		emulator.graph.injectFaults(
			{
				route: '/users/{id}/mailFolders/{id}/messages',
				method: 'POST',
				count: 1,
				fault: { kind: 'status', status: 503, retryAfterSeconds: 7 },
			},
			{
				route: '/users/{id}/mailFolders/{id}/messages',
				method: 'POST',
				count: 1,
				fault: { kind: 'status', status: 500 },
			},
			{
				route: '/users/{id}/mailFolders/{id}/messages',
				method: 'POST',
				count: 1,
				fault: { kind: 'reset', when: 'before' },
			},
			{
				route: '/users/{id}/mailFolders/{id}/messages',
				method: 'POST',
				count: 1,
				fault: { kind: 'reset', when: 'after' },
			},
		);
		const unavailable = await imported('f1');
		expect(unavailable.status).toBe(503);
		expect(unavailable.headers['retry-after']).toBe('7');
		expect((await imported('f2')).status).toBe(500);
		await expect(imported('f3')).rejects.toThrow();
		expect(emulator.graph.messages(alice(), 'inbox')).toHaveLength(0);
		await expect(imported('f4')).rejects.toThrow();
		const stored = emulator.graph.messages(alice(), 'inbox');
		expect(stored.map((m) => m.subject)).toEqual(['message f4']);
		expect(emulator.graph.pendingFaults()).toBe(0);
		expect((await imported('f5')).status).toBe(201);
		const counts = emulator.graph.counters().requests;
		expect(counts['POST /users/{id}/mailFolders/{id}/messages 503']).toBe(1);
		expect(counts['POST /users/{id}/mailFolders/{id}/messages reset']).toBe(2);
		expect(counts['POST /users/{id}/mailFolders/{id}/messages 201']).toBe(1);
	});
});
