import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
} from 'n8n-workflow';

import { itemError } from '../../common/itemErrors';
import { MailboxUnreachableError } from '../../lib/preflight/preflightChecks';
import type { ItemOutcome, OperationExecute } from './itemOutcome';
import * as migrate from './migrate.operation';
import * as preflight from './preflight.operation';
import * as verify from './verify.operation';

interface Operation {
	execute: OperationExecute;
	/**
	 * Migrate and Verify take all items at once: their mailboxes run in parallel. Pre-flight gets them one at a time,
	 * so that without Continue On Fail the first failure ends the run before the next mailbox is contacted.
	 */
	allItemsAtOnce: boolean;
	/** Their outputs are mailbox reports with a status, and a failed item keeps one. */
	failedStatus: boolean;
}

const operations: Record<string, Operation> = {
	preflight: { execute: preflight.execute, allItemsAtOnce: false, failedStatus: false },
	migrate: { execute: migrate.execute, allItemsAtOnce: true, failedStatus: true },
	verify: { execute: verify.execute, allItemsAtOnce: true, failedStatus: true },
};

function mailboxOf(context: IExecuteFunctions, itemIndex: number): string {
	try {
		return String(context.getNodeParameter('sourceMailbox', itemIndex, '') ?? '');
	} catch {
		return '';
	}
}

/**
 * The one error path of every operation: a failed item becomes an error naming its mailbox and the cause, which is
 * thrown, or with Continue On Fail output in the item's place.
 */
function outputOf(
	context: IExecuteFunctions,
	operation: Operation,
	itemIndex: number,
	outcome: ItemOutcome,
): INodeExecutionData {
	if (!(outcome instanceof Error)) return { json: outcome, pairedItem: { item: itemIndex } };
	const mailbox = mailboxOf(context, itemIndex);
	const nodeError = itemError(
		context.getNode(),
		outcome,
		itemIndex,
		`Mailbox ${mailbox || `item ${itemIndex}`}`,
	);
	if (!context.continueOnFail()) throw nodeError;
	return {
		json: {
			mailbox,
			...(operation.failedStatus ? { status: 'failed' } : {}),
			error: nodeError.message,
			// A pre-flight that got part of the way says which steps passed before the one that failed.
			...(outcome instanceof MailboxUnreachableError && outcome.checks.length > 0
				? { side: outcome.side, checks: outcome.checks as unknown as IDataObject[] }
				: {}),
		},
		pairedItem: { item: itemIndex },
	};
}

/**
 * One input item per mailbox and one output item for each, paired to it; with Continue On Fail, a failing mailbox
 * never stops the others.
 */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const itemIndexes = this.getInputData().map((_, itemIndex) => itemIndex);
	if (itemIndexes.length === 0) return [[]];
	// Not an expression (noDataExpression), so the same for every item.
	const name = this.getNodeParameter('operation', 0) as string;
	const operation = operations[name];
	if (!operation) {
		throw new NodeOperationError(this.getNode(), `The operation "${name}" is not known`, {
			itemIndex: 0,
		});
	}
	const output: INodeExecutionData[] = [];
	if (operation.allItemsAtOnce) {
		const outcomes = await operation.execute.call(this, itemIndexes);
		for (const [position, itemIndex] of itemIndexes.entries()) {
			output.push(outputOf(this, operation, itemIndex, outcomes[position]));
		}
	} else {
		for (const itemIndex of itemIndexes) {
			const [outcome] = await operation.execute.call(this, [itemIndex]);
			output.push(outputOf(this, operation, itemIndex, outcome));
		}
	}
	return [output];
}
