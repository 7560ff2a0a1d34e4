/**
 * Pre-flight of a Microsoft 365 (Graph) target, for real: tokens from the Microsoft emulator's token endpoint, Graph
 * calls to its Graph side. Each step is named in the target's `checks`; a mailbox Exchange has not provisioned yet is
 * "not ready", not an error; nothing secret is in what the operator sees.
 */
import { GraphClient } from '../../../nodes/lib/graph/graphClient';
import type { MicrosoftApp } from '../../../nodes/lib/microsoft/microsoftApp';
import { runPreflight } from '../../../nodes/lib/preflight/preflight';
import type { GraphMailboxSurvey } from '../../../nodes/lib/preflight/graphPreflight';
import { MailboxUnreachableError } from '../../../nodes/lib/preflight/preflightChecks';
import { graphTargetStore } from '../../../nodes/MigrateMailbox/actions/graphTarget';
import type { DovecotServer } from '../../harness/dovecot';
import { appendMessages, makeMessage } from '../../harness/imap-fixtures';
import { startGraphStandIn, type GraphStandIn } from '../../harness/graphStandIn';
import type { MicrosoftEmulator } from '../../harness/microsoftEmulator';
import { TestServices } from '../../harness/services';
import { endpointOf, PASSWORD, uniqueUser } from '../engine/engineFixtures';

const RATE = { messagesPerSecond: 10, megabytesPerSecond: 1 };
const DIRECTORY_APP = {
	clientId: '0e000000-0000-4000-9000-0000000000d1',
	secret: 'D1r~secret-gpf',
};
const NO_ROLE_APP = { clientId: '0e000000-0000-4000-9000-0000000000d2', secret: 'N0~secret-gpf' };
/** More children than one page of Graph's folder listing ($top=100), so the listing must follow @odata.nextLink. */
const CHILD_FOLDERS = 105;

