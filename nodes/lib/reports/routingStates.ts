/**
 * Routing switched or not, from the routing snapshots Set Routing records in the ledger (ledger schema version 4,
 * `listRoutingSnapshots` of ledger/routingSnapshots.ts, on the `routing` branch). This is the one place the reports
 * read them: a store without that method (a release before Set Routing) gives `unknown` for every user.
 */
import type { LedgerStore } from '../ledger/types';
import type { RoutingState } from './model';

/** The part of the routing snapshots store the reports read, as Set Routing defines it. */
interface RoutingSnapshotReader {
	listRoutingSnapshots(
		migrationId: string,
		filter?: { wave?: string; state?: string },
	): Promise<readonly { user: string; state: string }[]>;
}

const KNOWN: readonly RoutingState[] = ['switched', 'switching', 'rolledBack'];

/** User (lower case) → routing state, or null when the ledger records no routing. */
export async function routingStatesOf(
	ledger: LedgerStore,
	migrationId: string,
): Promise<Map<string, RoutingState> | null> {
	const reader = ledger as Partial<RoutingSnapshotReader>;
	if (typeof reader.listRoutingSnapshots !== 'function') return null;
	const states = new Map<string, RoutingState>();
	// A later snapshot of the same user is its newer state.
	for (const snapshot of await reader.listRoutingSnapshots.call(ledger, migrationId)) {
		const state = KNOWN.includes(snapshot.state as RoutingState)
			? (snapshot.state as RoutingState)
			: 'unknown';
		states.set(snapshot.user.toLowerCase(), state);
	}
	return states;
}

/** The routing state of one user: `notSwitched` when routing is recorded but not for this user. */
export function routingOf(states: Map<string, RoutingState> | null, user: string): RoutingState {
	if (states === null) return 'unknown';
	return states.get(user.toLowerCase()) ?? 'notSwitched';
}
