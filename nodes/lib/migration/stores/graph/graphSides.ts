/** A Microsoft 365 mailbox written through Graph: what storeSides.ts makes of a `graph` store description. */
import { graphUrlOf } from '../../../microsoft/clouds';
import type { TargetSide } from '../storeSides';
import type { GraphTargetOptions } from './graphMailTarget';

/** The ledger's name for the mailbox: the mailbox at the tenant, so one UPN in two tenants never mixes. */
export function graphAccountOf(options: GraphTargetOptions): string {
	return `${options.mailbox.toLowerCase()}@graph:${options.app.tenant}`;
}

export function graphTargetSide(options: GraphTargetOptions): TargetSide {
	return {
		// The Graph host (with its port when overridden): the host limiter and throttle profiles count it.
		host: new URL(graphUrlOf(options.app)).host,
		mailbox: options.mailbox,
		label: `${options.mailbox} (Microsoft Graph, tenant ${options.app.tenant})`,
		account: graphAccountOf(options),
		// Loaded when a Graph target opens: the Graph client and mailparser cost an IMAP-only run ~60 ms of start-up.
		open: async () => await (await import('./graphMailTarget')).GraphMailTarget.open(options),
	};
}
