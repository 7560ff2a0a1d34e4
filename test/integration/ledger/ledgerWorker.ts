/**
 * A second process using the ledger, driven by the multi-process tests. It reads one JSON command from argv and
 * reports progress as JSON lines on stdout.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

import { openLedger, type LedgerStore } from '../../../nodes/lib/ledger';
import { intent, outcome } from '../../unit/ledger/ledgerFixtures';

export type WorkerCommand =
	| {
			op: 'lockCounter';
			path: string;
			owner: string;
			rounds: number;
			counterFile: string;
			mark: string;
			/** Start only once this file exists, so both workers contend from the first round. */
			goFile: string;
	  }
	| { op: 'write'; path: string; firstUid: number; batches: number; batchSize: number }
	| { op: 'recordThenHang'; path: string; items: number }
	| { op: 'lockThenHang'; path: string; owner: string; ttlMs: number };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function report(event: Record<string, unknown>): void {
	process.stdout.write(`${JSON.stringify(event)}\n`);
}

/**
 * Read-modify-write of a plain file with a pause in between, appending the owner's mark: loses marks unless the
 * lock excludes. The pause after releasing lets the other worker in, as real work between passes would.
 */
async function lockCounter(
	ledger: LedgerStore,
	command: Extract<WorkerCommand, { op: 'lockCounter' }>,
) {
	const { migrationId, sourceAccount } = intent(1);
	report({ event: 'ready' });
	while (!existsSync(command.goFile)) await sleep(1);
	let waits = 0;
	for (let round = 0; round < command.rounds; round++) {
		for (;;) {
			const attempt = await ledger.acquireMailboxLock(
				migrationId,
				sourceAccount,
				command.owner,
				10_000,
			);
			if (attempt.acquired) {
				const marks = readFileSync(command.counterFile, 'utf8');
				await sleep(2);
				writeFileSync(command.counterFile, marks + command.mark);
				if (!(await ledger.releaseMailboxLock(attempt.lease))) throw new Error('lease lost');
				await sleep(1);
				break;
			}
			waits++;
			await sleep(1);
		}
	}
	report({ event: 'done', waits });
}

async function write(ledger: LedgerStore, command: Extract<WorkerCommand, { op: 'write' }>) {
	for (let batch = 0; batch < command.batches; batch++) {
		const uids = Array.from(
			{ length: command.batchSize },
			(_, index) => command.firstUid + batch * command.batchSize + index,
		);
		await ledger.recordIntents(uids.map((uid) => intent(uid)));
		await ledger.recordOutcomes(uids.map((uid) => outcome(uid, 'copied')));
	}
	report({ event: 'done' });
}

async function main(): Promise<void> {
	const command = JSON.parse(process.argv[2]) as WorkerCommand;
	const ledger = await openLedger({ kind: 'sqlite', path: command.path, busyTimeoutMs: 20_000 });
	switch (command.op) {
		case 'lockCounter':
			await lockCounter(ledger, command);
			break;
		case 'write':
			await write(ledger, command);
			break;
		case 'recordThenHang': {
			const uids = Array.from({ length: command.items }, (_, index) => index + 1);
			await ledger.recordIntents(uids.map((uid) => intent(uid)));
			await ledger.recordOutcomes(
				uids.filter((uid) => uid % 2 === 0).map((uid) => outcome(uid, 'copied')),
			);
			report({ event: 'recorded' });
			setInterval(() => undefined, 60_000);
			return;
		}
		case 'lockThenHang': {
			const { migrationId, sourceAccount } = intent(1);
			const attempt = await ledger.acquireMailboxLock(
				migrationId,
				sourceAccount,
				command.owner,
				command.ttlMs,
			);
			report({ event: 'locked', acquired: attempt.acquired });
			setInterval(() => undefined, 60_000);
			return;
		}
	}
	await ledger.close();
}

main().catch((error: unknown) => {
	process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
	process.exit(1);
});
