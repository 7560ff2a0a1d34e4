import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
} from 'n8n-workflow';

import { NodeLedgers } from '../../common/ledgerParameters';
import type { LedgerStore } from '../../lib/ledger';
import type { Report, ReportRequest } from '../../lib/reports';
import * as advanceDigestMark from './advanceDigestMark.operation';
import * as errorDigest from './errorDigest.operation';
import * as notMigrated from './notMigrated.operation';
import { reportScopeOf } from './reportRequest';
import { rowItems, summaryItem } from './reportOutput';
import * as waveSummary from './waveSummary.operation';

type ReportOperation = (
	this: IExecuteFunctions,
	ledger: LedgerStore,
	request: ReportRequest,
) => Promise<Report>;

const operations: Record<string, ReportOperation> = {
	waveSummary: waveSummary.execute,
	notMigrated: notMigrated.execute,
	errorDigest: errorDigest.execute,
};

/**
 * One report for the whole input, read from the ledger: the input items only say which users it covers. Its one
 * error path: a failure is thrown naming the report, or under Continue On Fail output as one item.
 */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	if (items.length === 0) return [[]];
	const allItems = items.map((_, item) => ({ item }));
	const name = this.getNodeParameter('operation', 0) as string;
	if (name === 'advanceDigestMark') return await advanceDigestMark.execute.call(this);
	const operation = operations[name];
	if (!operation) {
		throw new NodeOperationError(this.getNode(), `The operation "${name}" is not known`, {
			itemIndex: 0,
		});
	}
	const ledgers = new NodeLedgers();
	try {
		const scope = reportScopeOf(this, items.length);
		const options = this.getNodeParameter('reportOptions', 0, {}) as IDataObject;
		const report = await operation.call(this, await ledgers.of(scope.ledger), {
			...scope.request,
		});
		if (options.output === 'rows') return [rowItems(report, scope.itemOfUser, allItems)];
		const files = (options.files as string[] | undefined) ?? ['html', 'csv', 'json'];
		return [[await summaryItem(this, report, files, options.htmlField !== false, allItems)]];
	} catch (error) {
		const nodeError =
			error instanceof NodeOperationError
				? error
				: new NodeOperationError(
						this.getNode(),
						`Report of migration "${String(this.getNodeParameter('migrationId', 0, ''))}": ${error instanceof Error ? error.message : String(error)}`,
						{ itemIndex: 0 },
					);
		if (!this.continueOnFail()) throw nodeError;
		return [[{ json: { error: nodeError.message }, pairedItem: allItems }]];
	} finally {
		await ledgers.close();
	}
}
