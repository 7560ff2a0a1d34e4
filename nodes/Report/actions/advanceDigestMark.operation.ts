/**
 * Advance Digest Mark: after an Error Digest built with Move Mark "After Delivery" went out (a Send Email node), its
 * digestMark moves the digest's mark, so the next "since the last digest" digest starts where the delivered one ended.
 * One output item per input item; the same token twice in one input is acknowledged once.
 */
import { NodeOperationError, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';

import { itemError } from '../../common/itemErrors';
import { ledgerOptionsOf, migrationNameOf, NodeLedgers } from '../../common/ledgerParameters';
import { acknowledgeDigest } from '../../lib/reports';

export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const migrationId = migrationNameOf(this.getNodeParameter('migrationId', 0, ''));
	const options = this.getNodeParameter('reportOptions', 0, {}) as { path?: unknown };
	const ledgers = new NodeLedgers();
	const done = new Map<string, { markName: string; until: string }>();
	const output: INodeExecutionData[] = [];
	try {
		const ledger = await ledgers.of(ledgerOptionsOf(options.path));
		for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
			try {
				const token = String(this.getNodeParameter('digestMark', itemIndex, '') ?? '').trim();
				if (!token) {
					throw new NodeOperationError(this.getNode(), `Item ${itemIndex} has no digest mark`, {
						itemIndex,
						description:
							"Point Digest Mark at the digestMark of the Error Digest item (Move Mark: After Delivery), e.g. {{ $('Error Digest').item.json.digestMark }}.",
					});
				}
				let marked = done.get(token);
				if (!marked) {
					marked = await acknowledgeDigest(ledger, migrationId, token);
					done.set(token, marked);
				}
				output.push({
					json: { migrationId, markName: marked.markName, markedUntil: marked.until },
					pairedItem: { item: itemIndex },
				});
			} catch (error) {
				const nodeError = itemError(
					this.getNode(),
					error,
					itemIndex,
					`Digest mark of item ${itemIndex}`,
				);
				if (!this.continueOnFail()) throw nodeError;
				output.push({ json: { error: nodeError.message }, pairedItem: { item: itemIndex } });
			}
		}
	} finally {
		await ledgers.close();
	}
	return [output];
}
