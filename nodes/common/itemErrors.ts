/**
 * One way for every node to turn a failure of one input item into n8n's error: it names the item's subject (a
 * mailbox, a user) and the cause, carries the item index, and explains the engine's own error kinds. A remote
 * server's refusal (an HTTP status from Graph, Dataverse or a webhook; an LDAP result code) is a NodeApiError with
 * the status as its HTTP code, as n8n's own nodes report an API's answer; everything else a NodeOperationError.
 * Only our errors' own texts are used, which are free of secrets; the original error is not attached as a cause.
 */
import { NodeApiError, NodeOperationError, type INode } from 'n8n-workflow';

import { ProviderError } from '../lib/communications/provider';
import { GraphRequestError } from '../lib/graph/graphClient';
import { LdapStepError } from '../lib/ldap';
import { MailboxSetupError } from '../lib/migration/migrateMailbox';
import { MailboxUnreachableError } from '../lib/preflight/preflightChecks';

/** What a remote server answered: an HTTP error status, or an LDAP result code; null when it did not answer. */
function remoteAnswerOf(error: unknown): { httpCode?: string; description: string } | null {
	if (error instanceof GraphRequestError && error.status >= 400) {
		return {
			httpCode: String(error.status),
			description: `Microsoft Graph answered HTTP ${error.status}${error.code ? ` (${error.code})` : ''}.`,
		};
	}
	if (error instanceof ProviderError && error.status !== null && error.status >= 400) {
		return { httpCode: String(error.status), description: `The server answered ${error.answer}` };
	}
	if (error instanceof LdapStepError && error.resultCode !== undefined) {
		return {
			description: `${error.advice} (LDAP result code ${error.resultCode}${error.resultName ? `, ${error.resultName}` : ''})`,
		};
	}
	return null;
}

export function itemError(
	node: INode,
	error: unknown,
	itemIndex: number,
	subject: string,
): NodeOperationError | NodeApiError {
	if (error instanceof NodeOperationError || error instanceof NodeApiError) return error;
	const cause = error instanceof Error ? error.message : String(error);
	const message = `${subject}: ${cause}`;
	const remote = remoteAnswerOf(error);
	if (remote) {
		return keepMessage(
			new NodeApiError(
				node,
				{ message },
				{ message, description: remote.description, httpCode: remote.httpCode, itemIndex },
			),
			message,
		);
	}
	let description: string | undefined;
	if (error instanceof MailboxUnreachableError) {
		description = `Failed at the ${error.failure.layer} layer on the ${error.side} side.`;
	} else if (error instanceof MailboxSetupError) {
		description = `Nothing was copied: the ${error.side} could not be set up. The next run starts this mailbox again.`;
	} else if (error instanceof LdapStepError) {
		description = error.advice;
	}
	return keepMessage(new NodeOperationError(node, message, { itemIndex, description }), message);
}

/**
 * n8n swaps a message naming a socket code (ECONNREFUSED, ETIMEDOUT...) for a generic one ("The service refused the
 * connection"), which drops the item's subject: ours names both the item and the code.
 */
function keepMessage<T extends NodeOperationError | NodeApiError>(error: T, message: string): T {
	error.message = message;
	return error;
}
