/** JSON request bodies as Graph reads them. */
import type { EmulatorRequest, EmulatorResponse } from '../server';
import { graphErrors } from './graphErrors';

/** Graph refuses request bodies over 4 MB (learn.microsoft.com/graph/outlook-large-attachments keeps each PUT ≤ 4 MB). */
export const REQUEST_BODY_LIMIT = 4 * 1024 * 1024;

export type JsonBody = { json: Record<string, unknown> } | { error: EmulatorResponse };

export function jsonBody(request: EmulatorRequest): JsonBody {
	if (request.raw.length > REQUEST_BODY_LIMIT)
		return { error: graphErrors.entityTooLarge('The request body is larger than 4 MB.') };
	try {
		const parsed: unknown = JSON.parse(request.body || '{}');
		if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
			return { error: graphErrors.badRequest('Empty Payload. JSON content expected.') };
		return { json: parsed as Record<string, unknown> };
	} catch {
		return { error: graphErrors.badRequest('Unable to read JSON request payload.') };
	}
}
