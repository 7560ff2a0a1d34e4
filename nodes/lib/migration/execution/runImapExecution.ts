/**
 * One execution of the Migrate/Verify operation: every mailbox of the input, several at once, sharing one ledger, one
 * host limiter and one set of stop conditions. Plain data in, events out, so it runs the same in-process or in a
 * worker thread (see executionWorker.ts): no n8n types, no callbacks in its input.
 */
import { ExecutionControls, type ControlSettings } from '../../limits/executionControls';
import type { ImapEndpoint } from '../../imap/endpoint';
import { openLedger } from '../../ledger';
import { MailboxSetupError } from '../migrateMailbox';
import type {
	CopyTuning,
	MailboxReport,
	MigrationMode,
	MigrationProgress,
	OversizePolicy,
} from '../types';
import type { FolderRules } from '../stores/imap/folderRouting';
import { runImapMigration } from '../stores/imap/runImapMigration';

export interface MailboxJob {
	/** Where the result goes in the caller's list. */
	position: number;
	source: ImapEndpoint;
	target: ImapEndpoint;
	migrationId: string;
	mode: MigrationMode;
	folderRules: FolderRules;
	tuning: Partial<CopyTuning>;
	oversize: OversizePolicy;
	maxFailedItemsReported: number;
}

export interface ExecutionInput {
	jobs: MailboxJob[];
	mailboxesInParallel: number;
	/** Throttle profiles and stop conditions of the whole execution. */
	controls: ControlSettings;
	ledgerPath: string;
	/** Lock owner id of this execution. */
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

export function failureOf(error: unknown): JobFailure {
	return {
		message: error instanceof Error ? error.message : String(error),
		side: error instanceof MailboxSetupError ? error.side : null,
	};
}

/**
 * Runs every job, `mailboxesInParallel` at a time; each ends in exactly one 'report' or 'failure' event. Rejects only
 * when the execution cannot start at all (the ledger cannot be opened, the controls are invalid).
 */
export async function runImapExecution(
	input: ExecutionInput,
	emit: (event: ExecutionEvent) => void,
	signal?: AbortSignal,
): Promise<void> {
	const controls = new ExecutionControls(input.controls, {
		onProfileChange: (profile, host) => emit({ type: 'profile', profile: profile.name, host }),
		onError: (error, host) =>
			emit({
				type: 'log',
				level: 'warn',
				message: `Could not apply the throttle profile of ${host}: ${String(error)}`,
			}),
	});
	const log =
		(level: 'debug' | 'info' | 'warn') => (message: string, meta?: Record<string, unknown>) =>
			emit({ type: 'log', level, message, meta });
	try {
		const ledger = await openLedger({ kind: 'sqlite', path: input.ledgerPath });
		try {
			const queue = [...input.jobs];
			const worker = async () => {
				for (let job = queue.shift(); job; job = queue.shift()) {
					try {
						const report = await runImapMigration({
							source: job.source,
							target: job.target,
							migrationId: job.migrationId,
							mode: job.mode,
							folderRules: job.folderRules,
							tuning: job.tuning,
							controls: await controls.forMailbox(job.source.host, job.target.host),
							oversize: job.oversize,
							maxFailedItemsReported: job.maxFailedItemsReported,
							ledger,
							owner: input.owner,
							logger: { debug: log('debug'), info: log('info'), warn: log('warn') },
							onProgress: (progress) => emit({ type: 'progress', progress }),
							signal,
						});
						emit({ type: 'report', position: job.position, report });
					} catch (error) {
						emit({ type: 'failure', position: job.position, failure: failureOf(error) });
					}
				}
			};
			const parallel = Math.max(1, Math.min(input.mailboxesInParallel, input.jobs.length));
			await Promise.all(Array.from({ length: parallel }, worker));
		} finally {
			await ledger.close();
		}
	} finally {
		await controls.dispose();
	}
}
