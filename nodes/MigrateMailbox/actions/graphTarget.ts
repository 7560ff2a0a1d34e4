/**
 * Microsoft 365 through Microsoft Graph as a target: the Microsoft 365 (App) credential plus one mailbox's UPN make the
 * store description the engine opens a Graph target with. The only place that knows how.
 */
import type { MicrosoftApp } from '../../lib/microsoft/microsoftApp';
import type { GraphStoreOptions } from '../../lib/migration/stores/storeSides';
import { microsoftMailboxProblem } from './microsoftMailbox';

export function graphTargetStore(app: MicrosoftApp, mailbox: string): GraphStoreOptions {
	const problem = microsoftMailboxProblem(mailbox, 'Microsoft Graph');
	if (problem) throw new Error(problem);
	// Graph's own limits per mailbox: the description carries scaled ones only in tests and the bench.
	return { kind: 'graph', app, mailbox };
}
