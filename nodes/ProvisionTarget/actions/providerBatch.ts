/**
 * What every provider does around its batch: read each item's parameters (an item whose parameters or ledger fail
 * fails alone, or ends the run without Continue On Fail before anything is written), provision the others together,
 * and map the batch's positions back to the node's.
 */
import type { IExecuteFunctions } from 'n8n-workflow';

import { ProvisioningItemError } from '../../lib/provisioning/types';
import type { ProvisioningResult } from './provisioningOutput';

export async function provideBatch<Item>(
	context: IExecuteFunctions,
	itemIndexes: number[],
	readItem: (itemIndex: number) => Promise<Item>,
	provision: (items: Item[]) => Promise<ProvisioningResult[]>,
): Promise<ProvisioningResult[]> {
	const items: Item[] = [];
	const readFailures = new Map<number, Error>();
	for (const [position, itemIndex] of itemIndexes.entries()) {
		try {
			items.push(await readItem(itemIndex));
		} catch (error) {
			readFailures.set(position, error as Error);
		}
	}
	const firstFailure = [...readFailures][0];
	if (firstFailure && !context.continueOnFail()) {
		throw new ProvisioningItemError(firstFailure[0], firstFailure[1]);
	}
	const positions = itemIndexes
		.map((_, position) => position)
		.filter((position) => !readFailures.has(position));
	const results = await provision(items).catch((error: unknown) => {
		// The batch's positions are those of the items it got: back to the node's.
		if (error instanceof ProvisioningItemError) {
			throw new ProvisioningItemError(positions[error.position], error.cause);
		}
		throw error;
	});
	return itemIndexes.map(
		(_, position) => readFailures.get(position) ?? results[positions.indexOf(position)],
	);
}
