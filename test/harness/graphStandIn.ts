/**
 * Microsoft 365 through Graph as tests and the bench meet it: the Microsoft emulator, tokens and Graph side alike,
 * started through a TestServices so `services.stopAll()` stops it with the rest.
 *
 *   const m365 = await startGraphStandIn(services);
 *   const app = m365.registerApp();
 *   const mailbox = m365.addMailbox('anna');
 *   await migrateToGraph(sourceEndpoint, { app, mailbox }, ...);
 */
import type { MicrosoftApp } from '../../nodes/lib/microsoft/microsoftApp';
import {
	GRAPH_RESOURCE,
	startMicrosoftEmulator,
	type MicrosoftEmulator,
	type MicrosoftEmulatorOptions,
} from './microsoftEmulator';
import type { InspectedMessage } from './microsoftEmulator/graph';
import type { TestServices } from './services';

/** The hidden source key every created message carries (the contract), as Graph names the property. */
export const SOURCE_KEY_ID =
	'String {e5a4b1c2-5d3f-4b8e-9a6c-2f7d1e0b3a91} Name MailboxMigrationSourceKey';

/** The source key a message in the emulator carries, or null. */
export function sourceKeyOf(message: InspectedMessage): string | null {
	return (
		message.extendedProperties.find(
			(property) => property.id.toLowerCase() === SOURCE_KEY_ID.toLowerCase(),
		)?.value ?? null
	);
}

export interface GraphStandIn {
	emulator: MicrosoftEmulator;
	/**
	 * Registers an app with a secret (a fresh client id and secret unless given), consented to `roles` on Graph
	 * (default Mail.ReadWrite); its MicrosoftApp points at the emulator for tokens and Graph, trusting its CA. Each
	 * fresh client id has a token cache of its own in this process.
	 */
	registerApp(options?: { clientId?: string; secret?: string; roles?: string[] }): MicrosoftApp;
	/** Provisions the mailbox of `user` (not ready yet with `ready: false`); resolves with its principal name. */
	addMailbox(user: string, options?: { ready?: boolean }): string;
}

export async function startGraphStandIn(
	services: TestServices,
	options: MicrosoftEmulatorOptions = {},
): Promise<GraphStandIn> {
	const emulator = services.add(
		Object.assign(await startMicrosoftEmulator(options), { name: 'microsoft emulator' }),
	);
	let registered = 0;
	return {
		emulator,
		registerApp({ clientId, secret, roles = ['Mail.ReadWrite'] } = {}) {
			registered++;
			const id = clientId ?? `00000000-0000-4000-9000-${String(registered).padStart(12, '0')}`;
			const value = secret ?? `graph~${process.pid}~${registered}~do-not-print`;
			emulator.addApp({ clientId: id, secret: value, resourceRoles: { [GRAPH_RESOURCE]: roles } });
			return { ...emulator.appFor(id, value), graphUrl: emulator.baseUrl };
		},
		addMailbox(user, { ready = true } = {}) {
			const upn = `${user}@${emulator.tenantDomain}`;
			emulator.graph.provisionMailbox(upn, { ready });
			return upn;
		},
	};
}
