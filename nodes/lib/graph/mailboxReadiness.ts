/**
 * A Microsoft 365 mailbox that Graph cannot open yet. Exchange creates the mailbox of a newly licensed user some time
 * after the account: usually within minutes, at worst a day; until then mail requests answer 404
 * MailboxNotEnabledForRESTAPI (learn.microsoft.com/exchange/troubleshoot/user-and-shared-mailboxes/
 * rest-api-is-not-yet-supported-for-this-mailbox-error, KB 4462988; the same code for a mailbox without an Exchange
 * Online licence, inactive, soft-deleted or on-premises).
 */
import { GraphRequestError } from './graphClient';

const NOT_READY_CODES = new Set(['MailboxNotEnabledForRESTAPI', 'MailboxNotSupportedForRESTAPI']);

/**
 * Why the mailbox is waiting and what to check if it keeps waiting, around what the caller does meanwhile:
 * `not ready yet: ${notReadyBecause}; <what happens next>. ${ifItStaysSo}`.
 */
export const NOT_READY_BECAUSE =
	'Exchange Online provisions a newly licensed mailbox some time after the user, usually within minutes and up to 24 hours';
export const IF_IT_STAYS_SO =
	'If it stays so, check that the user has an Exchange Online licence and the mailbox is in the cloud, not on-premises.';

export function isMailboxNotReady(error: unknown): boolean {
	return (
		error instanceof GraphRequestError && error.code !== null && NOT_READY_CODES.has(error.code)
	);
}
