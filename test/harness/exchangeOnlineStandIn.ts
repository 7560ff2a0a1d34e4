/**
 * Exchange Online as tests and the bench meet it: the Microsoft emulator for tokens and a real Dovecot whose oauth2
 * passdb checks them against the emulator's introspection endpoint. Both are started through a TestServices, so
 * `services.stopAll()` stops them with the rest (the Dovecot by its PIDs).
 *
 *   const exchange = await startExchangeOnlineStandIn(services);
 *   const { app } = exchange.registerApp();
 *   const mailbox = await exchange.addMailbox('anna', PASSWORD);
 *   await migrate(sourceEndpoint, exchange.targetEndpoint(mailbox, app), ...);
 */
import { randomBytes } from 'node:crypto';

import type { ImapEndpoint } from '../../nodes/lib/imap/endpoint';
import { exchangeImapScope } from '../../nodes/lib/microsoft/clouds';
import type { MicrosoftApp } from '../../nodes/lib/microsoft/microsoftApp';
import type { DovecotServer } from './dovecot';
import { testEndpoint } from './endpoints';
import {
	EXCHANGE_IMAP_ROLE,
	startMicrosoftEmulator,
	type MicrosoftEmulator,
	type MicrosoftEmulatorOptions,
} from './microsoftEmulator';
import type { TestServices } from './services';

export interface ExchangeOnlineStandInOptions {
	/** The Dovecot's instance name (default `exchange`). */
	name?: string;
	emulator?: MicrosoftEmulatorOptions;
}

export interface RegisteredApp {
	/** Points at the emulator and at the stand-in's implicit-TLS port, trusting both certificates. */
	app: MicrosoftApp;
	secret: string;
}

export interface ExchangeOnlineStandIn {
	emulator: MicrosoftEmulator;
	/** Takes XOAUTH2/OAUTHBEARER logins (checked by the emulator) and passwords (for fixtures that seed and inspect). */
	dovecot: DovecotServer;
	/** The tenant's address of `user`: the only name an app-only login knows a mailbox by. */
	mailbox(user: string): string;
	/** Creates the mailbox of `user` on the Dovecot; resolves with its address. */
	addMailbox(user: string, password: string): Promise<string>;
	/**
	 * Registers an app with a secret (a fresh client id and random secret unless given), consented to
	 * `roles` (default IMAP.AccessAsApp). Each fresh client id has a token cache of its own in this process.
	 */
	registerApp(options?: { clientId?: string; secret?: string; roles?: string[] }): RegisteredApp;
	/** The MicrosoftApp of a client id with this secret (registered or not): as the credential would give it. */
	appFor(clientId: string, clientSecret: string): MicrosoftApp;
	/** Plain IMAP on the Dovecot (or a proxy on `port` in front of it), logging in with XOAUTH2 as `mailbox`. */
	targetEndpoint(mailbox: string, app: MicrosoftApp, port?: number): ImapEndpoint;
}

export async function startExchangeOnlineStandIn(
	services: TestServices,
	options: ExchangeOnlineStandInOptions = {},
): Promise<ExchangeOnlineStandIn> {
	const emulator = services.add(await startMicrosoftEmulator(options.emulator));
	const dovecot = await services.dovecot({
		name: options.name ?? 'exchange',
		oauth2: { introspectionUrl: emulator.introspectionUrl },
	});
	let registered = 0;
	const mailbox = (user: string) => `${user}@${emulator.tenantDomain}`;
	const appFor = (clientId: string, clientSecret: string): MicrosoftApp => ({
		...emulator.appFor(clientId, clientSecret),
		imapHost: dovecot.host,
		imapPort: dovecot.tlsPort,
		// One bundle trusts both: the emulator's token endpoint and the stand-in's IMAP certificate.
		trustedCaPem: `${emulator.caPem}\n${dovecot.certPem}`,
	});
	return {
		emulator,
		dovecot,
		mailbox,
		async addMailbox(user, password) {
			await dovecot.addUser(mailbox(user), password);
			return mailbox(user);
		},
		registerApp({ clientId, secret, roles = [EXCHANGE_IMAP_ROLE] } = {}) {
			registered++;
			const id = clientId ?? `00000000-0000-4000-8000-${String(registered).padStart(12, '0')}`;
			const value = secret ?? randomBytes(24).toString('base64url');
			emulator.addApp({ clientId: id, secret: value, roles });
			return { app: appFor(id, value), secret: value };
		},
		appFor,
		targetEndpoint: (address, app, port = dovecot.port) =>
			testEndpoint(dovecot, address, '', {
				port,
				login: { oauth: { app, scope: exchangeImapScope(app) } },
			}),
	};
}
