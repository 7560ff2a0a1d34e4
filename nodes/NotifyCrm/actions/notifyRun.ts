/** What the items of one execution share: the ledgers they opened, the run's claim owner and its cancel signal. */
import type { IExecuteFunctions } from 'n8n-workflow';

import { NodeLedgers } from '../../common/ledgerParameters';
import { newOwnerId } from '../../lib/migration/owner';

export interface NotifyRun {
	ledgers: NodeLedgers;
	/** The owner of every claim this execution takes; names the host and process, so a dead one is recognised. */
	owner: string;
	signal?: AbortSignal;
}

export function startRun(context: IExecuteFunctions): NotifyRun {
	const execution = (() => {
		try {
			return context.getExecutionId();
		} catch {
			return undefined;
		}
	})();
	return {
		ledgers: new NodeLedgers(),
		owner: newOwnerId(`notify-crm${execution ? ` ${execution}` : ''}`),
		signal: context.getExecutionCancelSignal?.(),
	};
}
