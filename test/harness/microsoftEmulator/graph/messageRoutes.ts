/**
 * Message routes: create (JSON or MIME) in a folder or in Drafts (user-post-messages, mailfolder-post-messages), list
 * a folder or the whole mailbox (user-list-messages, with $filter/$select/$expand/$top/$skip/$count), get, update and
 * delete one (message-get, message-update, message-delete). A message path may carry the folder chain
 * (`/mailFolders/{id}/childFolders/{id}/messages/{id}`), which Graph accepts and ignores for the lookup.
 */
import type { EmulatorResponse } from '../server';
import { overMessageSize } from './extendedProperties';
import { graphErrors } from './graphErrors';
import type { GraphContext, GraphService } from './graphService';
import type { MailboxStore, StoredMessage } from './mailboxStore';
import { createMessage, messageJson, patchMessage, projectMessage } from './messageModel';
import { messageFromMime } from './mimeMessage';
import {
	matchesFilter,
	page,
	parseExpand,
	parseFilter,
	parsePaging,
	parseSelect,
	QueryError,
} from './odataQuery';
import { jsonBody } from './requestBody';

const USER = '([^/]+)';
/** Optional folder chain before /messages/{id}, which does not change which message is meant. */
const FOLDER_CHAIN = '(?:/mailFolders/[^/]+(?:/childFolders/[^/]+)*)?';
const EXPANDABLE = ['singlevalueextendedproperties', 'attachments'];

export function queryOptions(query: URLSearchParams) {
	const expand = parseExpand(query.get('$expand'));
	for (const option of expand) {
		if (!EXPANDABLE.includes(option.name.toLowerCase()))
			throw new QueryError(`Cannot expand ${option.name} on a message.`);
	}
	return { select: parseSelect(query.get('$select')), expand };
}

export function findMessage(context: GraphContext, id: string): StoredMessage | undefined {
	return context.mailbox.messages.get(id);
}

const withQueryErrors = (run: () => EmulatorResponse): EmulatorResponse => {
	try {
		return run();
	} catch (error) {
		if (error instanceof QueryError) return graphErrors.badRequest(error.message);
		throw error;
	}
};

export function addMessageRoutes(service: GraphService, store: MailboxStore): void {
	const create = async (
		context: GraphContext,
		folderIdOrName: string,
	): Promise<EmulatorResponse> => {
		const folder = store.folder(context.mailbox, folderIdOrName);
		if (!folder) return graphErrors.itemNotFound();
		const contentType = String(context.request.headers['content-type'] ?? '').toLowerCase();
		let created: StoredMessage | EmulatorResponse;
		if (contentType.startsWith('text/plain')) {
			created = await messageFromMime(context.request.body, folder.id);
		} else {
			const parsed = jsonBody(context.request);
			if ('error' in parsed) return parsed.error;
			created = createMessage(parsed.json, folder.id);
		}
		if (!('id' in created)) return created;
		if (overMessageSize(created, 0, context.mailbox)) return graphErrors.messageTooLarge();
		context.mailbox.messages.set(created.id, created);
		return { status: 201, body: projectMessage(created, null, []) };
	};

	service.add({
		method: 'POST',
		pattern: new RegExp(`^/users/${USER}/mailFolders/([^/]+)/messages$`),
		name: '/users/{id}/mailFolders/{id}/messages',
		scope: 'mail',
		handler: (context) => create(context, context.params[1]),
	});
	// POST /users/{id}/messages creates in Drafts (user-post-messages).
	service.add({
		method: 'POST',
		pattern: new RegExp(`^/users/${USER}/messages$`),
		name: '/users/{id}/messages',
		scope: 'mail',
		handler: (context) => create(context, 'drafts'),
	});

	const list = (context: GraphContext, messages: StoredMessage[]): EmulatorResponse =>
		withQueryErrors(() => {
			const { query } = context.request;
			const { select, expand } = queryOptions(query);
			const filterText = query.get('$filter');
			const filter = filterText ? parseFilter(filterText) : null;
			const matching = filter
				? messages.filter((message) => matchesFilter(filter, messageJson(message)))
				: messages;
			const paging = parsePaging(query, 10, 1000);
			const projected = matching.map((message) => projectMessage(message, select, expand));
			return {
				status: 200,
				body: page(projected, paging, `${context.baseUrl}${context.request.path}`, query),
			};
		});

	service.add({
		method: 'GET',
		pattern: new RegExp(`^/users/${USER}/mailFolders/([^/]+)/messages$`),
		name: '/users/{id}/mailFolders/{id}/messages',
		scope: 'mail',
		handler: (context) => {
			const folder = store.folder(context.mailbox, context.params[1]);
			return folder
				? list(context, store.messagesIn(context.mailbox, folder.id))
				: graphErrors.itemNotFound();
		},
	});
	service.add({
		method: 'GET',
		pattern: new RegExp(`^/users/${USER}/messages$`),
		name: '/users/{id}/messages',
		scope: 'mail',
		handler: (context) => list(context, [...context.mailbox.messages.values()]),
	});

	const one = new RegExp(`^/users/${USER}${FOLDER_CHAIN}/messages/([^/]+)$`);
	service.add({
		method: 'GET',
		pattern: one,
		name: '/users/{id}/messages/{id}',
		scope: 'mail',
		handler: (context) =>
			withQueryErrors(() => {
				const message = findMessage(context, context.params[1]);
				if (!message) return graphErrors.itemNotFound();
				const { select, expand } = queryOptions(context.request.query);
				return { status: 200, body: projectMessage(message, select, expand) };
			}),
	});
	service.add({
		method: 'PATCH',
		pattern: one,
		name: '/users/{id}/messages/{id}',
		scope: 'mail',
		handler: (context) => {
			const message = findMessage(context, context.params[1]);
			if (!message) return graphErrors.itemNotFound();
			const parsed = jsonBody(context.request);
			if ('error' in parsed) return parsed.error;
			const refused = patchMessage(message, parsed.json);
			return refused ?? { status: 200, body: projectMessage(message, null, []) };
		},
	});
	service.add({
		method: 'DELETE',
		pattern: one,
		name: '/users/{id}/messages/{id}',
		scope: 'mail',
		handler: (context) => {
			if (!context.mailbox.messages.delete(context.params[1])) return graphErrors.itemNotFound();
			return { status: 204, body: undefined };
		},
	});
}
