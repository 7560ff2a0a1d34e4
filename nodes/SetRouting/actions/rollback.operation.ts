import { rollbackRouting, rollbackWave, type RoutingResult } from '../../lib/routing/setRouting';
import { RoutingParameterError, userOf } from './routingParameters';
import type { RoutingRun } from './routingRun';

/** One user of a wave that could not be rolled back; the wave's other users were. */
export class WaveUserError extends Error {
	constructor(
		readonly user: string,
		readonly cause: Error,
	) {
		super(cause.message);
		this.name = 'WaveUserError';
	}
}

/** Restores the snapshot of the item's user, or of every user of the wave it names. */
export async function execute(
	run: RoutingRun,
	itemIndex: number,
): Promise<(RoutingResult | WaveUserError)[]> {
	const migrationId = run.migrationIdOf(itemIndex);
	const scope = run.context.getNodeParameter('rollbackScope', itemIndex, 'user');
	const [directory, ledger] = await Promise.all([run.directoryOf(), run.ledgerOf(itemIndex)]);
	if (scope !== 'wave') {
		const user = userOf(run.context.getNodeParameter('user', itemIndex, ''));
		return [await rollbackRouting(directory, ledger, { migrationId, user })];
	}
	const wave = String(run.context.getNodeParameter('rollbackWave', itemIndex, '') ?? '').trim();
	if (wave === '') throw new RoutingParameterError('Wave is empty');
	const key = JSON.stringify([
		run.context.getNodeParameter('ledgerOptions.path', itemIndex, ''),
		migrationId,
		wave,
	]);
	// Once per wave and execution: a wave comes in on every item of a roster, and is rolled back by the first.
	if (run.rolledBackWaves.has(key)) return [];
	run.rolledBackWaves.add(key);
	const results = await rollbackWave(directory, ledger, migrationId, wave);
	return results.map(({ user, result }) =>
		result instanceof Error ? new WaveUserError(user, result) : result,
	);
}
