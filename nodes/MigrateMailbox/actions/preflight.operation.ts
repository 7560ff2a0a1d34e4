import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { DEFAULT_THROUGHPUT_ASSUMPTION } from '../../lib/defaults';
import { runPreflight } from '../../lib/preflight/preflight';
import { asError, type ItemOutcome } from './itemOutcome';
import { mailboxPairFor } from './mailboxPair';

/** Pre-flight: logs in on both sides of each item's mailbox and surveys it, one mailbox after the other. */
export async function execute(
	this: IExecuteFunctions,
	itemIndexes: number[],
): Promise<ItemOutcome[]> {
	const outcomes: ItemOutcome[] = [];
	for (const itemIndex of itemIndexes) {
		try {
			const { source, target } = await mailboxPairFor.call(this, itemIndex);
			const options = this.getNodeParameter('preflightOptions', itemIndex, {}) as IDataObject;
			const report = await runPreflight(source, target, {
				messagesPerSecond: Number(
					options.messagesPerSecond ?? DEFAULT_THROUGHPUT_ASSUMPTION.messagesPerSecond,
				),
				megabytesPerSecond: Number(
					options.megabytesPerSecond ?? DEFAULT_THROUGHPUT_ASSUMPTION.megabytesPerSecond,
				),
			});
			outcomes.push(report as unknown as IDataObject);
		} catch (error) {
			outcomes.push(asError(error));
		}
	}
	return outcomes;
}
