import { switchRouting, type RoutingResult } from '../../lib/routing/setRouting';
import { routingSubjectOf } from './routingParameters';
import type { RoutingRun } from './routingRun';

/** Snapshot first (write-ahead), then set the routing attributes of the item's user. */
export async function execute(run: RoutingRun, itemIndex: number): Promise<RoutingResult[]> {
	const subject = routingSubjectOf(run.parametersOf(itemIndex));
	const [directory, ledger] = await Promise.all([run.directoryOf(), run.ledgerOf(itemIndex)]);
	return [await switchRouting(directory, ledger, subject)];
}
