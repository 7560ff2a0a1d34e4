/**
 * One app's access to one mailbox through Microsoft Graph v1.0: `@microsoft/microsoft-graph-client` with our
 * middleware (limits and retries, app token, node https), paths relative to `/users/{mailbox}`. Errors come out as
 * GraphRequestError with Graph's status and code; secrets (tokens, upload URLs) never appear in them.
 */
import { Client, GraphError } from '@microsoft/microsoft-graph-client';

import type { MicrosoftApp } from '../microsoft/microsoftApp';
import { graphUrlOf } from '../microsoft/clouds';
import { appIdentityKey } from '../microsoft/msalClients';
import { HttpsHandler, type RawResponse } from './graphHttps';
import { userPathOf } from './userPath';
import { GraphAuthentication, GraphRequestPolicy, retryAfterMs } from './graphRequestPolicy';
import { mailboxLimiterFor, type GraphMailboxLimits, type MailboxLimiter } from './mailboxLimits';

export class GraphRequestError extends Error {
	constructor(
		message: string,
		/** HTTP status; 0 when no answer came (reset, timeout). */
		readonly status: number,
		readonly code: string | null,
		/** Graph's Retry-After, when it sent one. */
		readonly retryAfterMs: number | null,
	) {
		super(message);
		this.name = 'GraphRequestError';
	}

	/** No answer, or a server-side fault: the request may have been carried out. */
	get transient(): boolean {
		return this.status === 0 || this.status >= 500 || this.status === 429;
	}
}

/** Graph's listing pages: `value` and, while more follow, `@odata.nextLink`. */
interface Page<T> {
	value: T[];
	'@odata.nextLink'?: string;
}

export interface GraphClientOptions {
	limits?: GraphMailboxLimits;
	/** Called for every pause Graph asked for (429/503 Retry-After). */
	onServerBackoff?: (ms: number) => void;
}

export class GraphClient {
	readonly limiter: MailboxLimiter;

	private readonly client: Client;

	private readonly https: HttpsHandler;

	private readonly userPath: string;

	constructor(
		readonly app: MicrosoftApp,
		readonly mailbox: string,
		options: GraphClientOptions = {},
	) {
		this.limiter = mailboxLimiterFor(appIdentityKey(app), mailbox, options.limits);
		this.https = new HttpsHandler(app.trustedCaPem);
		const policy = new GraphRequestPolicy(this.limiter, {
			onServerBackoff: options.onServerBackoff,
		});
		const auth = new GraphAuthentication(app);
		policy.setNext(auth);
		auth.setNext(this.https);
		this.client = Client.initWithMiddleware({
			middleware: policy,
			baseUrl: `${graphUrlOf(app)}/`,
			defaultVersion: 'v1.0',
			customHosts: new Set([new URL(graphUrlOf(app)).hostname]),
		});
		this.userPath = `/${userPathOf(mailbox)}`;
	}

	/** The Graph host the host limiter and throttle profiles count. */
	get host(): string {
		return new URL(graphUrlOf(this.app)).host;
	}

	async get<T>(path: string, headers: Record<string, string> = {}): Promise<T> {
		return await this.call(() => this.client.api(this.url(path)).headers(headers).get());
	}

	/** Every item of a paged listing, following `@odata.nextLink`. */
	async list<T>(path: string, headers: Record<string, string> = {}): Promise<T[]> {
		const items: T[] = [];
		let page = await this.get<Page<T>>(path, headers);
		for (;;) {
			items.push(...page.value);
			const next = page['@odata.nextLink'];
			if (!next) return items;
			page = await this.call(() => this.client.api(next).headers(headers).get());
		}
	}

	async post<T>(path: string, body: unknown): Promise<T> {
		return await this.call(() => this.client.api(this.url(path)).post(body));
	}

	async patch<T>(path: string, body: unknown): Promise<T> {
		return await this.call(() => this.client.api(this.url(path)).patch(body));
	}

	async delete(path: string): Promise<void> {
		await this.call(() => this.client.api(this.url(path)).delete());
	}

