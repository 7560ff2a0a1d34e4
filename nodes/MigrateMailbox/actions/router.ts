import { NodeOperationError, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';

import { itemError } from '../../common/itemErrors';
import { executeMigrations } from './migrate.operation';
import * as preflight from './preflight.operation';

type Operation = (this: IExecuteFunctions, itemIndex: number) => Promise<INodeExecutionData[]>;

const operations: Record<string, Operation> = {
	preflight: preflight.execute,
};

function mailboxOf(context: IExecuteFunctions, itemIndex: number): string {
	try {
		return String(context.getNodeParameter('sourceMailbox', itemIndex, '') ?? '');
	} catch {
		return '';
	}
}

/** Any failure of one mailbox as an error naming the mailbox and the cause. */
function toNodeError(
	context: IExecuteFunctions,
	error: unknown,
	itemIndex: number,
): NodeOperationError {
	const mailbox = mailboxOf(context, itemIndex) || `item ${itemIndex}`;
	return itemError(context.getNode(), error, itemIndex, `Mailbox ${mailbox}`);
}

/** One item per mailbox: each runs on its own, so one failing mailbox never stops the others with Continue On Fail. */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	if (items.length === 0) return [[]];
	const batchOperation = this.getNodeParameter('operation', 0) as string;
	if (batchOperation === 'migrate' || batchOperation === 'verify')
		return [await migrations.call(this, items.length)];
	const results: INodeExecutionData[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		const operation = this.getNodeParameter('operation', itemIndex) as string;
		const run = operations[operation];
		try {
			if (!run) {
				throw new NodeOperationError(this.getNode(), `The operation "${operation}" is not known`, {
					itemIndex,
				});
			}
			results.push(...(await run.call(this, itemIndex)));
		} catch (error) {
			const nodeError = toNodeError(this, error, itemIndex);
			if (this.continueOnFail()) {
				results.push({
					json: { mailbox: mailboxOf(this, itemIndex), error: nodeError.message },
					pairedItem: { item: itemIndex },
				});
				continue;
			}
			throw nodeError;
		}
	}
	return [results];
}

/** Migrate and Verify run several mailboxes at once, so their errors are collected per item and handled here. */
async function migrations(this: IExecuteFunctions, count: number): Promise<INodeExecutionData[]> {
	const indexes = Array.from({ length: count }, (_, itemIndex) => itemIndex);
	const manual = this.getMode() === 'manual';
	const outcomes = await executeMigrations.call(this, indexes, (message) => {
		this.logger.info(message);
		if (manual) this.sendMessageToUI(message);
	});
	return outcomes.map((outcome, itemIndex) => {
		if (!(outcome instanceof Error)) return { json: outcome, pairedItem: { item: itemIndex } };
		const nodeError = toNodeError(this, outcome, itemIndex);
		if (!this.continueOnFail()) throw nodeError;
		return {
			json: { mailbox: mailboxOf(this, itemIndex), status: 'failed', error: nodeError.message },
			pairedItem: { item: itemIndex },
		};
	});
}
