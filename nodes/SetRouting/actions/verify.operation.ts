import { verifyRouting, type RoutingResult } from '../../lib/routing/setRouting';
import { routingSubjectOf } from './routingParameters';
import type { RoutingRun } from './routingRun';

/** Reads the entry back and compares it with the routing attributes. */
export async function execute(run: RoutingRun, itemIndex: number): Promise<RoutingResult[]> {
	const subject = routingSubjectOf(run.parametersOf(itemIndex));
	const [directory, ledger] = await Promise.all([run.directoryOf(), run.ledgerOf(itemIndex)]);
	return [await verifyRouting(directory, ledger, subject)];
}
