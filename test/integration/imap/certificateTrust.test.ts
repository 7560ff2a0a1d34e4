/**
 * Certificate trust against Dovecot's self-signed certificate (its SAN lists DNS:localhost and IP:127.0.0.1): a
 * trusted CA, a pinned fingerprint and "Allow Self-Signed" each keep the host-name check unless "Skip Host Name
 * Check" is on, on every way a TLS socket is opened: ImapSession (implicit TLS and STARTTLS), the credential Test's
 * imapflow login and its probe (admin mode without a test mailbox), and the pre-flight. 127.0.0.2 is loopback too
 * but not in the certificate: a proxy listening there is a server reached by a wrong host name.
 */
import { X509Certificate } from 'node:crypto';

import { checkImapAccount } from '../../../nodes/lib/imap/checkAccount';
import type {
	ImapAccountSettings,
	ImapSecurity,
	ImapServer,
} from '../../../nodes/lib/imap/endpoint';
import { endpointFor } from '../../../nodes/lib/imap/endpoint';
import { ImapError } from '../../../nodes/lib/imap/imapErrors';
import { ImapSession } from '../../../nodes/lib/imap/ImapSession';
import { runPreflight } from '../../../nodes/lib/preflight/preflight';
import { MailboxUnreachableError } from '../../../nodes/lib/preflight/preflightChecks';
import type { DovecotServer } from '../../harness/dovecot';
import { TestServices } from '../../harness/services';

const PASSWORD = 'Trust-Pass-5';
const MASTER = { user: 'migrator', password: 'Master-Trust-8' };

type Trust = Pick<
	ImapServer,
	'allowSelfSigned' | 'trustedCaPem' | 'certificateFingerprint' | 'skipHostnameCheck'
>;

interface TrustCase {
	name: string;
	security: ImapSecurity;
	/** listed: 127.0.0.1, localhost: by DNS name, both in the certificate; unlisted: 127.0.0.2 through a proxy. */
	host: 'listed' | 'localhost' | 'unlisted';
	ca?: boolean;
	pin?: 'right' | 'wrong';
	selfSigned?: boolean;
	skipHostname?: boolean;
	/** What the refusal says; absent when the connection must succeed. */
	refused?: RegExp;
}

const HOST_NAME = /^TLS: .*host-name check failed/;
const MISMATCH = /^TLS: .*fingerprint check failed/;
const UNTRUSTED = /^TLS: .*chain is not trusted/;

const CASES: TrustCase[] = [
	{ name: 'CA given, by IP in the certificate', security: 'tls', host: 'listed', ca: true },
	{ name: 'CA given, by name in the certificate', security: 'tls', host: 'localhost', ca: true },
	{
		name: 'CA given, by an address not in the certificate',
		security: 'tls',
		host: 'unlisted',
		ca: true,
		refused: HOST_NAME,
	},
	{
		name: 'CA given, host not listed, host-name check skipped',
		security: 'tls',
		host: 'unlisted',
		ca: true,
		skipHostname: true,
	},
	{ name: 'self-signed allowed, host listed', security: 'tls', host: 'listed', selfSigned: true },
	{
		name: 'self-signed allowed, host not listed',
		security: 'tls',
		host: 'unlisted',
		selfSigned: true,
		refused: HOST_NAME,
	},
	{
		name: 'self-signed allowed and host-name check skipped',
		security: 'tls',
		host: 'unlisted',
		selfSigned: true,
		skipHostname: true,
	},
	{ name: 'fingerprint right', security: 'tls', host: 'listed', pin: 'right' },
	{
		name: 'fingerprint right, host not listed',
		security: 'tls',
		host: 'unlisted',
		pin: 'right',
		refused: HOST_NAME,
	},
	{
		name: 'fingerprint right, host not listed, check skipped',
		security: 'tls',
		host: 'unlisted',
		pin: 'right',
		skipHostname: true,
	},
	{ name: 'fingerprint wrong', security: 'tls', host: 'listed', pin: 'wrong', refused: MISMATCH },
	{
		name: 'fingerprint wrong even with self-signed allowed',
		security: 'tls',
		host: 'listed',
		pin: 'wrong',
		selfSigned: true,
		skipHostname: true,
		refused: MISMATCH,
	},
	{ name: 'nothing trusted', security: 'tls', host: 'listed', refused: UNTRUSTED },
	{ name: 'STARTTLS, CA given', security: 'starttls', host: 'listed', ca: true },
	{
		name: 'STARTTLS, self-signed allowed, host not listed',
		security: 'starttls',
		host: 'unlisted',
		selfSigned: true,
		refused: HOST_NAME,
	},
	{
		name: 'STARTTLS, self-signed allowed, check skipped',
		security: 'starttls',
		host: 'unlisted',
		selfSigned: true,
		skipHostname: true,
	},
	{
		name: 'STARTTLS, fingerprint wrong',
		security: 'starttls',
		host: 'listed',
		pin: 'wrong',
		refused: MISMATCH,
	},
];

