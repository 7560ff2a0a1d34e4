/**
 * Mail folders (users are in userRoutes): GET/POST /users/{id}/mailFolders
 * (user-list-mailfolders, user-post-mailfolders; `includeHiddenFolders=true` adds hidden ones), GET /mailFolders/{id}
 * by id or well-known name (mailfolder-get), GET/POST /mailFolders/{id}/childFolders (mailfolder-list-childfolders,
 * mailfolder-post-childfolders). Folders carry totalItemCount and unreadItemCount (mailFolder resource); their size is
 * readable as PidTagMessageSizeExtended (`Long 0x0E08`) through $expand=singleValueExtendedProperties, which is
 * documented MAPI ([MS-OXPROPS] 2.796) rather than a mailFolder property. Graph's mail API exposes no mailbox quota.
 */
import type { EmulatorResponse } from '../server';
import { messageSize, PR_MESSAGE_SIZE_EXTENDED } from './extendedProperties';
import { graphErrors } from './graphErrors';
import type { GraphContext, GraphService } from './graphService';
import { newItemId, type Mailbox, type MailboxStore, type StoredFolder } from './mailboxStore';
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
const FOLDER = '([^/]+)';

function folderJson(
	store: MailboxStore,
	mailbox: Mailbox,
	folder: StoredFolder,
): Record<string, unknown> {
	const messages = store.messagesIn(mailbox, folder.id);
	return {
		id: folder.id,
		displayName: folder.displayName,
		parentFolderId: folder.parentFolderId,
		childFolderCount: store.childrenOf(mailbox, folder.id).length,
		unreadItemCount: messages.filter((message) => !message.isRead).length,
		totalItemCount: messages.length,
		isHidden: folder.isHidden,
		singleValueExtendedProperties: [
			...folder.extendedProperties,
			{
				id: PR_MESSAGE_SIZE_EXTENDED,
				value: String(messages.reduce((total, message) => total + messageSize(message), 0)),
			},
		],
	};
}

function project(full: Record<string, unknown>, query: URLSearchParams): Record<string, unknown> {
	const { singleValueExtendedProperties, ...plain } = full;
	const select = parseSelect(query.get('$select'));
	const result: Record<string, unknown> = select
		? Object.fromEntries(
				Object.entries(plain).filter(
					([key]) =>
						key === 'id' || select.some((name) => name.toLowerCase() === key.toLowerCase()),
				),
			)
		: plain;
	for (const option of parseExpand(query.get('$expand'))) {
		if (option.name.toLowerCase() !== 'singlevalueextendedproperties')
			throw new QueryError(`Cannot expand ${option.name} on a mailFolder.`);
		const properties = singleValueExtendedProperties as { id: string; value: string }[];
		result.singleValueExtendedProperties = option.filter
			? properties.filter((property) => matchesFilter(option.filter!, property, true))
			: properties;
	}
	return result;
}

const queryError = (error: unknown): EmulatorResponse => {
	if (error instanceof QueryError) return graphErrors.badRequest(error.message);
	throw error;
};

export function addFolderRoutes(service: GraphService, store: MailboxStore): void {
	const folderOr404 = (context: GraphContext, idOrName: string) =>
		store.folder(context.mailbox, idOrName);

	const listFolders = (context: GraphContext, parentId: string): EmulatorResponse => {
		try {
			const { query } = context.request;
			const includeHidden = query.get('includeHiddenFolders')?.toLowerCase() === 'true';
			const filterText = query.get('$filter');
			let folders = store
				.childrenOf(context.mailbox, parentId)
				.filter((folder) => includeHidden || !folder.isHidden)
				.map((folder) => folderJson(store, context.mailbox, folder));
			if (filterText) {
				const filter = parseFilter(filterText);
				folders = folders.filter((folder) => matchesFilter(filter, folder));
			}
			const paging = parsePaging(query, 10, 1000);
			const projected = folders.map((folder) => project(folder, query));
			return {
				status: 200,
				body: page(projected, paging, `${context.baseUrl}${context.request.path}`, query),
			};
		} catch (error) {
			return queryError(error);
		}
	};

	const createFolder = (context: GraphContext, parentId: string): EmulatorResponse => {
		const parsed = jsonBody(context.request);
		if ('error' in parsed) return parsed.error;
		const displayName = parsed.json.displayName;
		if (typeof displayName !== 'string' || displayName.trim() === '')
			return graphErrors.invalidRequest('displayName is required.');
		// Exchange compares folder names without regard to case.
		const taken = store
			.childrenOf(context.mailbox, parentId)
			.some((folder) => folder.displayName.toLowerCase() === displayName.toLowerCase());
		if (taken) return graphErrors.folderExists();
		const folder: StoredFolder = {
			id: newItemId(),
			displayName,
			parentFolderId: parentId,
			wellKnownName: null,
			isHidden: parsed.json.isHidden === true,
			extendedProperties: [],
		};
		context.mailbox.folders.set(folder.id, folder);
		return {
			status: 201,
			body: project(folderJson(store, context.mailbox, folder), new URLSearchParams()),
		};
	};

	service.add({
		method: 'GET',
		pattern: new RegExp(`^/users/${USER}/mailFolders$`),
		name: '/users/{id}/mailFolders',
		scope: 'mail',
		handler: (context) => listFolders(context, context.mailbox.rootFolderId),
	});
	service.add({
		method: 'POST',
		pattern: new RegExp(`^/users/${USER}/mailFolders$`),
		name: '/users/{id}/mailFolders',
		scope: 'mail',
		handler: (context) => createFolder(context, context.mailbox.rootFolderId),
	});
	service.add({
		method: 'GET',
		pattern: new RegExp(`^/users/${USER}/mailFolders/${FOLDER}$`),
		name: '/users/{id}/mailFolders/{id}',
		scope: 'mail',
		handler: (context) => {
			const folder = folderOr404(context, context.params[1]);
			if (!folder) return graphErrors.itemNotFound();
			try {
				return {
					status: 200,
					body: project(folderJson(store, context.mailbox, folder), context.request.query),
				};
			} catch (error) {
				return queryError(error);
			}
		},
	});
	service.add({
		method: 'GET',
		pattern: new RegExp(`^/users/${USER}/mailFolders/${FOLDER}/childFolders$`),
		name: '/users/{id}/mailFolders/{id}/childFolders',
		scope: 'mail',
		handler: (context) => {
			const folder = folderOr404(context, context.params[1]);
			return folder ? listFolders(context, folder.id) : graphErrors.itemNotFound();
		},
	});
	service.add({
		method: 'POST',
		pattern: new RegExp(`^/users/${USER}/mailFolders/${FOLDER}/childFolders$`),
		name: '/users/{id}/mailFolders/{id}/childFolders',
		scope: 'mail',
		handler: (context) => {
			const folder = folderOr404(context, context.params[1]);
			return folder ? createFolder(context, folder.id) : graphErrors.itemNotFound();
		},
	});
}
