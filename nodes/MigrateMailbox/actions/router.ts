import { NodeOperationError, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';

import { MailboxUnreachableError } from '../../shared/preflight/preflight';
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

/** Turns any failure of one mailbox into an error that names the mailbox, the side and the cause. */
function toNodeError(
	context: IExecuteFunctions,
	error: unknown,
	itemIndex: number,
): NodeOperationError {
	if (error instanceof NodeOperationError) return error;
	const mailbox = mailboxOf(context, itemIndex) || `item ${itemIndex}`;
	const cause = error instanceof Error ? error.message : String(error);
	const description =
		error instanceof MailboxUnreachableError
			? `Failed at the ${error.failure.layer} layer on the ${error.side} side.`
			: undefined;
	return new NodeOperationError(context.getNode(), `Mailbox ${mailbox}: ${cause}`, {
		itemIndex,
		description,
	});
}

/** One item per mailbox: each runs on its own, so one failing mailbox never stops the others with Continue On Fail. */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
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
