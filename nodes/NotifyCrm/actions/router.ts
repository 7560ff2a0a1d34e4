import { NodeOperationError, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';

import { itemError } from '../../common/itemErrors';
import * as markSent from './markSent.operation';
import { startRun, type NotifyRun } from './notifyRun';
import * as planOnly from './planOnly.operation';
import * as send from './send.operation';

type Operation = (
	this: IExecuteFunctions,
	itemIndex: number,
	run: NotifyRun,
) => Promise<INodeExecutionData[]>;

const operations: Record<string, Operation> = {
	send: send.execute,
	planOnly: planOnly.execute,
	markSent: markSent.execute,
};

function emailOf(context: IExecuteFunctions, itemIndex: number): string {
	try {
		return String(context.getNodeParameter('email', itemIndex, '') ?? '').trim();
	} catch {
		return '';
	}
}

/**
 * One input item per user, one output item per user and stage (Plan Only: per due stage), each paired to its user.
 * A user's bad input (address, date, zone, plan) is that item's error: thrown, or with Continue On Fail output in its
 * place while the other users go on.
 */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	if (items.length === 0) return [[]];
	const name = this.getNodeParameter('operation', 0) as string;
	const operation = operations[name];
	if (!operation) {
		throw new NodeOperationError(this.getNode(), `The operation "${name}" is not known`, {
			itemIndex: 0,
		});
	}
	const run = startRun(this);
	const output: INodeExecutionData[] = [];
	try {
		for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
			try {
				output.push(...(await operation.call(this, itemIndex, run)));
			} catch (error) {
				const email = emailOf(this, itemIndex);
				const nodeError = itemError(
					this.getNode(),
					error,
					itemIndex,
					`User ${email || `item ${itemIndex}`}`,
				);
				if (!this.continueOnFail()) throw nodeError;
				output.push({ json: { email, error: nodeError.message }, pairedItem: { item: itemIndex } });
			}
		}
	} finally {
		await run.ledgers.close();
	}
	return [output];
}