	/** The bytes of a resource (`$value`: a message's MIME). */
	async getBytes(path: string): Promise<Buffer> {
		const data: ArrayBuffer = await this.call(() =>
			this.client
				.api(this.url(path))
				.responseType('arraybuffer' as never)
				.get(),
		);
		return Buffer.from(data);
	}

	/**
	 * Uploads `content` to an upload session in ranges of `rangeBytes`, one after the other (learn.microsoft.com/graph/
	 * outlook-large-attachments: ranges up to 4 MB, sequential PUTs with Content-Range, no Authorization header). A range
	 * that met a fault is sent again: the session tells the next range it expects, so a repeat changes nothing.
	 */
	async upload(uploadUrl: string, content: Buffer, rangeBytes: number): Promise<void> {
		let offset = 0;
		let faults = 0;
		while (offset < content.length) {
			const end = Math.min(content.length, offset + rangeBytes);
			const response = await this.limiter
				.run(end - offset, () =>
					this.https.put(
						uploadUrl,
						{
							'Content-Type': 'application/octet-stream',
							'Content-Length': String(end - offset),
							'Content-Range': `bytes ${offset}-${end - 1}/${content.length}`,
						},
						content.subarray(offset, end),
					),
				)
				.catch((error: Error): RawResponse => ({
					status: 0,
					headers: {},
					body: Buffer.from(error.message),
				}));
			if (response.status === 200 || response.status === 201 || response.status === 202) {
				offset = nextOffset(response.body, end);
				faults = 0;
				continue;
			}
			const wait = retryAfterMs(response.headers['retry-after']);
			if (
				(response.status === 0 || response.status >= 500 || response.status === 429) &&
				faults++ < 5
			) {
				if (wait) this.limiter.holdFor(wait);
				continue;
			}
			throw new GraphRequestError(
				`upload of an attachment range failed: HTTP ${response.status}`,
				response.status,
				errorCodeIn(response.body),
				wait,
			);
		}
	}

	private url(path: string): string {
		return path.startsWith('/') ? `${this.userPath}${path}` : path;
	}

	private async call<T>(request: () => Promise<T>): Promise<T> {
		try {
			return await request();
		} catch (error) {
			const failure = toGraphRequestError(error);
			if (failure.status !== 401) throw failure;
			// Refused although just renewed (GraphAuthentication renews once): not this request's fault, the app's.
			throw new GraphRequestError(
				`Microsoft 365 refused the app's token for ${this.mailbox}, a renewed one too: check the app's admin consent, Conditional Access for workload identities and revoked sessions (${failure.message})`,
				failure.status,
				failure.code,
				failure.retryAfterMs,
			);
		}
	}
}

/** Where the session wants the next range from (`nextExpectedRanges`); the end of what was sent when it does not say. */
function nextOffset(body: Buffer, sentEnd: number): number {
	try {
		const parsed = JSON.parse(body.toString('utf8')) as { nextExpectedRanges?: string[] };
		const first = parsed.nextExpectedRanges?.[0];
		if (first) return Number(first.split('-')[0]);
	} catch {
		// 201 Created may come without a body once the last range is in.
	}
	return sentEnd;
}

function errorCodeIn(body: Buffer): string | null {
	try {
		return (JSON.parse(body.toString('utf8')) as { error?: { code?: string } }).error?.code ?? null;
	} catch {
		return null;
	}
}

function toGraphRequestError(error: unknown): GraphRequestError {
	if (error instanceof GraphRequestError) return error;
	if (error instanceof GraphError) {
		const status = error.statusCode > 0 ? error.statusCode : 0;
		const wait = retryAfterMs(error.headers?.get('retry-after'));
		const code = status === 0 ? null : error.code;
		return new GraphRequestError(
			status === 0
				? `Graph did not answer: ${error.message}`
				: `Graph answered HTTP ${status}${code ? ` ${code}` : ''}: ${error.message}`,
			status,
			code,
			wait,
		);
	}
	return new GraphRequestError((error as Error).message, 0, null, null);
}
