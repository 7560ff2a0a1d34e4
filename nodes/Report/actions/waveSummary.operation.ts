import type { IExecuteFunctions } from 'n8n-workflow';

import type { LedgerStore } from '../../lib/ledger';
import { buildWaveSummary, type Report, type ReportRequest } from '../../lib/reports';

/** Wave Summary: one row per mailbox with its status, items, bytes, duration, verification and routing. */
export async function execute(
	this: IExecuteFunctions,
	ledger: LedgerStore,
	request: ReportRequest,
): Promise<Report> {
	return await buildWaveSummary(ledger, request);
}
