/**
 * One HTTP(S) request of a communication provider, on node's http/https (not fetch), so an endpoint with a private
 * CA can be trusted (`ca`) as the Microsoft clients do. Bodies are text: webhooks and the Dataverse Web API speak JSON.
 */
import http from 'node:http';
import https from 'node:https';

const DEFAULT_TIMEOUT_MS = 60_000;

export interface HttpExchangeRequest {
	method: string;
	url: string;
	headers: Record<string, string>;
	body?: string;
	/** Trusted CAs; undefined keeps node's public roots. */
	ca?: string[];
	timeoutMs?: number;
}

export interface HttpExchangeResponse {
	status: number;
	/** Lowercased names. */
	headers: Record<string, string>;
	body: string;
}

/** The request may or may not have reached the server (refused, reset, timed out). */
export class HttpTransportError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'HttpTransportError';
	}
}

export function httpExchange(request: HttpExchangeRequest): Promise<HttpExchangeResponse> {
	const url = new URL(request.url);
	const client = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : null;
	if (!client) {
		return Promise.reject(
			new HttpTransportError(`${url.protocol} URLs are not supported (http or https)`),
		);
	}
	const timeout = request.timeoutMs ?? DEFAULT_TIMEOUT_MS;
	return new Promise((resolve, reject) => {
		const outgoing = client.request(
			url,
			{
				method: request.method,
				headers: request.headers,
				timeout,
				...(request.ca ? { ca: request.ca } : {}),
			},
			(response) => {
				const chunks: Buffer[] = [];
				response.on('data', (chunk: Buffer) => chunks.push(chunk));
				response.on('error', (error) =>
					reject(new HttpTransportError(`${url.host}: ${error.message}`)),
				);
				response.on('end', () => {
					const headers: Record<string, string> = {};
					for (const [name, value] of Object.entries(response.headers)) {
						if (value !== undefined)
							headers[name] = Array.isArray(value) ? value.join(', ') : value;
					}
					resolve({
						status: response.statusCode ?? 0,
						headers,
						body: Buffer.concat(chunks).toString('utf8'),
					});
				});
			},
		);
		outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer within ${timeout} ms`)));
		outgoing.on('error', (error: NodeJS.ErrnoException) =>
			reject(
				new HttpTransportError(
					`${url.host}: ${error.code ? `${error.code} ` : ''}${error.message}`,
				),
			),
		);
		outgoing.end(request.body);
	});
}
