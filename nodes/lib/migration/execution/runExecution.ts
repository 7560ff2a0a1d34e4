/**
 * One execution of the Migrate/Verify operation: every mailbox of the input, several at once, sharing one ledger, one
 * host limiter and one set of stop conditions. Plain data in, events out, so it runs the same in-process or in a
 * worker thread (see executionWorker.ts): no n8n types, no callbacks or objects in its input. Stores, ledger, limiter
 * and guard are described by kind and built here, each by its own factory.
 */
import {
	ExecutionControls,
	type ControlBackends,
	type ControlSettings,
} from '../../limits/executionControls';
import type { LedgerOptions } from '../../ledger';
import { locked, newMailboxReport } from '../mailbox/mailboxReport';
import { jobOwnerId, MailboxSetupError } from '../migrateMailbox';
import {
	sourceSideOf,
	targetSideOf,
	type SourceSide,
	type SourceStoreOptions,
	type TargetSide,
	type TargetStoreOptions,
} from '../stores/storeSides';
import type { MailboxReport, MigrationProgress } from '../types';
import { ExecutionLedgers } from './executionLedgers';
import { runMailboxMigration, type MailboxMigrationRequest } from './runMailboxMigration';

/** One mailbox of the execution: the plain-data part of its request, with its stores described by kind. */
export interface MailboxJob extends Pick<
	MailboxMigrationRequest,
	'migrationId' | 'mode' | 'folderRules' | 'tuning' | 'oversize' | 'maxFailedItemsReported'
> {
	/** Where the result goes in the caller's list. */
	position: number;
	source: SourceStoreOptions;
	target: TargetStoreOptions;
	/** This mailbox's own ledger, when it is not the execution's (jobs naming the same file share it). */
	ledger?: LedgerOptions;
}

/** Where the limits and stop conditions are kept (`limiter`, `guard`) comes with the rest of the input. */
export interface ExecutionInput extends ControlBackends {
	jobs: MailboxJob[];
	mailboxesInParallel: number;
	/** Throttle profiles and stop conditions of the whole execution. */
	controls: ControlSettings;
	/** The ledger of the jobs that name none of their own. */
	ledger: LedgerOptions;
	/** Owner id of this execution; each job holds its mailbox's lease as this id and its row. */
	owner: string;
}

/** A mailbox that ended without a report; `side` is set when nothing could start (login, lock, listing). */
export interface JobFailure {
	message: string;
	side: 'source' | 'target' | 'ledger' | null;
}

export type ExecutionEvent =
	| {
			type: 'log';
			level: 'debug' | 'info' | 'warn';
			message: string;
			meta?: Record<string, unknown>;
	  }
	| { type: 'progress'; progress: MigrationProgress }
	| { type: 'profile'; profile: string; host: string }
	| { type: 'report'; position: number; report: MailboxReport }
	| { type: 'failure'; position: number; failure: JobFailure };

function failureOf(error: unknown): JobFailure {
	return {
		message: error instanceof Error ? error.message : String(error),
		side: error instanceof MailboxSetupError ? error.side : null,
	};
}

/**
 * The `locked` report of a row repeating an earlier row's source and target (a common slip in a CSV list), else null
 * after noting the row as the pair's first. Rows are taken in order, so the first row of a pair is the one that runs.
 */
function duplicateRow(
	firstRows: Map<string, number>,
	job: MailboxJob,
	source: SourceSide,
	target: TargetSide,
): MailboxReport | null {
	const pair = JSON.stringify([job.migrationId, source.account, target.account]);
	const first = firstRows.get(pair);
	if (first === undefined) {
		firstRows.set(pair, job.position);
		return null;
	}
	const report = newMailboxReport({
		mailbox: source.mailbox,
		targetMailbox: target.mailbox,
		migrationId: job.migrationId,
		mode: job.mode,
	});
	return locked(
		report,
		`locked: duplicate of row ${first + 1} (same source and target mailbox); not run, row ${first + 1} migrates it`,
	);
}

/**
 * Runs every job, `mailboxesInParallel` at a time; each ends in exactly one 'report' or 'failure' event (a job whose
 * own ledger cannot be opened fails alone). Rejects only when the execution cannot start at all (its ledger, limiter
 * or guard cannot be opened, the controls are invalid).
 */
export async function runExecution(
	input: ExecutionInput,
	emit: (event: ExecutionEvent) => void,
	signal?: AbortSignal,
): Promise<void> {
	const controls = await ExecutionControls.open(
		input.controls,
		{ limiter: input.limiter, guard: input.guard },
		{
			onProfileChange: (profile, host) => emit({ type: 'profile', profile: profile.name, host }),
			onError: (error, host) =>
				emit({
					type: 'log',
					level: 'warn',
					message: `Could not apply the throttle profile of ${host}: ${String(error)}`,
				}),
		},
	);
	const log =
		(level: 'debug' | 'info' | 'warn') => (message: string, meta?: Record<string, unknown>) =>
			emit({ type: 'log', level, message, meta });
	try {
		const ledgers = await ExecutionLedgers.open(input.ledger, input.jobs);
		try {
			const queue = [...input.jobs];
			const firstRows = new Map<string, number>();
			const worker = async () => {
				for (let job = queue.shift(); job; job = queue.shift()) {
					try {
						const { position, source, target, ledger, ...settings } = job;
						const jobLedger = ledgers.of({ ledger });
						const sourceSide = sourceSideOf(source);
						const targetSide = targetSideOf(target);
						const duplicate = duplicateRow(firstRows, job, sourceSide, targetSide);
						if (duplicate) {
							emit({ type: 'report', position, report: duplicate });
							continue;
						}
						const report = await runMailboxMigration({
							...settings,
							source: sourceSide,
							target: targetSide,
							controls: await controls.forMailbox(sourceSide.host, targetSide.host),
							ledger: jobLedger,
							owner: jobOwnerId(input.owner, position),
							logger: { debug: log('debug'), info: log('info'), warn: log('warn') },
							onProgress: (progress) => emit({ type: 'progress', progress }),
							signal,
						});
						emit({ type: 'report', position, report });
					} catch (error) {
						emit({ type: 'failure', position: job.position, failure: failureOf(error) });
					}
				}
			};
			const parallel = Math.max(1, Math.min(input.mailboxesInParallel, input.jobs.length));
			await Promise.all(Array.from({ length: parallel }, worker));
		} finally {
			await ledgers.close();
		}
	} finally {
		await controls.dispose();
	}
}
