/**
 * The ledgers of one execution. Each mailbox job may name its own ledger (the node's Ledger File is a per-item
 * field); jobs naming the same file share one open store, so their mailbox leases see each other. Everything is
 * opened before the first job starts and closed after the last one ends.
 */
import { openLedger, resolveLedgerPath, type LedgerOptions, type LedgerStore } from '../../ledger';
import { MailboxSetupError } from '../mailbox/setupError';

/** One open store per file: `~/a.sqlite` and `/home/me/a.sqlite` are the same ledger. */
function ledgerKey(options: LedgerOptions): string {
	return options.kind === 'sqlite'
		? `sqlite:${resolveLedgerPath(options.path)}`
		: JSON.stringify(options);
}

export class ExecutionLedgers {
	private constructor(
		private readonly defaultOptions: LedgerOptions,
		/** A store, or why it could not be opened (then the jobs naming it fail, the others go on). */
		private readonly opened: Map<string, LedgerStore | MailboxSetupError>,
	) {}

	/**
	 * Opens the execution's ledger, then every other one a job names. Rejects when the execution's own ledger
	 * cannot be opened: no job could run then.
	 */
	static async open(
		defaultOptions: LedgerOptions,
		jobs: ReadonlyArray<{ ledger?: LedgerOptions }>,
	): Promise<ExecutionLedgers> {
		const opened = new Map<string, LedgerStore | MailboxSetupError>([
			[ledgerKey(defaultOptions), await openLedger(defaultOptions)],
		]);
		for (const { ledger } of jobs) {
			if (!ledger || opened.has(ledgerKey(ledger))) continue;
			opened.set(
				ledgerKey(ledger),
				await openLedger(ledger).catch(
					(error: unknown) =>
						new MailboxSetupError(
							error instanceof Error ? error.message : String(error),
							'ledger',
							{
								cause: error,
							},
						),
				),
			);
		}
		return new ExecutionLedgers(defaultOptions, opened);
	}

	/** The store of a job; throws the open failure of its ledger. */
	of(job: { ledger?: LedgerOptions }): LedgerStore {
		const store = this.opened.get(ledgerKey(job.ledger ?? this.defaultOptions));
		if (!store) throw new Error('Ledger: this job names a ledger the execution did not open');
		if (store instanceof MailboxSetupError) throw store;
		return store;
	}

	async close(): Promise<void> {
		for (const store of this.opened.values()) {
			if (!(store instanceof MailboxSetupError)) await store.close();
		}
	}
}
