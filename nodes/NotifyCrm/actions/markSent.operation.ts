/** Mark Sent: records a stage sent by another node (after Plan Only), so no later run sends or plans it again. */
import { NodeOperationError, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';

import { ledgerOptionsOf, migrationNameOf } from '../../common/ledgerParameters';
import { normalizedRecipient } from '../../lib/communications/communicationPlan';
import { keysOf } from '../../lib/communications/sendStages';
import type { NotifyRun } from './notifyRun';
import { optionsOf } from './planInput';

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	run: NotifyRun,
): Promise<INodeExecutionData[]> {
	const options = optionsOf(this, itemIndex);
	const stage = String(this.getNodeParameter('stage', itemIndex, '') ?? '').trim();
	if (!stage)
		throw new NodeOperationError(this.getNode(), 'Enter the stage that was sent', { itemIndex });
	const { key, idempotencyKey } = keysOf({
		migrationId: migrationNameOf(this.getNodeParameter('migrationId', itemIndex, '')),
		recipient: normalizedRecipient(String(this.getNodeParameter('email', itemIndex, '') ?? '')),
		stage,
	});
	const reference = String(this.getNodeParameter('providerReference', itemIndex, '') ?? '').trim();
	const store = await run.ledgers.of(ledgerOptionsOf(options.path));
	const before = await store.getCommunication(key);
	const record = await store.recordCommunicationSent({
		...key,
		idempotencyKey,
		owner: run.owner,
		providerReference: reference || null,
	});
	return [
		{
			json: {
				migrationId: key.migrationId,
				email: key.recipient,
				stage,
				status: before?.status === 'sent' ? 'already sent' : 'sent',
				providerReference: record.providerReference,
				sentAt: record.sentAt,
				idempotencyKey,
			},
			pairedItem: { item: itemIndex },
		},
	];
}
