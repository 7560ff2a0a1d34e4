/** The output item of one user and stage: who, which stage, when it was due, and what became of it. */
import type { IDataObject } from 'n8n-workflow';

import type { StageTiming } from '../../lib/communications/communicationPlan';
import type { PlannedItem } from './planInput';

export function stageItem(
	item: PlannedItem,
	timing: StageTiming,
	idempotencyKey: string,
	outcome: IDataObject,
): IDataObject {
	return {
		migrationId: item.migrationId,
		email: item.plan.recipient,
		name: item.name,
		stage: timing.stage,
		...outcome,
		dueAt: timing.dueAt.toISOString(),
		migrationDate: item.plan.migrationDate,
		timeZone: item.plan.timeZone,
		idempotencyKey,
	};
}

/** A planned (not sent) stage's outcome: not due with when, or skipped as stale with why. */
export function unsentOutcome(timing: StageTiming): IDataObject | null {
	if (timing.timing === 'notDue') return { status: 'not due' };
	if (timing.timing === 'stale') return { status: 'skipped', reason: timing.reason };
	return null;
}
