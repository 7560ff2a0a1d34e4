/**
 * One way for every node to turn a failure of one input item into n8n's error: it names the item's subject (a
 * mailbox, a user) and the cause, carries the item index, and explains the engine's own error kinds.
 */
import { NodeOperationError, type INode } from 'n8n-workflow';

import { LdapStepError } from '../lib/ldap';
import { MailboxSetupError } from '../lib/migration/migrateMailbox';
import { MailboxUnreachableError } from '../lib/preflight/preflightChecks';

export function itemError(
	node: INode,
	error: unknown,
	itemIndex: number,
	subject: string,
): NodeOperationError {
	if (error instanceof NodeOperationError) return error;
	const cause = error instanceof Error ? error.message : String(error);
	let description: string | undefined;
	if (error instanceof MailboxUnreachableError) {
		description = `Failed at the ${error.failure.layer} layer on the ${error.side} side.`;
	} else if (error instanceof MailboxSetupError) {
		description = `Nothing was copied: the ${error.side} could not be set up. The next run starts this mailbox again.`;
	} else if (error instanceof LdapStepError) {
		description = error.advice;
	}
	return new NodeOperationError(node, `${subject}: ${cause}`, { itemIndex, description });
}
