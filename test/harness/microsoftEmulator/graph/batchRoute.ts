/**
 * JSON batching (learn.microsoft.com/graph/json-batching): POST /v1.0/$batch with `requests` (id, method, url relative
 * to the version, optional headers/body/dependsOn), at most 20 of them ("JSON batch requests are currently limited to 20
 * individual requests"; the docs do not quote the error text, so ours is plain), answered 200 with one `responses`
 * entry per request, each with its own status (429 included). A request whose dependency failed answers 424 Failed
 * Dependency. Outlook runs up to 4 of a batch's requests in parallel (throttling-limits "Outlook service limits for JSON
 * batching"); each one passes the same pipeline as a top-level request, so it counts against the mailbox's limits.
 */
import type { EmulatorRequest, EmulatorResponse } from '../server';
import { graphError, graphErrors } from './graphErrors';
import type { GraphService } from './graphService';

export const BATCH_LIMIT = 20;
const BATCH_PARALLELISM = 4;

interface BatchRequest {
	id: string;
	method: string;
	url: string;
	headers?: Record<string, string>;
	body?: unknown;
	dependsOn?: string[];
}

interface BatchResponse {
	id: string;
	status: number;
	headers?: Record<string, string>;
	body?: unknown;
}

function validate(body: unknown): BatchRequest[] | EmulatorResponse {
	const requests = (body as { requests?: unknown })?.requests;
	if (!Array.isArray(requests)) return graphErrors.badRequest('Batch requests must be an array.');
	if (requests.length > BATCH_LIMIT)
		return graphErrors.badRequest(
			`The number of requests in the batch (${requests.length}) exceeds the limit of ${BATCH_LIMIT}.`,
		);
	const ids = new Set<string>();
	for (const entry of requests as BatchRequest[]) {
		if (
			typeof entry?.id !== 'string' ||
			typeof entry.method !== 'string' ||
			typeof entry.url !== 'string'
		)
			return graphErrors.badRequest('Each batch request needs id, method and url.');
		if (ids.has(entry.id)) return graphErrors.badRequest(`Duplicate batch request id ${entry.id}.`);
		ids.add(entry.id);
	}
	for (const entry of requests as BatchRequest[]) {
		for (const dependency of entry.dependsOn ?? []) {
			if (!ids.has(dependency))
				return graphErrors.badRequest(
					`Batch request ${entry.id} depends on unknown ${dependency}.`,
				);
		}
	}
	return requests as BatchRequest[];
}

function subRequest(outer: EmulatorRequest, entry: BatchRequest): EmulatorRequest {
	const url = new URL(entry.url.replace(/^\/?/, '/v1.0/'), 'https://graph.invalid');
	const headers: Record<string, string> = { authorization: outer.headers.authorization ?? '' };
	for (const [name, value] of Object.entries(entry.headers ?? {}))
		headers[name.toLowerCase()] = value;
	const body =
		entry.body === undefined
			? ''
			: typeof entry.body === 'string'
				? entry.body
				: JSON.stringify(entry.body);
	if (entry.body !== undefined && headers['content-type'] === undefined)
		headers['content-type'] = 'application/json';
	return {
		method: entry.method.toUpperCase(),
		path: url.pathname,
		query: url.searchParams,
		headers,
		form: new URLSearchParams(),
		body,
		raw: Buffer.from(body),
	};
}

export function addBatchRoute(service: GraphService): void {
	service.add({
		method: 'POST',
		pattern: /^\/\$batch$/,
		name: '/$batch',
		scope: 'batch',
		envelope: async (request: EmulatorRequest) => {
			let parsed: unknown;
			try {
				parsed = JSON.parse(request.body);
			} catch {
				return graphErrors.badRequest('Unable to read JSON request payload.');
			}
			const requests = validate(parsed);
			if (!Array.isArray(requests)) return requests;
			const results = new Map<string, BatchResponse>();
			const running = new Map<string, Promise<void>>();
			const pending = [...requests];
			const execute = async (entry: BatchRequest): Promise<void> => {
				const failed = (entry.dependsOn ?? []).some((dependency) => {
					const status = results.get(dependency)?.status ?? 0;
					return status < 200 || status > 299;
				});
				let response: EmulatorResponse;
				if (failed) {
					response = graphError(424, 'FailedDependency', 'A request this one depends on failed.');
				} else {
					const inner = subRequest(request, entry);
					response = await service.handle(inner, inner.path.replace(/^\/v1\.0/, ''), false);
				}
				results.set(entry.id, {
					id: entry.id,
					status: response.status,
					headers: {
						...(response.body === undefined ? {} : { 'Content-Type': 'application/json' }),
						...response.headers,
					},
					...(response.body === undefined ? {} : { body: response.body }),
				});
			};
			while (pending.length > 0 || running.size > 0) {
				while (running.size < BATCH_PARALLELISM) {
					const index = pending.findIndex((entry) =>
						(entry.dependsOn ?? []).every((dependency) => results.has(dependency)),
					);
					if (index < 0) break;
					const [entry] = pending.splice(index, 1);
					running.set(
						entry.id,
						execute(entry).finally(() => running.delete(entry.id)),
					);
				}
				if (running.size === 0) break;
				await Promise.race(running.values());
			}
			// Left over only when dependsOn forms a cycle: none of them can run.
			for (const entry of pending) {
				results.set(entry.id, {
					id: entry.id,
					status: 424,
					body: graphError(424, 'FailedDependency', 'The dependencies form a cycle.').body,
				});
			}
			return {
				status: 200,
				body: { responses: requests.map((entry) => results.get(entry.id)) },
			};
		},
	});
}
