/**
 * Creates one migrated message in a Graph folder, as a non-draft with every attachment:
 * 1. POST the converter's create body (non-draft flags and original dates are set there: PidTagMessageFlags is
 *    read-only after the first save), carrying the copy id and, when attachments follow, the incomplete key instead of
 *    the source key;
 * 2. the attachments that did not fit: POST attachments (< 3 MB) or an upload session (learn.microsoft.com/graph/
 *    outlook-large-attachments, 3-150 MB); Graph adds attachments to an existing message ("add an attachment to an
 *    existing message by posting to its attachments collection", learn.microsoft.com/graph/api/message-post-attachments),
 *    so a non-draft gets them after its creation;
 * 3. PATCH the source key on (and the incomplete key off): only a complete copy is ever found by its source key.
 * A create that met a fault may have been carried out: it is looked up by its copy id before it is sent again, so a
 * retry never duplicates. An earlier interrupted copy of the same source key (incomplete) is deleted first.
 */
import { randomUUID } from 'node:crypto';

import type { GraphClient } from '../../../graph/graphClient';
import { GraphRequestError } from '../../../graph/graphClient';
import {
	fileAttachmentJson,
	UPLOAD_RANGE_MAX_BYTES,
	UPLOAD_SESSION_MIN_BYTES,
	uploadSessionRequestJson,
} from '../../../graph/graphAttachments';
import type { GraphMessagePlan, GraphUpload } from '../../../graph/graphMessagePlan';
import {
	COPY_ID_PROPERTY,
	INCOMPLETE_KEY_PROPERTY,
	propertyFilter,
	SOURCE_KEY_PROPERTY,
	type ExtendedProperty,
} from './graphProperties';

/** Graph takes ranges of up to 4 MB; the largest multiple of 320 KiB within that. */
const UPLOAD_RANGE_BYTES = Math.floor(UPLOAD_RANGE_MAX_BYTES / (320 * 1024)) * 320 * 1024;
/** Creates sent again after a fault, each after the lookup found nothing. */
const MAX_CREATE_ATTEMPTS = 3;

export interface CreatedMessage {
	id: string;
}

export async function createMessage(
	graph: GraphClient,
	folderId: string,
	plan: GraphMessagePlan,
	sourceKey: string,
): Promise<CreatedMessage> {
	const folderPath = `/mailFolders/${encodeURIComponent(folderId)}/messages`;
	const complete = plan.uploads.length === 0;
	if (!complete) await deleteIncomplete(graph, folderPath, sourceKey);
	const created = await createOnce(graph, folderPath, plan.create, sourceKey, complete);
	if (complete) return created;
	const messagePath = `/messages/${encodeURIComponent(created.id)}`;
	for (const upload of plan.uploads) await attach(graph, messagePath, upload);
	await graph.patch(messagePath, {
		singleValueExtendedProperties: [
			{ id: SOURCE_KEY_PROPERTY, value: sourceKey },
			{ id: INCOMPLETE_KEY_PROPERTY, value: '' },
		],
	});
	return created;
}

/** The create body with the copy's own properties: the source key (or the incomplete key) and the copy id. */
function withCopyProperties(
	create: Record<string, unknown>,
	sourceKey: string,
	copyId: string,
	complete: boolean,
): Record<string, unknown> {
	const own = new Set(
		[SOURCE_KEY_PROPERTY, INCOMPLETE_KEY_PROPERTY, COPY_ID_PROPERTY].map((id) => id.toLowerCase()),
	);
	const properties = ((create.singleValueExtendedProperties ?? []) as ExtendedProperty[]).filter(
		(property) => !own.has(property.id.toLowerCase()),
	);
	properties.push(
		{ id: complete ? SOURCE_KEY_PROPERTY : INCOMPLETE_KEY_PROPERTY, value: sourceKey },
		{ id: COPY_ID_PROPERTY, value: copyId },
	);
	return { ...create, singleValueExtendedProperties: properties };
}

async function createOnce(
	graph: GraphClient,
	folderPath: string,
	create: Record<string, unknown>,
	sourceKey: string,
	complete: boolean,
): Promise<CreatedMessage> {
	const copyId = randomUUID();
	const body = withCopyProperties(create, sourceKey, copyId, complete);
	for (let attempt = 1; ; attempt++) {
		try {
			return await graph.post<CreatedMessage>(folderPath, body);
		} catch (error) {
			if (!(error instanceof GraphRequestError) || !error.transient) throw error;
			const found = await findByProperty(graph, folderPath, COPY_ID_PROPERTY, copyId);
			if (found.length > 0) return found[0];
			if (attempt >= MAX_CREATE_ATTEMPTS) throw error;
		}
	}
}

async function findByProperty(
	graph: GraphClient,
	folderPath: string,
	id: string,
	value: string,
): Promise<CreatedMessage[]> {
	return await graph.list<CreatedMessage>(
		`${folderPath}?$select=id&$filter=${encodeURIComponent(propertyFilter(id, value))}`,
	);
}

/** Copies an interrupted attempt left (created, attachments not all in): ours, incomplete, so removed. */
async function deleteIncomplete(
	graph: GraphClient,
	folderPath: string,
	sourceKey: string,
): Promise<void> {
	for (const message of await findByProperty(
		graph,
		folderPath,
		INCOMPLETE_KEY_PROPERTY,
		sourceKey,
	)) {
		await graph.delete(`/messages/${encodeURIComponent(message.id)}`);
	}
}

async function attach(graph: GraphClient, messagePath: string, upload: GraphUpload): Promise<void> {
	if (upload.size < UPLOAD_SESSION_MIN_BYTES) {
		await graph.post(`${messagePath}/attachments`, fileAttachmentJson(upload));
		return;
	}
	const session = await graph.post<{ uploadUrl: string }>(
		`${messagePath}/attachments/createUploadSession`,
		uploadSessionRequestJson(upload),
	);
	await graph.upload(session.uploadUrl, upload.content, UPLOAD_RANGE_BYTES);
}
