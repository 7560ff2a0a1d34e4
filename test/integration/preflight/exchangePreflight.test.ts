/**
 * Pre-flight of an Exchange Online target, for real: tokens from the Microsoft emulator's token endpoint, logins on a
 * Dovecot with its oauth2 passdb standing in for Exchange Online IMAP. Each failing step is named in the side's
 * `checks`, and nothing secret is in what the operator sees.
 */
import { runPreflight } from '../../../nodes/lib/preflight/preflight';
import { MailboxUnreachableError } from '../../../nodes/lib/preflight/preflightChecks';
import { endpointFor } from '../../../nodes/lib/imap/endpoint';
import { exchangeOnlineEndpoint } from '../../../nodes/MigrateMailbox/actions/exchangeOnlineTarget';
import type { DovecotServer } from '../../harness/dovecot';
import {
	startExchangeOnlineStandIn,
	type ExchangeOnlineStandIn,
} from '../../harness/exchangeOnlineStandIn';
import { appendMessages, makeMessage } from '../../harness/imap-fixtures';
import { TestServices } from '../../harness/services';

const PASSWORD = 'Pre-Flight-Pass-3';
const GOOD = { clientId: '0e000000-0000-4000-8000-0000000000a1', secret: 'G00d~secret-pf' };
const NO_ROLE = { clientId: '0e000000-0000-4000-8000-0000000000a2', secret: 'N0role~secret-pf' };
const RATE = { messagesPerSecond: 10, megabytesPerSecond: 1 };

describe('Pre-flight of an Exchange Online target (oauth2 Dovecot, Microsoft emulator)', () => {
	const services = new TestServices();
	let exchange: ExchangeOnlineStandIn;
	let source: DovecotServer;
	let mailbox: string;

	const sourceEndpoint = () =>
		endpointFor(
			{
				host: source.host,
				port: source.port,
				security: 'none',
				allowSelfSigned: false,
				loginMode: 'user',
				user: 'anna',
				password: PASSWORD,
			},
			'anna',
		);
	/** The pre-flight from the source to `mailbox` on Exchange Online, the app signing in with `clientSecret`. */
	const preflightTo = (mailbox: string, clientId: string, clientSecret: string) =>
		runPreflight(
			sourceEndpoint(),
			{
				kind: 'imap',
				endpoint: exchangeOnlineEndpoint(exchange.appFor(clientId, clientSecret), mailbox),
			},
			RATE,
		);
	const failureOf = (promise: Promise<unknown>) =>
		promise.then(
			() => {
				throw new Error('the pre-flight passed');
			},
			(error: unknown) => error as MailboxUnreachableError,
		);

	beforeAll(async () => {
		[source, exchange] = await Promise.all([
			services.dovecot({ name: 'source' }),
			startExchangeOnlineStandIn(services, { name: 'target' }),
		]);
		exchange.registerApp(GOOD);
		exchange.registerApp({ ...NO_ROLE, roles: [] });
		exchange.emulator.grantAllMailboxes(GOOD.clientId);
		await source.addUser('anna', PASSWORD);
		mailbox = await exchange.addMailbox('anna', PASSWORD);
		await appendMessages(source, 'anna', PASSWORD, 'INBOX', [
			{ raw: makeMessage({ subject: 'Hallo' }) },
		]);
	}, 120_000);

	afterAll(async () => {
		await services.stopAll();
	});

	it('passes the token, the XOAUTH2 login as the mailbox and the folders, and says so step by step', async () => {
		const report = await preflightTo(mailbox, GOOD.clientId, GOOD.secret);
		const steps = report.target.checks.map((check) => [check.step, check.status]);
		expect(steps.slice(0, 3)).toEqual([
			['token', 'passed'],
			['login', 'passed'],
			['folders', 'passed'],
		]);
		expect(steps[3][0]).toBe('quota');
		expect(report.target.checks[0].detail).toContain(exchange.emulator.tenantId);
		expect(report.target.checks[1].detail).toBe(`logged in as ${mailbox} with the app token`);
		expect(report.source.checks.map((check) => check.step)).toEqual(['login', 'folders', 'quota']);
		expect(JSON.stringify(report)).not.toContain(GOOD.secret);
		expect(exchange.emulator.issuedTokenCount(GOOD.clientId)).toBeGreaterThan(0);
	});

	it('names the secret step of a token refused for a wrong secret, and logs in nowhere', async () => {
		const failure = await failureOf(preflightTo(mailbox, GOOD.clientId, 'wrong~secret-pf'));
		expect(failure).toBeInstanceOf(MailboxUnreachableError);
		expect(failure.side).toBe('target');
		expect(failure.checks).toHaveLength(1);
		expect(failure.checks[0]).toMatchObject({ step: 'token', status: 'failed' });
		expect(failure.checks[0].detail).toMatch(/^Microsoft 365 token, step "secret": /);
		expect(JSON.stringify({ message: failure.message, checks: failure.checks })).not.toContain(
			'wrong~secret-pf',
		);
	});

	it('says which permission is missing when the app has no IMAP.AccessAsApp', async () => {
		const failure = await failureOf(preflightTo(mailbox, NO_ROLE.clientId, NO_ROLE.secret));
		expect(failure.checks.map((check) => [check.step, check.status])).toEqual([
			['token', 'failed'],
		]);
		expect(failure.checks[0].detail).toMatch(/step "consent".*IMAP\.AccessAsApp/);
	});

	it('points at the service principal and FullAccess when the mailbox refuses the app', async () => {
		// A mailbox outside the token's tenant: the stand-in refuses it as Exchange refuses a mailbox not granted.
		const stranger = 'anna@elsewhere.example';
		await exchange.dovecot.addUser(stranger, PASSWORD);
		const failure = await failureOf(preflightTo(stranger, GOOD.clientId, GOOD.secret));
		expect(failure.checks.map((check) => [check.step, check.status])).toEqual([
			['token', 'passed'],
			['login', 'failed'],
		]);
		expect(failure.failure.layer).toBe('auth');
		expect(failure.checks[1].detail).toMatch(/Add-MailboxPermission -AccessRights FullAccess/);
	});
});
