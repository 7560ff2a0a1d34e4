/**
 * Plan Only: the due messages as items, one per user and due stage, with subject and body rendered and the stage's
 * idempotency key, for any n8n node to send (HubSpot, Salesforce, Send Email...), followed by Mark Sent. Each stage
 * output is claimed in the ledger for Claim For minutes, so a second plan in that time does not hand it out again;
 * when Mark Sent does not follow in time, the next plan hands it out again, with the same key. Stages not due, stale,
 * already sent or handed out by another run are not output.
 */
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { ledgerOptionsOf } from '../../common/ledgerParameters';
import { claimStage } from '../../lib/communications/sendStages';
import type { NotifyRun } from './notifyRun';
import { planOf } from './planInput';
import { stageItem } from './stageItem';

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	run: NotifyRun,
): Promise<INodeExecutionData[]> {
	const item = planOf(this, itemIndex);
	const store = await run.ledgers.of(ledgerOptionsOf(item.ledgerPath));
	const output: INodeExecutionData[] = [];
	for (const timing of item.plan.stages) {
		if (timing.timing !== 'due') continue;
		const attempt = await claimStage(
			store,
			{ migrationId: item.migrationId, recipient: item.plan.recipient, stage: timing.stage },
			{ owner: run.owner, claimTtlMs: item.claimTtlMs, scheduledFor: item.plan.migrationDate },
		);
		if (!attempt.claimed) continue;
		const message = item.messages.get(timing.stage) ?? { subject: '', body: '' };
		output.push({
			json: stageItem(item, timing, attempt.claim.idempotencyKey, {
				status: 'due',
				subject: message.subject,
				body: message.body,
				claimedUntil: attempt.claim.expiresAt,
			}),
			pairedItem: { item: itemIndex },
		});
	}
	return output;
}
