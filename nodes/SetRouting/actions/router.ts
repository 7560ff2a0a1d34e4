import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
} from 'n8n-workflow';

import { itemError } from '../../common/itemErrors';
import type { RoutingResult } from '../../lib/routing/setRouting';
import * as rollback from './rollback.operation';
import { WaveUserError } from './rollback.operation';
import { RoutingRun } from './routingRun';
import * as switchOperation from './switch.operation';
import * as verify from './verify.operation';

type Outcome = RoutingResult | WaveUserError;

const operations: Record<string, (run: RoutingRun, itemIndex: number) => Promise<Outcome[]>> = {
	switch: switchOperation.execute,
	verify: verify.execute,
	rollback: rollback.execute,
};

function userOf(context: IExecuteFunctions, itemIndex: number): string {
	try {
		return String(context.getNodeParameter('user', itemIndex, '') ?? '').trim();
	} catch {
		return '';
	}
}

function resultJson(migrationId: string, result: RoutingResult): IDataObject {
	return { ...result, migrationId } as unknown as IDataObject;
}

/**
 * The one error path: a failed user becomes an error naming the user and the cause, which is thrown, or with
 * Continue On Fail output in its place as `failed` (nothing was changed for it: an LDAP modify is all or nothing).
 */
function failedItem(
	context: IExecuteFunctions,
	itemIndex: number,
	user: string,
	error: unknown,
): INodeExecutionData {
	const nodeError = itemError(
		context.getNode(),
		error,
		itemIndex,
		`User ${user || `of item ${itemIndex}`}`,
	);
	if (!context.continueOnFail()) throw nodeError;
	return {
		json: {
			user,
			status: 'failed',
			error: nodeError.message,
			...(nodeError.description ? { advice: nodeError.description } : {}),
			changes: [],
		},
		pairedItem: { item: itemIndex },
	};
}

/**
 * One input item per user (or per wave for a wave Rollback), one output item per user, paired to its input item;
 * items run one after the other on one directory connection. With Continue On Fail a failing user never stops the
 * others; without it the first failure ends the run, as in n8n's own nodes.
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
	const run = new RoutingRun(this);
	const output: INodeExecutionData[] = [];
	try {
		for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
			let outcomes: Outcome[];
			try {
				outcomes = await operation(run, itemIndex);
			} catch (error) {
				output.push(failedItem(this, itemIndex, userOf(this, itemIndex), error));
				continue;
			}
			const migrationId = run.migrationIdOf(itemIndex);
			for (const outcome of outcomes) {
				output.push(
					outcome instanceof WaveUserError
						? failedItem(this, itemIndex, outcome.user, outcome.cause)
						: { json: resultJson(migrationId, outcome), pairedItem: { item: itemIndex } },
				);
			}
		}
	} finally {
		await run.close();
	}
	return [output];
}
