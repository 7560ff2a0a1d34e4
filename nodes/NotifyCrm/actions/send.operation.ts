/**
 * Send: for each user, every stage of the plan: the due ones sent through the provider (never twice, see sendStage),
 * the others reported as not due (with when) or skipped (stale, with why). A provider's refusal fails that stage of
 * that user only: it is output with status `failed` and the provider's answer, and the next run tries it again.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { ledgerOptionsOf } from '../../common/ledgerParameters';
import type { CommunicationProvider } from '../../lib/communications/provider';
import { keysOf, sendStage } from '../../lib/communications/sendStages';
import type { NotifyRun } from './notifyRun';
import { planOf } from './planInput';
import { providerFor } from './provider';
import { stageItem, unsentOutcome } from './stageItem';

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	run: NotifyRun,
): Promise<INodeExecutionData[]> {
	const item = planOf(this, itemIndex);
	const store = await run.ledgers.of(ledgerOptionsOf(item.ledgerPath));
	let provider: CommunicationProvider | undefined;
	const output: INodeExecutionData[] = [];
	for (const timing of item.plan.stages) {
		const message = item.messages.get(timing.stage) ?? { subject: '', body: '' };
		const { key, idempotencyKey } = keysOf({
			migrationId: item.migrationId,
			recipient: item.plan.recipient,
			stage: timing.stage,
		});
		// A stage sent before says so, also once it is stale or, after the date moved, not due again.
		const record = timing.timing === 'due' ? null : await store.getCommunication(key);
		let outcome =
			record?.status === 'sent'
				? { status: 'already sent', reference: record.providerReference, sentAt: record.sentAt }
				: unsentOutcome(timing);
		if (!outcome) {
			provider ??= await providerFor(this, itemIndex);
			outcome = (await sendStage(
				store,
				provider,
				{
					migrationId: item.migrationId,
					recipient: item.plan.recipient,
					name: item.name,
					stage: timing.stage,
					subject: message.subject,
					body: message.body,
					idempotencyKey,
					dueAt: timing.dueAt.toISOString(),
					migrationDate: item.plan.migrationDate,
					timeZone: item.plan.timeZone,
				},
				{
					owner: run.owner,
					claimTtlMs: item.claimTtlMs,
					scheduledFor: item.plan.migrationDate,
					signal: run.signal,
				},
			)) as unknown as IDataObject;
		}
		output.push({
			json: stageItem(item, timing, idempotencyKey, outcome),
			pairedItem: { item: itemIndex },
		});
	}
	return output;
}
