/**
 * Exchange Online over IMAP with OAuth, on a stand-in: a real Dovecot whose logins are XOAUTH2 checked by its oauth2
 * passdb against the Microsoft emulator's introspection endpoint, behind a proxy that adds what Exchange does and
 * Dovecot does not (mailbox grants, sessions ended when their token expires: exchangeOAuthSessions.ts).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { exchangeImapScope } from '../../../nodes/lib/microsoft/clouds';
import { surveyMailbox } from '../../../nodes/lib/preflight/preflight';
import { MailboxUnreachableError } from '../../../nodes/lib/preflight/preflightChecks';
import { compiledScript } from '../../harness/compiledScripts';
import type { DovecotServer } from '../../harness/dovecot';
import { exchangeOAuthSessions } from '../../harness/exchangeOAuthSessions';
import {
	startExchangeOnlineStandIn,
	type ExchangeOnlineStandIn,
} from '../../harness/exchangeOnlineStandIn';
import { appendMessages, makeMessage, snapshotMailbox } from '../../harness/imap-fixtures';
import type { MicrosoftEmulator } from '../../harness/microsoftEmulator';
import { TestServices } from '../../harness/services';
import { startThrottlingProxy } from '../../harness/throttlingProxy';
import {
	comparable,
	endpointOf,
	migrate,
	PASSWORD,
	seedPair,
	tempLedgerPath,
	uniqueUser,
	variedCorpus,
} from './engineFixtures';

describe('Exchange Online (IMAP, OAuth) on Dovecot with its oauth2 passdb', () => {
	const services = new TestServices();
	let exchange: ExchangeOnlineStandIn;
	let emulator: MicrosoftEmulator;
	let source: DovecotServer;
	let target: DovecotServer;

	beforeAll(async () => {
		[source, exchange] = await Promise.all([
			services.dovecot({ name: 'source' }),
			startExchangeOnlineStandIn(services),
		]);
		({ emulator, dovecot: target } = exchange);
	}, 180_000);

	afterAll(async () => {
		await services.stopAll();
	});

	/** A mailbox of the tenant on the oauth2 Dovecot; its password only serves the fixtures that inspect it. */
	const exchangeMailbox = (prefix: string) => exchange.addMailbox(uniqueUser(prefix), PASSWORD);

	async function expectExactCopy(sourceUser: string, targetUser: string): Promise<void> {
		const sourceSnapshot = comparable(await snapshotMailbox(source, sourceUser, PASSWORD));
		const targetSnapshot = comparable(await snapshotMailbox(target, targetUser, PASSWORD));
		for (const [folder, messages] of Object.entries(sourceSnapshot)) {
			expect({ folder, messages: targetSnapshot[folder] }).toEqual({ folder, messages });
		}
	}

	it('copies the varied corpus exactly over XOAUTH2, and Verify finds nothing to report', async () => {
		const { app, secret } = exchange.registerApp();
		const pair = await seedPair(source, target, variedCorpus(), 'fid');
		const user = await exchangeMailbox('fidx');
		emulator.grantMailbox(app.clientId, user);
		const ledger = tempLedgerPath();
		const report = await migrate(pair.sourceEndpoint, exchange.targetEndpoint(user, app), ledger);
		expect({ status: report.status, failed: report.counts.failed }).toEqual({
			status: 'completed',
			failed: 0,
		});
		expect(report.counts.copied).toBe(11);
		const sourceSnapshot = comparable(await snapshotMailbox(source, pair.sourceUser, PASSWORD));
		const targetSnapshot = comparable(await snapshotMailbox(target, user, PASSWORD));
		for (const folder of ['INBOX', '日本語', 'a.b', 'Projects/Alpha/Specs', 'Empty']) {
			expect(targetSnapshot[folder]).toEqual(sourceSnapshot[folder]);
		}
		expect(targetSnapshot.Drafts).toEqual(sourceSnapshot['Entwürfe']);
		const verify = await migrate(
			pair.sourceEndpoint,
			exchange.targetEndpoint(user, app),
			ledger,
			'verify',
		);
		expect(verify.status).toBe('completed');
		expect(verify.differences ?? []).toEqual([]);
		expect(JSON.stringify([report, verify])).not.toContain(secret);
		// Every login was XOAUTH2 (Dovecot logs the mechanism of each).
		expect(target.log()).toMatch(new RegExp(`Login: user=<${user}>, method=XOAUTH2`));
	});

	it('re-establishes sessions ended for expired tokens (3 s lifetime) with zero lost and zero duplicated', async () => {
		const { app } = exchange.registerApp();
		emulator.setTokenLifetime(3);
		try {
			const messages = Array.from({ length: 240 }, (_, index) => ({
				raw: makeMessage({ subject: `paced ${index}`, body: `body ${index}\n`.repeat(20) }),
				flags: index % 3 === 0 ? ['\\Seen'] : [],
				internalDate: new Date(Date.UTC(2020, 0, 1, 0, index)),
			}));
			const sourceUser = uniqueUser('expsrc');
			await source.addUser(sourceUser, PASSWORD);
			await appendMessages(source, sourceUser, PASSWORD, 'INBOX', messages);
			const user = await exchangeMailbox('expdst');
			emulator.grantMailbox(app.clientId, user);
			// Every 8th APPEND of a session waits until the session's token has expired: 240 messages in batches of 5
			// are 48 APPENDs, so at least 5 sessions end mid-copy however fast the machine is.
			const sessions = exchangeOAuthSessions(emulator, {
				expireEvery: { command: 'APPEND', count: 8 },
			});
			const proxy = services.add(await startThrottlingProxy(target.port, [sessions.rule]));
			const tokensBefore = emulator.issuedTokenCount(app.clientId);
			const report = await migrate(
				endpointOf(source, sourceUser),
				exchange.targetEndpoint(user, app, proxy.port),
				tempLedgerPath(),
				'full',
				{ tuning: { batchMessages: 5, connections: 1, pipelineDepth: 2, windowMessages: 500 } },
			);
			expect({
				status: report.status,
				failed: report.counts.failed,
				copied: report.counts.copied,
			}).toEqual({ status: 'completed', failed: 0, copied: 240 });
			await expectExactCopy(sourceUser, user);
			const { logins, expiredSessions, tokens } = sessions.counts;
			expect(expiredSessions).toBeGreaterThanOrEqual(5);
			// One login to start, one after each expired session; each with a token of its own, fetched for it.
			expect(logins).toBe(expiredSessions + 1);
			expect(report.reconnects).toBe(expiredSessions);
			expect(tokens.size).toBe(logins);
			expect(emulator.issuedTokenCount(app.clientId) - tokensBefore).toBe(logins);
			expect(proxy.counts.byes).toBe(expiredSessions);
		} finally {
			emulator.setTokenLifetime(3600);
		}
	}, 240_000);

	it('ends with an auth error naming the mailbox, no secret, for a mailbox without a grant and for a refused token', async () => {
		const { app, secret } = exchange.registerApp();
		const pair = await seedPair(source, target, { INBOX: [{ raw: makeMessage() }] }, 'deny');
		const ungranted = await exchangeMailbox('nogrant');
		const sessions = exchangeOAuthSessions(emulator);
		const proxy = services.add(await startThrottlingProxy(target.port, [sessions.rule]));
		const denied = (await migrate(
			pair.sourceEndpoint,
			exchange.targetEndpoint(ungranted, app, proxy.port),
			tempLedgerPath(),
		).catch((error: unknown) => error)) as Error;
		expect(denied.message).toBe(
			`target: Authentication: 127.0.0.1:${proxy.port} rejected the login for ${ungranted}: AUTHENTICATE failed.`,
		);
		// Refused, renewed once, refused again.
		expect(sessions.counts.ungranted).toBe(2);

		// A token the server refuses (no IMAP.AccessAsApp consented): renewed once, then the mailbox fails.
		const { app: unconsented, secret: otherSecret } = exchange.registerApp({ roles: [] });
		const granted = await exchangeMailbox('noperm');
		emulator.grantMailbox(unconsented.clientId, granted);
		const before = emulator.issuedTokenCount(unconsented.clientId);
		const refused = (await migrate(
			pair.sourceEndpoint,
			exchange.targetEndpoint(granted, unconsented),
			tempLedgerPath(),
		).catch((error: unknown) => error)) as Error;
		expect(refused.message).toMatch(
			new RegExp(
				`^target: Authentication: 127\\.0\\.0\\.1:${target.port} rejected the login for ${granted}: `,
			),
		);
		expect(emulator.issuedTokenCount(unconsented.clientId) - before).toBe(2);
		for (const error of [denied, refused]) {
			const text = `${error.message} ${String(error.cause)}`;
			expect(text).not.toContain(secret);
			expect(text).not.toContain(otherSecret);
			expect(text).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);
		}
	});

	it('pre-flight (imapflow) logs in with the token, and says which step failed when there is none', async () => {
		const { app, secret } = exchange.registerApp();
		const user = await exchangeMailbox('pre');
		await appendMessages(target, user, PASSWORD, 'INBOX', [{ raw: makeMessage() }]);
		const survey = await surveyMailbox(exchange.targetEndpoint(user, app), 'target', {
			withSizes: true,
		});
		expect({ login: survey.login, messages: survey.totals.messages }).toEqual({
			login: 'ok',
			messages: 1,
		});
		const wrongSecret = { ...app, clientSecret: 'not-the-secret' };
		const failure = (await surveyMailbox(exchange.targetEndpoint(user, wrongSecret), 'target', {
			withSizes: false,
		}).catch((error: unknown) => error)) as MailboxUnreachableError;
		expect(failure).toBeInstanceOf(MailboxUnreachableError);
		expect(failure.failure.layer).toBe('auth');
		// The token step comes before the login (preflight.ts), so it is the step named.
		expect(failure.checks.map((check) => [check.step, check.status])).toEqual([
			['token', 'failed'],
		]);
		expect(failure.failure.message).toMatch(/^Microsoft 365 token, step "secret": /);
		expect(failure.failure.message).not.toContain('not-the-secret');
		expect(failure.failure.message).not.toContain(secret);
	});

	it('survives 20 kill -9s during an XOAUTH2 copy and converges exactly', async () => {
		const cli = await compiledScript('test/tools/migrateCli.ts');
		const { app, secret } = exchange.registerApp();
		const sourceUser = uniqueUser('killsrc');
		await source.addUser(sourceUser, PASSWORD);
		const folders = ['INBOX', 'Archive/2019', 'Projects'];
		for (const [slot, folder] of folders.entries()) {
			await appendMessages(
				source,
				sourceUser,
				PASSWORD,
				folder,
				Array.from({ length: 300 }, (_, index) => ({
					raw: makeMessage({ subject: `${folder} ${index}`, body: 'z'.repeat(index * 7) }),
					flags: index % 2 ? ['\\Seen'] : [],
					internalDate: new Date(Date.UTC(2019, slot, 1, 0, index)),
				})),
			);
		}
		const user = await exchangeMailbox('killdst');
		emulator.grantMailbox(app.clientId, user);
		const oauthFile = path.join(path.dirname(tempLedgerPath()), 'oauth.json');
		fs.writeFileSync(oauthFile, JSON.stringify({ app, scope: exchangeImapScope(app) }), {
			mode: 0o600,
		});
		const url = (server: DovecotServer, name: string, password: string) =>
			`imap://${encodeURIComponent(name)}:${encodeURIComponent(password)}@${server.host}:${server.port}`;
		const args = [
			'--src',
			url(source, sourceUser, PASSWORD),
			'--dst',
			url(target, user, ''),
			'--dst-oauth',
			oauthFile,
			'--ledger',
			tempLedgerPath(),
			'--batch',
			'5',
			'--depth',
			'4',
			'--window',
			'200',
		];
		const run = (env: NodeJS.ProcessEnv = {}) =>
			new Promise<{ signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => {
				const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, ...env } });
				let stdout = '';
				let stderr = '';
				child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
				child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
				child.on('close', (_code, signal) => resolve({ signal, stdout, stderr }));
			});
		// Each round dies right after the target accepted its 1st to 8th batch, before the ledger records it: 20 rounds
		// write at most 160 batches of 5 = 800 of the 900 messages, so every round has work left.
		for (let round = 0; round < 20; round++) {
			const killed = await run({ MM_KILL_AFTER_APPENDS: String(1 + (round % 8)) });
			expect({ round, signal: killed.signal, stderr: killed.stderr }).toEqual({
				round,
				signal: 'SIGKILL',
				stderr: '',
			});
		}
		const final = await run();
		expect(final.stderr).toBe('');
		expect(final.stdout).not.toContain(secret);
		const report = JSON.parse(final.stdout);
		expect(report.status).toBe('completed');
		await expectExactCopy(sourceUser, user);
		// 21 processes, each with its own token cache: at least one token each.
		expect(emulator.issuedTokenCount(app.clientId)).toBeGreaterThanOrEqual(21);
	}, 600_000);
});
