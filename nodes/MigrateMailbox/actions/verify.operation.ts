import type { IExecuteFunctions } from 'n8n-workflow';

import { oversizePolicyOf } from './executionParameters';
import type { ItemOutcome } from './itemOutcome';
import { runMailboxes } from './runMailboxes';

/** Verify: compares source, target and ledger of each item's mailbox, all in one execution; copies nothing. */
export async function execute(
	this: IExecuteFunctions,
	itemIndexes: number[],
): Promise<ItemOutcome[]> {
	return await runMailboxes.call(this, itemIndexes, (_itemIndex, targetType) => ({
		mode: 'verify',
		oversize: oversizePolicyOf({}, targetType),
	}));
}
