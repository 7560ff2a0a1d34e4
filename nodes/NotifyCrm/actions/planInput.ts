/** One item's user and plan, read from the node's parameters: the only place that knows their names. */
import { NodeOperationError, type IDataObject, type IExecuteFunctions } from 'n8n-workflow';

import { migrationNameOf } from '../../common/ledgerParameters';
import {
	checkPlan,
	DEFAULT_MAX_LATENESS_MS,
	planRecipient,
	type PlanStage,
	type RecipientPlan,
} from '../../lib/communications/communicationPlan';
import { DEFAULT_CLAIM_TTL_MS } from '../../lib/communications/sendStages';

export interface StageMessage {
	subject: string;
	body: string;
}

export interface PlannedItem {
	migrationId: string;
	name: string;
	plan: RecipientPlan;
	messages: Map<string, StageMessage>;
	claimTtlMs: number;
	ledgerPath: unknown;
}

export function optionsOf(context: IExecuteFunctions, itemIndex: number): IDataObject {
	return context.getNodeParameter('options', itemIndex, {}) as IDataObject;
}

export function claimTtlOf(options: IDataObject): number {
	const minutes = Number(options.claimMinutes ?? DEFAULT_CLAIM_TTL_MS / 60_000);
	return Math.max(1, Math.round((Number.isFinite(minutes) ? minutes : 10) * 60_000));
}

/** Evaluate As Of, or now. n8n hands a dateTime parameter over as an ISO string (or a Luxon DateTime from an expression). */
function asOfOf(context: IExecuteFunctions, itemIndex: number, value: unknown): Date {
	if (value === undefined || value === null || value === '') return new Date();
	const text =
		typeof value === 'object' && 'toISO' in value && typeof value.toISO === 'function'
			? String(value.toISO())
			: String(value);
	const at = new Date(text);
	if (Number.isNaN(at.getTime())) {
		throw new NodeOperationError(
			context.getNode(),
			`Evaluate As Of "${text}" is not a date and time`,
			{
				itemIndex,
			},
		);
	}
	return at;
}

export function planOf(context: IExecuteFunctions, itemIndex: number): PlannedItem {
	const options = optionsOf(context, itemIndex);
	const rows = (context.getNodeParameter('plan.stages', itemIndex, []) as IDataObject[]) ?? [];
	const stages: PlanStage[] = rows.map((row) => ({
		name: String(row.name ?? '').trim(),
		offsetDays: Number(row.offsetDays ?? 0),
		timeOfDay: String(row.timeOfDay ?? ''),
	}));
	checkPlan(stages);
	const messages = new Map(
		rows.map((row) => [
			String(row.name ?? '').trim(),
			{ subject: String(row.subject ?? ''), body: String(row.body ?? '') },
		]),
	);
	const latenessHours = Number(options.maxLatenessHours ?? DEFAULT_MAX_LATENESS_MS / 3_600_000);
	const plan = planRecipient(
		{
			email: String(context.getNodeParameter('email', itemIndex, '') ?? ''),
			migrationDate: context.getNodeParameter('migrationDate', itemIndex, ''),
			timeZone: String(context.getNodeParameter('timeZone', itemIndex, '') ?? ''),
		},
		stages,
		asOfOf(context, itemIndex, options.asOf),
		Math.max(0, Number.isFinite(latenessHours) ? latenessHours : 24) * 3_600_000,
	);
	return {
		migrationId: migrationNameOf(context.getNodeParameter('migrationId', itemIndex, '')),
		name: String(context.getNodeParameter('name', itemIndex, '') ?? '').trim(),
		plan,
		messages,
		claimTtlMs: claimTtlOf(options),
		ledgerPath: options.path,
	};
}
