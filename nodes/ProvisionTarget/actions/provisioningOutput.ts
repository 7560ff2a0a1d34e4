/**
 * Provision Target's output items, the same for every provider: the account, its status and changes, when to look
 * again, the provider's details, and the generated password only where the run set one (the field `password`).
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { itemError } from '../../common/itemErrors';
import type { ProvisioningOutcome } from '../../lib/provisioning/types';

/** One item's result: an outcome, or why it failed. */
export type ProvisioningResult = ProvisioningOutcome | Error;

export function outputOf(outcome: ProvisioningOutcome, itemIndex: number): INodeExecutionData {
	return {
		json: {
			account: outcome.account,
			status: outcome.status,
			changes: outcome.changes as unknown as IDataObject[],
			...(outcome.resumesAt ? { resumesAt: outcome.resumesAt } : {}),
			...outcome.details,
			...(outcome.password ? { password: outcome.password } : {}),
		},
		pairedItem: { item: itemIndex },
	};
}

/** A failed item: thrown as n8n's error naming the account, or with Continue On Fail output in its place. */
export function failureOf(
	context: IExecuteFunctions,
	error: Error,
	itemIndex: number,
	account: string,
): INodeExecutionData {
	const nodeError = itemError(
		context.getNode(),
		error,
		itemIndex,
		`Account ${account || `of item ${itemIndex}`}`,
	);
	if (!context.continueOnFail()) throw nodeError;
	return {
		json: { account, status: 'failed', changes: [], error: nodeError.message },
		pairedItem: { item: itemIndex },
	};
}
