/**
 * Provision Target's one entry: the directory picks the provider, which takes all items at once (a batch: licences
 * counted across it, mailboxes awaited together); every item gets one output paired to it, and failures go through
 * one place (provisioningOutput) that honours Continue On Fail. The ledgers the items name are closed at the end.
 */
import { NodeOperationError, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';

import { itemError } from '../../common/itemErrors';
import { NodeLedgers } from '../../common/ledgerParameters';
import { ProvisioningItemError } from '../../lib/provisioning/types';
import * as ldap from './ldap.operation';
import * as microsoft365 from './microsoft365.operation';
import { failureOf, outputOf, type ProvisioningResult } from './provisioningOutput';

type ProviderExecute = (
	this: IExecuteFunctions,
	itemIndexes: number[],
	ledgers: NodeLedgers,
) => Promise<ProvisioningResult[]>;

const providers: Record<string, { execute: ProviderExecute; accountParameter: string }> = {
	microsoft365: { execute: microsoft365.execute, accountParameter: 'userPrincipalName' },
	ldap: { execute: ldap.execute, accountParameter: 'login' },
};

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const itemIndexes = this.getInputData().map((_, itemIndex) => itemIndex);
	if (itemIndexes.length === 0) return [[]];
	// Not an expression (noDataExpression), so the same for every item.
	const name = this.getNodeParameter('directory', 0) as string;
	const provider = providers[name];
	if (!provider) {
		throw new NodeOperationError(this.getNode(), `The directory "${name}" is not known`, {
			itemIndex: 0,
		});
	}
	const accountOf = (itemIndex: number): string => {
		try {
			return String(this.getNodeParameter(provider.accountParameter, itemIndex, '') ?? '').trim();
		} catch {
			return '';
		}
	};
	const ledgers = new NodeLedgers();
	let results: ProvisioningResult[];
	try {
		results = await provider.execute.call(this, itemIndexes, ledgers);
	} catch (error) {
		if (error instanceof ProvisioningItemError) {
			const itemIndex = itemIndexes[error.position];
			throw itemError(
				this.getNode(),
				error.cause,
				itemIndex,
				`Account ${accountOf(itemIndex) || `of item ${itemIndex}`}`,
			);
		}
		// A failure of the batch as a whole (its credential, its directory): every item fails with it, each in its
		// place with Continue On Fail, else the first item names it.
		results = itemIndexes.map(() => error as Error);
	} finally {
		await ledgers.close();
	}
	return [
		itemIndexes.map((itemIndex, position) => {
			const result = results[position];
			return result instanceof Error
				? failureOf(this, result, itemIndex, accountOf(itemIndex))
				: outputOf(result, itemIndex);
		}),
	];
}
