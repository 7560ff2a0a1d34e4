/**
 * Runs Notify CRM's Send through the node, in a process of its own, for the crash tests:
 *
 *   node .build/test/tools/notifyCrmSend.js CONFIG.json
 *
 * CONFIG holds `{ "rows": [...], "parameters": {...}, "credentials": {...} }` as notifyCrmFixtures' runNotify takes
 * them (a file, so no secret sits in argv). With NOTIFY_CRM_FAILPOINT=afterAnswer the process SIGKILLs itself right
 * after the first provider answer, before the ledger records the stage sent: the kill -9 the tests recover from.
 * Prints the node's output as one JSON line.
 */
import { readFileSync } from 'node:fs';

import { SqliteLedgerStore } from '../../nodes/lib/ledger/sqlite/sqliteLedgerStore';
import { runNotify, type NotifyRunOptions } from '../integration/node/notifyCrmFixtures';

async function main(): Promise<void> {
	const config = JSON.parse(readFileSync(process.argv[2], 'utf8')) as Omit<
		NotifyRunOptions,
		'operation'
	>;
	if (process.env.NOTIFY_CRM_FAILPOINT === 'afterAnswer') {
		// The store records a stage sent only after the provider's answer: dying here is dying between the two.
		SqliteLedgerStore.prototype.recordCommunicationSent = async () => {
			process.stdout.write('failpoint: after answer\n');
			process.kill(process.pid, 'SIGKILL');
			throw new Error('unreachable');
		};
	}
	const output = await runNotify({ ...config, operation: 'send' });
	process.stdout.write(`${JSON.stringify(output)}\n`);
}

main().catch((error: unknown) => {
	process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
	process.exit(1);
});
