import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import type { MigrationMode } from '../../lib/migration/types';
import { oversizePolicyOf } from './executionParameters';
import type { ItemOutcome } from './itemOutcome';
import { runMailboxes } from './runMailboxes';

/** Migrate: copies (Full, Delta) or plans (Dry Run) each item's mailbox, all in one execution. */
export async function execute(
	this: IExecuteFunctions,
	itemIndexes: number[],
): Promise<ItemOutcome[]> {
	return await runMailboxes.call(this, itemIndexes, (itemIndex, targetType) => ({
		mode: this.getNodeParameter('mode', itemIndex, 'full') as MigrationMode,
		oversize: oversizePolicyOf(
			this.getNodeParameter('oversizeOptions', itemIndex, {}) as IDataObject,
			targetType,
		),
	}));
}
