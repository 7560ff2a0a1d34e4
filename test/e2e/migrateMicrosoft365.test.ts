/**
 * The Microsoft 365 template in real n8n: two mailboxes from a Dovecot source into a Dovecot that checks bearer
 * tokens with its oauth2 passdb (standing in for Exchange Online IMAP), the tokens coming from the Microsoft
 * emulator's token endpoint by the Microsoft 365 (App) credential with its override URLs and trusted CA.
 */
import path from 'node:path';

import type { DovecotServer } from '../harness/dovecot';
import {
	startExchangeOnlineStandIn,
	type ExchangeOnlineStandIn,
} from '../harness/exchangeOnlineStandIn';
import { snapshotMailbox } from '../harness/imap-fixtures';
import { TestServices } from '../harness/services';
import { removeN8nHome, type N8nHome, type WorkflowRun } from './n8nRuntime';
import {
	expectFoldersCopied,
	expectNoSecretsPrinted,
	expectWaveMigrated,
	expectWaveVerified,
	microsoft365Home,
	runMicrosoft365Wave,
	seedMailboxes,
	waveCorpora,
	type OutputItem,
} from './workflowFixtures';

const MASTER = { user: 'migrator', password: 'm4ster-Secret-m365' };
const USER_PASSWORD = 'u5er-Secret-m365';
const CLIENT_ID = '6f1d2c3b-0000-4000-8000-00000000e2e1';
const CLIENT_SECRET = 'cl1ent~Secret-m365-e2e';

describe('Migrate into Microsoft 365 template in real n8n (oauth2 Dovecot, Microsoft emulator)', () => {
	const services = new TestServices();
	let exchange: ExchangeOnlineStandIn;
	let source: DovecotServer;
	let home: N8nHome;
	let run: WorkflowRun;
	/** The stand-in's log right after the run, before the assertions' own (password) logins. */
	let targetLogAfterRun: string;
	const upn = (user: string) => exchange.mailbox(user);

	beforeAll(async () => {
		[source, exchange] = await Promise.all([
			services.dovecot({ name: 'source', master: MASTER }),
			startExchangeOnlineStandIn(services, { name: 'target' }),
		]);
		const { app } = exchange.registerApp({ clientId: CLIENT_ID, secret: CLIENT_SECRET });
		exchange.emulator.grantAllMailboxes(CLIENT_ID);
		await seedMailboxes(waveCorpora, USER_PASSWORD, source, exchange.dovecot, upn);
		// Its trusted CA bundle holds both the emulator's certificate and the stand-in's IMAP one.
		home = await microsoft365Home(source, app);
		// The ledger is with the servers, removed by stopAll (kept with KEEP_TEST_SERVICES=1).
		run = await runMicrosoft365Wave(home, path.join(services.dir, 'ledger.sqlite'), upn);
		targetLogAfterRun = exchange.dovecot.log();
	}, 20 * 60_000);

	afterAll(async () => {
		if (home) removeN8nHome(home);
		await services.stopAll();
	});

	it('migrates both mailboxes completely, logged in with app tokens from the token endpoint', async () => {
		expectWaveMigrated(run, upn);
		expect(exchange.emulator.issuedTokenCount(CLIENT_ID)).toBeGreaterThan(0);
		// Every login on the stand-in during the run was XOAUTH2, as each mailbox: the template has no target password.
		const logins = [...targetLogAfterRun.matchAll(/Login: user=<([^>]+)>, method=([A-Z0-9-]+)/g)];
		expect(logins.length).toBeGreaterThan(0);
		expect(new Set(logins.map(([, , method]) => method))).toEqual(new Set(['XOAUTH2']));
		expect(new Set(logins.map(([, user]) => user))).toEqual(
			new Set(Object.keys(waveCorpora).map(upn)),
		);
	});

	it('leaves each target mailbox equal to its source: bytes, flags and dates in every folder', async () => {
		for (const report of run.nodes.Migrate as OutputItem[]) {
			const user = report.mailbox as string;
			expectFoldersCopied(
				report,
				waveCorpora[user],
				await snapshotMailbox(source, user, USER_PASSWORD),
				await snapshotMailbox(exchange.dovecot, upn(user), USER_PASSWORD),
			);
		}
	});

	it('verifies both mailboxes clean and sends them to the verified branch', () => {
		expectWaveVerified(run);
	});

	it('never prints a secret or a token', () => {
		expectNoSecretsPrinted([run], [CLIENT_SECRET, MASTER.password]);
	});
});
