/** The emulator's HTTP plumbing: a small router shared by every concern (identity now, Graph later) and its listeners. */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

import type { SelfSigned } from '../selfSignedCertificates';

export interface EmulatorRequest {
	method: string;
	path: string;
	query: URLSearchParams;
	headers: http.IncomingHttpHeaders;
	/** The body as form fields (application/x-www-form-urlencoded, what OAuth endpoints take). */
	form: URLSearchParams;
	body: string;
	/** The body's bytes (upload sessions PUT binary ranges). */
	raw: Buffer;
}

export interface EmulatorResponse {
	status: number;
	/** Sent as JSON; undefined sends no body (204, or a 201 that carries only a Location header). */
	body: unknown;
	headers?: Record<string, string>;
	/** Destroy the connection instead of answering (fault injection: the client cannot tell what happened). */
	reset?: boolean;
}

type Handler = (
	request: EmulatorRequest,
	params: string[],
) => EmulatorResponse | Promise<EmulatorResponse>;

/** What tests may read about a request: never a secret, assertion or token. */
export interface LoggedRequest {
	method: string;
	path: string;
	status: number;
	grantType?: string;
	clientId?: string;
	/** 'secret' or 'certificate' for token requests. */
	credential?: 'secret' | 'certificate';
}

export class Router {
	private readonly routes: { method: string; pattern: RegExp; handler: Handler }[] = [];

	/** Registers a handler; the pattern's capture groups arrive as `params` (URL-decoded). */
	add(method: string, pattern: RegExp, handler: Handler): void {
		this.routes.push({ method, pattern, handler });
	}

	async handle(request: EmulatorRequest): Promise<EmulatorResponse> {
		for (const route of this.routes) {
			const match = route.method === request.method ? route.pattern.exec(request.path) : null;
			if (match) return await route.handler(request, match.slice(1).map(decodeURIComponent));
		}
		return { status: 404, body: { error: 'not_found', error_description: request.path } };
	}
}

async function readBody(message: http.IncomingMessage): Promise<Buffer> {
	const chunks: Buffer[] = [];
	for await (const chunk of message) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks);
}

export interface Listener {
	port: number;
	close(): Promise<void>;
}

/** Serves the router on 127.0.0.1 (HTTPS when tls is given), logging each request through `log`. */
export async function listen(
	router: Router,
	tls: SelfSigned | undefined,
	log: (entry: LoggedRequest) => void,
): Promise<Listener> {
	const serve = async (message: http.IncomingMessage, reply: http.ServerResponse) => {
		const url = new URL(message.url ?? '/', 'http://127.0.0.1');
		const raw = await readBody(message);
		const body = raw.toString('utf8');
		const contentType = message.headers['content-type'] ?? '';
		// Only form posts (the token endpoint) are parsed as fields; JSON and binary uploads are not.
		const isForm = contentType === '' || contentType.includes('x-www-form-urlencoded');
		const request: EmulatorRequest = {
			method: message.method ?? 'GET',
			path: url.pathname,
			query: url.searchParams,
			headers: message.headers,
			form: new URLSearchParams(isForm ? body : ''),
			body,
			raw,
		};
		let response: EmulatorResponse;
		try {
			response = await router.handle(request);
		} catch (error) {
			response = { status: 500, body: { error: 'server_error', error_description: String(error) } };
		}
		const grantType = request.form.get('grant_type') ?? undefined;
		log({
			method: request.method,
			path: request.path,
			status: response.status,
			grantType,
			clientId: grantType ? (request.form.get('client_id') ?? undefined) : undefined,
			credential: !grantType
				? undefined
				: request.form.has('client_assertion')
					? 'certificate'
					: 'secret',
		});
		if (response.reset) {
			message.socket.destroy();
			return;
		}
		const hasBody = response.body !== undefined;
		reply.writeHead(response.status, {
			...(hasBody ? { 'Content-Type': 'application/json; charset=utf-8' } : {}),
			'Cache-Control': 'no-store',
			...response.headers,
		});
		reply.end(hasBody ? JSON.stringify(response.body) : undefined);
	};
	// A client killed mid-request (the crash tests kill -9 it mid-upload) ends the body with "aborted": nobody is
	// left to answer, and the emulator goes on serving the others.
	const handle = (req: http.IncomingMessage, res: http.ServerResponse) =>
		void serve(req, res).catch(() => res.destroy());
	const server = tls
		? https.createServer({ cert: tls.certPem, key: tls.keyPem }, handle)
		: http.createServer(handle);
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => resolve());
	});
	return {
		port: (server.address() as AddressInfo).port,
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}
