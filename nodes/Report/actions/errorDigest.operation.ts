import { NodeOperationError, type IExecuteFunctions } from 'n8n-workflow';

import type { LedgerStore } from '../../lib/ledger';
import {
	buildErrorDigest,
	DEFAULT_DIGEST_NAME,
	type Report,
	type ReportRequest,
} from '../../lib/reports';

function sinceTimeOf(context: IExecuteFunctions): string {
	const value = context.getNodeParameter('sinceTime', 0, '') as string;
	const time = Date.parse(String(value));
	if (!value || Number.isNaN(time)) {
		throw new NodeOperationError(context.getNode(), `Since Time "${String(value)}" is not a time`, {
			itemIndex: 0,
			description: 'Give a date and time, e.g. 2025-03-05T22:00:00Z, or choose Since: Last Digest.',
		});
	}
	return new Date(time).toISOString();
}

/** Error Digest: what failed since a time, or since the last digest of its name (which this one then becomes). */
export async function execute(
	this: IExecuteFunctions,
	ledger: LedgerStore,
	request: ReportRequest,
): Promise<Report> {
	const since = this.getNodeParameter('since', 0, 'lastDigest') as string;
	return await buildErrorDigest(ledger, {
		...request,
		since: since === 'time' ? sinceTimeOf(this) : 'lastDigest',
		digestName:
			String(this.getNodeParameter('digestName', 0, DEFAULT_DIGEST_NAME) ?? '').trim() ||
			DEFAULT_DIGEST_NAME,
		limit: Math.max(1, Math.trunc(Number(this.getNodeParameter('itemsListed', 0, 1000)))),
		mark: this.getNodeParameter('markMode', 0, 'advance') === 'pending' ? 'pending' : 'advance',
	});
}
