import type { IExecuteFunctions } from 'n8n-workflow';

import type { LedgerStore } from '../../lib/ledger';
import {
	buildNotMigrated,
	type NotMigratedSort,
	type Report,
	type ReportRequest,
} from '../../lib/reports';

/** Not Migrated: every item failed, skipped or in doubt, with its reason. */
export async function execute(
	this: IExecuteFunctions,
	ledger: LedgerStore,
	request: ReportRequest,
): Promise<Report> {
	return await buildNotMigrated(ledger, {
		...request,
		sortBy: this.getNodeParameter('sortBy', 0, 'mailbox') as NotMigratedSort,
		limit: Math.max(1, Math.trunc(Number(this.getNodeParameter('itemsListed', 0, 1000)))),
	});
}
