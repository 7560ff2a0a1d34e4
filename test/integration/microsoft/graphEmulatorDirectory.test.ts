/** The emulator's directory routes as Graph answers them: users, verified domains, licences, readiness, permissions. */
import https from 'node:https';

import {
	GRAPH_RESOURCE,
	startMicrosoftEmulator,
	type MicrosoftEmulator,
} from '../../harness/microsoftEmulator';

const APP = '44444444-4444-4444-8444-444444444444';
const SECRET = 'Directory-Secret-8Q~abcdefghijklmnopqrstuvwxyz';

interface Reply {
	status: number;
	// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers are read field by field in assertions
	body: any;
}

describe('the directory routes of the Graph emulator', () => {
	let emulator: MicrosoftEmulator;

	const call = (
		method: string,
		url: string,
		token: string | null,
		body?: unknown,
	): Promise<Reply> =>
		new Promise((resolve, reject) => {
			const full = url.startsWith('https://') ? url : `${emulator.baseUrl}/v1.0${url}`;
			const form = typeof body === 'string';
			const payload =
				body === undefined ? undefined : Buffer.from(form ? body : JSON.stringify(body));
			const headers: Record<string, string> = {
				'Content-Type': form ? 'application/x-www-form-urlencoded' : 'application/json',
				...(token ? { Authorization: `Bearer ${token}` } : {}),
			};
			const request = https.request(full, { method, headers, ca: emulator.caPem }, (response) => {
				const chunks: Buffer[] = [];
				response.on('data', (chunk: Buffer) => chunks.push(chunk));
				response.on('end', () => {
					const text = Buffer.concat(chunks).toString('utf8');
					resolve({ status: response.statusCode ?? 0, body: text ? JSON.parse(text) : undefined });
				});
			});
			request.on('error', reject);
			request.end(payload);
		});

	const tokenWith = async (roles: string[]): Promise<string> => {
		emulator.setRoles(APP, roles, GRAPH_RESOURCE);
		const form = new URLSearchParams({
			grant_type: 'client_credentials',
			client_id: APP,
			client_secret: SECRET,
			scope: `${GRAPH_RESOURCE}/.default`,
		}).toString();
		const reply = await call(
			'POST',
			`${emulator.baseUrl}/${emulator.tenantId}/oauth2/v2.0/token`,
			null,
			form,
		);
		return reply.body.access_token as string;
	};

	const upn = (alias: string) => `${alias}@${emulator.tenantDomain}`;
	const newUser = (alias: string, overrides: Record<string, unknown> = {}) => ({
		accountEnabled: true,
		displayName: alias,
		mailNickname: alias,
		userPrincipalName: upn(alias),
		passwordProfile: { password: 'Str0ng!Passw0rd', forceChangePasswordNextSignIn: true },
		...overrides,
	});
	let admin: string;

	beforeAll(async () => {
		emulator = await startMicrosoftEmulator();
		emulator.addApp({ clientId: APP, secret: SECRET });
		admin = await tokenWith(['User.ReadWrite.All', 'Organization.Read.All', 'Mail.Read']);
	});

	afterAll(async () => {
		await emulator.stop();
	});

	beforeEach(() => {
		emulator.graph.reset();
		emulator.graph.setSkus([{ skuPartNumber: 'ENTERPRISEPACK', enabled: 1, skuId: 'sku-e3' }]);
	});

	it('creates users with the required properties only, inside the verified domains, once per UPN', async () => {
		const missing = await call('POST', '/users', admin, {
			...newUser('a'),
			mailNickname: undefined,
		});
		expect(missing).toMatchObject({ status: 400, body: { error: { code: 'Request_BadRequest' } } });
		expect(missing.body.error.message).toMatch(/property 'mailNickname'/);
		const outside = await call(
			'POST',
			'/users',
			admin,
			newUser('a', { userPrincipalName: 'a@else.example' }),
		);
		expect(outside.body.error.message).toMatch(/domain portion of the userPrincipalName/);
		const weak = await call(
			'POST',
			'/users',
			admin,
			newUser('a', { passwordProfile: { password: 'short' } }),
		);
		expect(weak.body.error.message).toMatch(/password complexity/);

		const created = await call('POST', '/users', admin, newUser('a'));
		expect(created).toMatchObject({
			status: 201,
			body: { userPrincipalName: upn('a'), assignedLicenses: [] },
		});
		const duplicate = await call('POST', '/users', admin, newUser('a'));
		expect(duplicate.body.error).toMatchObject({
			code: 'Request_BadRequest',
			details: [{ target: 'userPrincipalName', code: 'ObjectConflict' }],
		});
		emulator.graph.addDomain({ name: 'fed.example', federated: true });
		const federated = await call(
			'POST',
			'/users',
			admin,
			newUser('f', { userPrincipalName: 'f@fed.example' }),
		);
		expect(federated.body.error.message).toMatch(/onPremisesImmutableId/);
		const withId = await call(
			'POST',
			'/users',
			admin,
			newUser('f', { userPrincipalName: 'f@fed.example', onPremisesImmutableId: 'AbC==' }),
		);
		expect(withId.status).toBe(201);
	});

	it('finds users by UPN, mail and proxy address, case-insensitively, and updates them', async () => {
		emulator.graph.addUser({
			userPrincipalName: upn('b'),
			displayName: 'B',
			licences: ['ENTERPRISEPACK'],
			proxyAddresses: [`SMTP:${upn('b')}`, `smtp:${upn('alias')}`],
		});
		const byProxy = await call(
			'GET',
			`/users?$filter=${encodeURIComponent(`proxyAddresses/any(p:p eq 'SMTP:${upn('ALIAS')}')`)}`,
			admin,
		);
		expect(
			byProxy.body.value.map((user: { userPrincipalName: string }) => user.userPrincipalName),
		).toEqual([upn('b')]);
		const byMail = await call(
			'GET',
			`/users?$filter=${encodeURIComponent(`mail eq '${upn('B')}'`)}`,
			admin,
		);
		expect(byMail.body.value).toHaveLength(1);
		expect((await call('PATCH', `/users/${upn('b')}`, admin, { usageLocation: 'US' })).status).toBe(
			204,
		);
		const read = await call('GET', `/users/${upn('b')}?$select=usageLocation`, admin);
		expect(read.body).toEqual({ id: expect.any(String), usageLocation: 'US' });
	});

	it('assigns licences after a usage location, within the units, and makes the mailbox ready after the polls set', async () => {
		await call('POST', '/users', admin, newUser('c'));
		await call('POST', '/users', admin, newUser('d', { usageLocation: 'DE' }));
		const licence = { addLicenses: [{ skuId: 'sku-e3', disabledPlans: [] }], removeLicenses: [] };
		const noLocation = await call('POST', `/users/${upn('c')}/assignLicense`, admin, licence);
		expect(noLocation.body.error.message).toMatch(/invalid usage location/);

		emulator.graph.setMailboxReadyAfterPolls(upn('d'), 2);
		expect((await call('GET', `/users/${upn('d')}/mailFolders/inbox`, admin)).body.error.code).toBe(
			'MailboxNotEnabledForRESTAPI',
		);
		expect((await call('POST', `/users/${upn('d')}/assignLicense`, admin, licence)).status).toBe(
			200,
		);
		const skus = await call('GET', '/subscribedSkus', admin);
		expect(skus.body.value[0]).toMatchObject({
			skuPartNumber: 'ENTERPRISEPACK',
			consumedUnits: 1,
			prepaidUnits: { enabled: 1 },
		});
		await call('PATCH', `/users/${upn('c')}`, admin, { usageLocation: 'DE' });
		const full = await call('POST', `/users/${upn('c')}/assignLicense`, admin, licence);
		expect(full.body.error.message).toMatch(/CountViolation/);

		const inbox = () => call('GET', `/users/${upn('d')}/mailFolders/inbox`, admin);
		expect((await inbox()).status).toBe(404);
		expect((await inbox()).status).toBe(404);
		expect((await inbox()).status).toBe(200);
		// The poll before licensing counted too; the two after it were the ones set.
		expect(emulator.graph.mailboxPolls(upn('d'))).toBe(3);

		const removed = await call('POST', `/users/${upn('d')}/assignLicense`, admin, {
			addLicenses: [],
			removeLicenses: ['sku-e3'],
		});
		expect(removed.body.assignedLicenses).toEqual([]);
		expect(emulator.graph.licences()[0].consumedUnits).toBe(0);
	});

	it('refuses directory writes and licence reads without their permissions, as Graph does', async () => {
		const reader = await tokenWith(['User.Read.All']);
		for (const [method, path, body] of [
			['POST', '/users', newUser('e')],
			['GET', '/subscribedSkus', undefined],
		] as const) {
			const reply = await call(method, path, reader, body);
			expect(reply).toMatchObject({
				status: 403,
				body: { error: { code: 'Authorization_RequestDenied' } },
			});
		}
		admin = await tokenWith(['User.ReadWrite.All', 'Organization.Read.All', 'Mail.Read']);
	});
});
