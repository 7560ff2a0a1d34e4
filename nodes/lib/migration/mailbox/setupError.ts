/** Raised before any folder was worked on: the mailbox could not be reached, locked or listed. */
export class MailboxSetupError extends Error {
	constructor(
		message: string,
		readonly side: 'source' | 'target' | 'ledger',
		options?: { cause?: unknown },
	) {
		super(message, options);
		this.name = 'MailboxSetupError';
	}
}
