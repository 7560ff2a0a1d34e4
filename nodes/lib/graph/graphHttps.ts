/**
 * The last link of the Graph client's middleware chain: node https (not fetch), so an overridden Graph URL (emulator,
 * proxy) may use a private CA (`MicrosoftApp.trustedCaPem`), as the login client does. Also used as is for the PUTs of
 * an upload session, which go to a URL of their own and carry no Authorization header (learn.microsoft.com/graph/
 * outlook-large-attachments: "Don't specify an Authorization request header in the PUT operation").
 */
import https from 'node:https';

import type { Context } from '@microsoft/microsoft-graph-client';

import { trustedCas } from '../microsoft/trustedCa';

const REQUEST_TIMEOUT_MS = 120_000;

export interface RawResponse {
	status: number;
	headers: Record<string, string>;
	body: Buffer;
}

/** A network failure (reset, refused, timed out): the request may or may not have reached the server. */
export class GraphTransportError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'GraphTransportError';
	}
}

export function httpsRequest(
	url: string,
	request: {
		method: string;
		headers: Record<string, string>;
		body?: Buffer | string;
		ca?: string[];
	},
): Promise<RawResponse> {
	return new Promise((resolve, reject) => {
		const outgoing = https.request(
			url,
			{
				method: request.method,
				headers: request.headers,
				ca: request.ca,
				timeout: REQUEST_TIMEOUT_MS,
			},
			(response) => {
				const chunks: Buffer[] = [];
				response.on('data', (chunk: Buffer) => chunks.push(chunk));
				response.on('error', (error) => reject(new GraphTransportError(error.message)));
				response.on('end', () => {
					const headers: Record<string, string> = {};
					for (const [name, value] of Object.entries(response.headers)) {
						if (value !== undefined)
							headers[name] = Array.isArray(value) ? value.join(', ') : value;
					}
					resolve({ status: response.statusCode ?? 0, headers, body: Buffer.concat(chunks) });
				});
			},
		);
		outgoing.on('timeout', () =>
			outgoing.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)),
		);
		outgoing.on('error', (error: NodeJS.ErrnoException) =>
			reject(
				new GraphTransportError(
					`${new URL(url).host}: ${error.code ? `${error.code} ` : ''}${error.message}`,
				),
			),
		);
		outgoing.end(request.body);
	});
}

function headersOf(init: ConstructorParameters<typeof Headers>[0]): Record<string, string> {
	const headers: Record<string, string> = {};
	new Headers(init).forEach((value, name) => (headers[name] = value));
	return headers;
}

/** The chain's final handler: sends the context's request and sets its response. */
export class HttpsHandler {
	private readonly ca: string[] | undefined;

	constructor(trustedCaPem?: string) {
		this.ca = trustedCas(trustedCaPem);
	}

	async execute(context: Context): Promise<void> {
		const url = typeof context.request === 'string' ? context.request : context.request.url;
		const options = context.options ?? {};
		const body = options.body;
		if (body !== undefined && body !== null && typeof body !== 'string' && !Buffer.isBuffer(body)) {
			throw new Error('Graph requests carry JSON text or bytes');
		}
		const raw = await httpsRequest(url, {
			method: options.method ?? 'GET',
			headers: headersOf(options.headers),
			body: body ?? undefined,
			ca: this.ca,
		});
		// 204 and 304 may not carry a body in a fetch Response.
		const empty = raw.status === 204 || raw.status === 304;
		context.response = new Response(empty ? null : new Uint8Array(raw.body), {
			status: raw.status,
			headers: raw.headers,
		});
	}

	/** An upload-session PUT: to its own URL, with no Authorization header. */
	async put(url: string, headers: Record<string, string>, body: Buffer): Promise<RawResponse> {
		return await httpsRequest(url, { method: 'PUT', headers, body, ca: this.ca });
	}
}
