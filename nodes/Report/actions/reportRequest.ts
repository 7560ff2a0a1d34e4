/** The parameters every report shares: the migration, its ledger, and which users (from the input items). */
import { NodeOperationError, type IDataObject, type IExecuteFunctions } from 'n8n-workflow';

import { ledgerOptionsOf, migrationNameOf } from '../../common/ledgerParameters';
import type { LedgerOptions } from '../../lib/ledger';
import type { ReportRequest } from '../../lib/reports';

export interface ReportScope {
	request: ReportRequest;
	ledger: LedgerOptions;
	/** Lower-case user → the first input item naming it, for pairing output rows. */
	itemOfUser: Map<string, number>;
}

/**
 * Migration Name and Ledger File are the first item's (a report is one for the whole input); the users are every
 * item's. An item naming no user is an error of that item; under Continue On Fail it is left out of the report.
 */
export function reportScopeOf(context: IExecuteFunctions, itemCount: number): ReportScope {
	const migrationId = migrationNameOf(context.getNodeParameter('migrationId', 0, ''));
	const options = context.getNodeParameter('reportOptions', 0, {}) as IDataObject;
	const itemOfUser = new Map<string, number>();
	let users: string[] | null = null;
	if (context.getNodeParameter('scope', 0, 'migration') === 'inputUsers') {
		users = [];
		for (let itemIndex = 0; itemIndex < itemCount; itemIndex++) {
			const user = String(context.getNodeParameter('user', itemIndex, '') ?? '').trim();
			if (!user) {
				if (context.continueOnFail()) continue;
				throw new NodeOperationError(context.getNode(), `Item ${itemIndex} names no user`, {
					itemIndex,
					description:
						'The User field is empty for this item: point it at the field holding the source mailbox, e.g. {{ $json.sourceMailbox }}.',
				});
			}
			if (!itemOfUser.has(user.toLowerCase())) {
				itemOfUser.set(user.toLowerCase(), itemIndex);
				users.push(user);
			}
		}
	}
	return {
		request: { migrationId, users },
		ledger: ledgerOptionsOf(options.path),
		itemOfUser,
	};
}