describe('certificate trust: CA, pinned fingerprint, self-signed, host-name check', () => {
	const services = new TestServices();
	let server: DovecotServer;
	let fingerprint: string;
	const unlistedPort: Record<string, number> = {};

	beforeAll(async () => {
		server = await services.dovecot({ name: 'trust', master: MASTER });
		await server.addUser('alice', PASSWORD);
		fingerprint = new X509Certificate(server.certPem).fingerprint256;
		unlistedPort.tls = (await services.faultProxy(server.tlsPort, '127.0.0.2')).port;
		unlistedPort.starttls = (await services.faultProxy(server.port, '127.0.0.2')).port;
	}, 120_000);

	afterAll(async () => {
		await services.stopAll();
	});

	/** The fingerprint with its first hex digit changed. */
	const wrongFingerprint = () => `${fingerprint[0] === 'A' ? 'B' : 'A'}${fingerprint.slice(1)}`;

	function account(c: TrustCase, login: Partial<ImapAccountSettings> = {}): ImapAccountSettings {
		const direct = c.security === 'tls' ? server.tlsPort : server.port;
		const trust: Trust = {
			allowSelfSigned: c.selfSigned === true,
			trustedCaPem: c.ca ? server.certPem : undefined,
			certificateFingerprint:
				c.pin === 'right' ? fingerprint : c.pin === 'wrong' ? wrongFingerprint() : undefined,
			skipHostnameCheck: c.skipHostname === true,
		};
		return {
			host: { listed: '127.0.0.1', localhost: 'localhost', unlisted: '127.0.0.2' }[c.host],
			port: c.host === 'unlisted' ? unlistedPort[c.security] : direct,
			security: c.security,
			...trust,
			loginMode: 'user',
			user: 'alice',
			password: PASSWORD,
			connectTimeoutMs: 5000,
			...login,
		};
	}

	function expectRefusal(message: string, c: TrustCase) {
		expect(message).toMatch(c.refused as RegExp);
		if (c.refused === MISMATCH) expect(message).toContain(fingerprint);
		expect(message).not.toContain(PASSWORD);
		expect(message).not.toContain(MASTER.password);
		expect(message).not.toContain('BEGIN CERTIFICATE');
	}

	it.each(CASES)('ImapSession: $name', async (c) => {
		const attempt = ImapSession.connect(endpointFor(account(c), 'alice'));
		if (!c.refused) {
			const session = await attempt;
			await session.noop();
			await session.logout();
			return;
		}
		const error = await attempt.then(
			() => null,
			(failure: unknown) => failure,
		);
		expect(error).toBeInstanceOf(ImapError);
		expect((error as ImapError).kind).toBe('tls');
		expectRefusal((error as ImapError).message, c);
	});

	it.each(CASES)('credential Test, imapflow login: $name', async (c) => {
		const check = await checkImapAccount(account(c), '');
		if (!c.refused) {
			expect(check).toEqual({ ok: true, message: expect.stringMatching(/^Logged in/) });
			return;
		}
		expect(check.ok).toBe(false);
		expectRefusal(check.message, c);
	});

	it.each(CASES)('credential Test, probe without a test mailbox: $name', async (c) => {
		const master = account(c, {
			loginMode: 'dovecotMaster',
			user: MASTER.user,
			password: MASTER.password,
		});
		const check = await checkImapAccount(master, '');
		if (!c.refused) {
			expect(check).toEqual({ ok: true, message: expect.stringMatching(/login was not tried/) });
			return;
		}
		expect(check.ok).toBe(false);
		expectRefusal(check.message, c);
	});

	it('pre-flight connects with a pinned certificate and refuses a wrong pin', async () => {
		const pinned = endpointFor(
			account({ name: 'pin', security: 'tls', host: 'listed', pin: 'right' }),
			'alice',
		);
		const report = await runPreflight(
			pinned,
			{ kind: 'imap', endpoint: pinned },
			{
				messagesPerSecond: 100,
				megabytesPerSecond: 10,
			},
		);
		expect(report.source.folders.map((folder) => folder.path)).toContain('INBOX');

		const wrong = {
			name: 'wrong pin',
			security: 'tls',
			host: 'listed',
			pin: 'wrong',
			refused: MISMATCH,
		} as const;
		const failure = await runPreflight(
			endpointFor(account(wrong), 'alice'),
			{ kind: 'imap', endpoint: pinned },
			{
				messagesPerSecond: 100,
				megabytesPerSecond: 10,
			},
		).then(
			() => null,
			(error: unknown) => error,
		);
		expect(failure).toBeInstanceOf(MailboxUnreachableError);
		expectRefusal((failure as MailboxUnreachableError).failure.message, wrong);
	});
});