describe('Pre-flight of a Microsoft 365 (Graph) target (Microsoft emulator)', () => {
	const services = new TestServices();
	let m365: GraphStandIn;
	let emulator: MicrosoftEmulator;
	let source: DovecotServer;
	let sourceUser: string;
	let mailApp: MicrosoftApp;
	let mailbox: string;

	const appOf = (clientId: string, clientSecret: string): MicrosoftApp => ({
		...mailApp,
		clientId,
		clientSecret,
	});
	const preflightTo = (upn: string, app: MicrosoftApp = mailApp) =>
		runPreflight(endpointOf(source, sourceUser), graphTargetStore(app, upn), RATE);
	const failureOf = (promise: Promise<unknown>) =>
		promise.then(
			() => {
				throw new Error('the pre-flight passed');
			},
			(error: unknown) => error as MailboxUnreachableError,
		);
	const stepsOf = (checks: { step: string; status: string }[]) =>
		checks.map((check) => [check.step, check.status]);

	beforeAll(async () => {
		m365 = await startGraphStandIn(services);
		emulator = m365.emulator;
		source = await services.dovecot({ name: 'source' });
		sourceUser = uniqueUser('gpf');
		await source.addUser(sourceUser, PASSWORD);
		await appendMessages(source, sourceUser, PASSWORD, 'INBOX', [
			{ raw: makeMessage({ subject: 'Hallo' }) },
		]);
		mailApp = m365.registerApp();
		m365.registerApp({ ...DIRECTORY_APP, roles: ['Mail.ReadWrite', 'User.Read.All'] });
		emulator.addApp({ clientId: NO_ROLE_APP.clientId, secret: NO_ROLE_APP.secret, roles: [] });

		// A mailbox with a folder tree deeper and wider than one page, and two messages in it.
		mailbox = m365.addMailbox(uniqueUser('gpfdst'));
		const graph = new GraphClient(mailApp, mailbox);
		const projects = await graph.post<{ id: string }>('/mailFolders', { displayName: 'Projects' });
		for (let child = 1; child <= CHILD_FOLDERS; child++) {
			await graph.post(`/mailFolders/${projects.id}/childFolders`, {
				displayName: `P${String(child).padStart(3, '0')}`,
			});
		}
		for (const subject of ['one', 'two']) {
			await graph.post('/mailFolders/inbox/messages', { subject, body: { content: subject } });
		}
	}, 180_000);

	afterAll(async () => {
		await services.stopAll();
	});

	it('passes token, mailbox and folders, skips what the app may not read, and says so step by step', async () => {
		const report = await preflightTo(mailbox);
		const target = report.target as GraphMailboxSurvey;
		expect(target.kind).toBe('graph');
		expect(stepsOf(target.checks)).toEqual([
			['token', 'passed'],
			['user', 'skipped'],
			['mailbox', 'passed'],
			['folders', 'passed'],
			['quota', 'skipped'],
		]);
		expect(target.checks[0].detail).toContain(`tenant ${emulator.tenantId} with Mail.ReadWrite`);
		expect(target.checks[1].detail).toMatch(/User\.Read\.All/);
		expect(target.checks[2].detail).toContain('Inbox holds 2 messages');
		expect(target.checks[4].detail).toMatch(/no per-mailbox quota/);
		expect(target.ready).toBe(true);
		expect(target.user).toBeNull();
		expect(target.quota).toBeNull();

		// The whole tree, every page of it: well-known folders by their use, the Inbox as INBOX, the children nested.
		const paths = target.folders.map((folder) => folder.path);
		expect(paths).toContain('INBOX');
		expect(paths).toContain('Projects');
		expect(paths.filter((path) => path.startsWith('Projects/'))).toHaveLength(CHILD_FOLDERS);
		expect(paths).toContain(`Projects/P${CHILD_FOLDERS}`);
		expect(target.folders.find((folder) => folder.path === 'INBOX')?.messages).toBe(2);
		const sentItems = target.folders.find((folder) => folder.specialUse === '\\Sent');
		expect(sentItems).toBeDefined();
		expect(target.totals).toEqual({ folders: target.folders.length, messages: 2 });

		// What is already there is named, and why it is not matched.
		expect(report.status).toBe('warning');
		expect(report.warnings).toEqual([
			expect.stringMatching(/already holds 2 messages.*source key/),
		]);
		expect(report.source.checks.map((check) => check.step)).toEqual(['login', 'folders', 'quota']);
		expect(JSON.stringify(report)).not.toContain(mailApp.clientSecret as string);
	});

	it('reads the user from the directory when the app may (User.Read.All)', async () => {
		const report = await preflightTo(mailbox, appOf(DIRECTORY_APP.clientId, DIRECTORY_APP.secret));
		const target = report.target as GraphMailboxSurvey;
		expect(target.checks[1]).toMatchObject({ step: 'user', status: 'passed' });
		expect(target.user).toMatchObject({ userPrincipalName: mailbox });
		expect(target.checks[1].detail).toContain(`id ${target.user?.id}`);
	});

	it('reports a mailbox Exchange has not provisioned yet as not ready, not as an error', async () => {
		const fresh = m365.addMailbox(uniqueUser('gpfnew'), { ready: false });
		const report = await preflightTo(fresh);
		const target = report.target as GraphMailboxSurvey;
		expect(report.status).toBe('notReady');
		expect(target.ready).toBe(false);
		expect(stepsOf(target.checks)).toEqual([
			['token', 'passed'],
			['user', 'skipped'],
			['mailbox', 'pending'],
			['folders', 'skipped'],
			['quota', 'skipped'],
		]);
		expect(target.checks[2].detail).toMatch(
			/^not ready yet: .*up to 24 hours; run the pre-flight again later/,
		);

		// Once Exchange has it, the same pre-flight passes.
		emulator.graph.setReady(fresh);
		expect((await preflightTo(fresh)).status).toBe('ok');
	});

	it('names the user step for a user the directory does not know', async () => {
		const stranger = `nobody${process.pid}@${emulator.tenantDomain}`;
		const failure = await failureOf(
			preflightTo(stranger, appOf(DIRECTORY_APP.clientId, DIRECTORY_APP.secret)),
		);
		expect(failure).toBeInstanceOf(MailboxUnreachableError);
		expect(failure.side).toBe('target');
		expect(stepsOf(failure.checks)).toEqual([
			['token', 'passed'],
			['user', 'failed'],
		]);
		expect(failure.checks[1].detail).toMatch(/404 Request_ResourceNotFound.*No user nobody/);
	});

	it('without directory access, names the mailbox step for an unknown mailbox', async () => {
		const failure = await failureOf(preflightTo(`nobody${process.pid}@${emulator.tenantDomain}`));
		expect(stepsOf(failure.checks)).toEqual([
			['token', 'passed'],
			['user', 'skipped'],
			['mailbox', 'failed'],
		]);
		expect(failure.checks[2].detail).toMatch(/404 ErrorInvalidUser.*No mailbox nobody/);
	});

	it('takes a token without Mail.ReadWrite (RBAC for Applications may grant it) and names both grants when Graph refuses', async () => {
		const failure = await failureOf(
			preflightTo(mailbox, appOf(NO_ROLE_APP.clientId, NO_ROLE_APP.secret)),
		);
		expect(stepsOf(failure.checks)).toEqual([
			['token', 'passed'],
			['user', 'skipped'],
			['mailbox', 'failed'],
		]);
		expect(failure.checks[0].detail).toMatch(/without Mail\.ReadWrite.*RBAC for Applications/);
		expect(failure.checks[2].detail).toMatch(
			/403 ErrorAccessDenied.*Microsoft Graph → Application permissions → Mail\.ReadWrite, then Grant admin consent; or assign it the Exchange role Application Mail\.ReadWrite/,
		);
		expect(failure.failure.layer).toBe('auth');
		expect(JSON.stringify(failure.checks)).not.toContain(NO_ROLE_APP.secret);
	});

	it('names a token refused outright (wrong secret) and calls Graph not at all', async () => {
		const before = emulator.graph.counters().requests;
		const failure = await failureOf(
			preflightTo(mailbox, appOf(mailApp.clientId, 'wrong~secret-gpf')),
		);
		expect(stepsOf(failure.checks)).toEqual([['token', 'failed']]);
		expect(failure.checks[0].detail).toMatch(/^Microsoft 365 token, step "secret": /);
		expect(emulator.graph.counters().requests).toEqual(before);
		expect(JSON.stringify(failure.checks)).not.toContain('wrong~secret-gpf');
	});
});
