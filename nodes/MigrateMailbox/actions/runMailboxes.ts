/**
 * Migrate and Verify: each input item is one mailbox, and they all run in one execution, several at once in a worker
 * thread, sharing host limits and stop conditions. A failure of one mailbox is its outcome and never stops the others.
 */
import { NodeOperationError, type IDataObject, type IExecuteFunctions } from 'n8n-workflow';

import { formatBytes } from '../../lib/format';
import type { LedgerOptions } from '../../lib/ledger';
import { ledgerOptionsOf } from '../../common/ledgerParameters';
import { checkControlSettings, PROCESS_CONTROL_BACKENDS } from '../../lib/limits/executionControls';
import { ScheduleError } from '../../lib/limits/schedule';
import { runExecutionIsolated } from '../../lib/migration/execution/isolatedExecution';
import type { ExecutionEvent, MailboxJob } from '../../lib/migration/execution/runExecution';
import { MailboxSetupError, newOwnerId } from '../../lib/migration/migrateMailbox';
import type { MailboxReport, MigrationProgress } from '../../lib/migration/types';
import { readItemSettings, type ItemSettings, type OperationChoices } from './executionParameters';
import { asError, type ItemOutcome } from './itemOutcome';
import { mailboxPairFor, targetTypeOf, type TargetType } from './mailboxPair';

/** How far the mailboxes got: to the n8n log and, on manual runs, the editor. */
type ProgressReporter = (message: string) => void;

/** Runs every item's mailbox; outcomes keep the input order. `choicesOf` gives what the operation decides per item. */
export async function runMailboxes(
	this: IExecuteFunctions,
	itemIndexes: number[],
	choicesOf: (itemIndex: number, targetType: TargetType) => OperationChoices,
): Promise<ItemOutcome[]> {
	const outcomes: ItemOutcome[] = new Array(itemIndexes.length);
	const settings = itemIndexes.map((itemIndex, position) => {
		try {
			const targetType = targetTypeOf(this, itemIndex);
			return readItemSettings.call(this, itemIndex, choicesOf(itemIndex, targetType), targetType);
		} catch (error) {
			outcomes[position] = settingsError(this, error, itemIndex);
			return null;
		}
	});
	const first = settings.find((setting) => setting !== null);
	if (!first) return outcomes;
	// Limits, windows and budgets are the execution's: they come from the first item's settings.
	try {
		checkControlSettings(first.controls);
	} catch (error) {
		// Shared by every mailbox, so every item fails with it (each goes to the error output under Continue On Fail).
		return itemIndexes.map((itemIndex) => settingsError(this, error, itemIndex));
	}
	const jobs: MailboxJob[] = [];
	for (const [position, setting] of settings.entries()) {
		if (!setting) continue;
		try {
			const { source, target } = await mailboxPairFor.call(this, itemIndexes[position]);
			jobs.push({
				...setting.job,
				position,
				source: { kind: 'imap', endpoint: source },
				target,
				ledger: ledgerOf(setting),
			});
		} catch (error) {
			outcomes[position] = asError(error);
		}
	}
	if (jobs.length === 0) return outcomes;
	await runExecutionIsolated(
		{
			jobs,
			mailboxesInParallel: Math.max(
				1,
				Math.min(...settings.map((setting) => setting?.mailboxesInParallel ?? Infinity)),
			),
			controls: first.controls,
			ledger: ledgerOf(first),
			...PROCESS_CONTROL_BACKENDS,
			owner: newOwnerId(`n8n-execution-${this.getExecutionId()}`),
		},
		eventHandler(this, outcomes, reporterFor(this)),
		this.getExecutionCancelSignal?.(),
	).catch((error: unknown) => {
		// The execution as a whole broke (the ledger could not be opened, the worker ran out of memory): every
		// mailbox without a result gets that error; those that finished keep theirs.
		for (const job of jobs) outcomes[job.position] ??= asError(error);
	});
	for (const job of jobs) {
		outcomes[job.position] ??= new Error('the migration ended without a result for this mailbox');
	}
	return outcomes;
}

/** Each item's own Ledger File (items naming the same file share it); the default file when it is empty. */
function ledgerOf(setting: ItemSettings): LedgerOptions {
	return ledgerOptionsOf(setting.ledgerPath);
}

function reporterFor(context: IExecuteFunctions): ProgressReporter {
	const manual = context.getMode() === 'manual';
	return (message) => {
		context.logger.info(message);
		if (manual) context.sendMessageToUI(message);
	};
}

/** Worker events: logs and progress to n8n, each mailbox's report or failure into its slot of `outcomes`. */
function eventHandler(
	context: IExecuteFunctions,
	outcomes: ItemOutcome[],
	report: ProgressReporter,
): (event: ExecutionEvent) => void {
	const progress = throttledProgress(report);
	return (event) => {
		switch (event.type) {
			case 'log':
				context.logger[event.level](event.message, event.meta);
				break;
			case 'progress':
				progress(event.progress);
				break;
			case 'profile':
				report(`Throttle profile "${event.profile}" now applies to ${event.host}`);
				break;
			case 'report':
				report(summaryLine(event.report));
				outcomes[event.position] = event.report as unknown as IDataObject;
				break;
			case 'failure':
				outcomes[event.position] =
					event.failure.side === null
						? new Error(event.failure.message)
						: new MailboxSetupError(event.failure.message, event.failure.side);
				break;
		}
	};
}

function settingsError(
	context: IExecuteFunctions,
	error: unknown,
	itemIndex: number,
): NodeOperationError {
	if (error instanceof NodeOperationError) return error;
	const message = error instanceof Error ? error.message : String(error);
	return new NodeOperationError(context.getNode(), message, {
		itemIndex,
		description:
			error instanceof ScheduleError
				? 'Check the Schedule and Stop Conditions and the Throttle Profiles.'
				: undefined,
	});
}

function summaryLine(mailboxReport: MailboxReport): string {
	const { mailbox, status, counts, bytes, reason, resumesAt, target } = mailboxReport;
	let line = `${mailbox}: ${status}, ${counts.copied} copied (${formatBytes(bytes)}), ${counts.failed} failed`;
	if (target?.changed) {
		line += `; new target ${target.account} (before: ${target.earlierTargets.join(', ')}), reconciled and filled`;
	}
	if (status === 'locked') return `${line}; ${reason ?? 'locked'}`;
	if (status !== 'paused') return line;
	return `${line}; paused: ${reason ?? 'stopped'}${resumesAt ? `, may go on from ${resumesAt}` : ''}`;
}

/** At most one progress line per mailbox every few seconds: enough to watch, not enough to flood the log. */
function throttledProgress(report: ProgressReporter): (progress: MigrationProgress) => void {
	const last = new Map<string, number>();
	return (progress) => {
		const now = Date.now();
		if (now - (last.get(progress.mailbox) ?? 0) < 5000) return;
		last.set(progress.mailbox, now);
		report(
			`${progress.mailbox}: ${progress.folder} ${progress.copied}/${progress.sourceItems} copied, ${(progress.bytes / 1e6).toFixed(1)} MB so far`,
		);
	};
}
