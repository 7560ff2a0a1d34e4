/**
 * The Graph client's middleware before the network: each request within the mailbox's limits, Graph's "wait" honoured
 * (429 and 503 with Retry-After, learn.microsoft.com/graph/throttling: "wait the number of seconds specified in the
 * Retry-After header"), a refused token renewed once (401 InvalidAuthenticationToken, e.g. expired mid-run), and
 * network faults and 5xx retried only for requests whose repetition changes nothing. A POST that met a fault is not
 * repeated here: it may have been carried out, so its caller checks before trying again.
 */
import type { Context, Middleware } from '@microsoft/microsoft-graph-client';

import type { MicrosoftApp } from '../microsoft/microsoftApp';
import { acquireAppToken } from '../microsoft/appTokens';
import { graphScope } from '../microsoft/clouds';
import { backoffDelayMs, pauseUnlessAborted } from '../migration/backoff';
import type { MailboxLimiter } from './mailboxLimits';
import { GraphTransportError } from './graphHttps';

/** Pauses Graph may ask for in a row before the request is given up (and reported by its caller). */
export const MAX_SERVER_BACKOFFS = 8;

/** Repeats of an idempotent request after a network fault or a 5xx. */
export const MAX_TRANSIENT_RETRIES = 3;

const IDEMPOTENT = new Set(['GET', 'PUT', 'PATCH', 'DELETE', 'HEAD']);

/** Seconds (Graph sends seconds) or an HTTP date; null when absent or unreadable. */
export function retryAfterMs(value: string | null | undefined): number | null {
	if (!value) return null;
	const seconds = Number(value);
	if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
	const at = Date.parse(value);
	return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

/** What the policy tells its owner (the target): pauses Graph asked for, so the report counts them. */
export interface GraphRequestEvents {
	onServerBackoff?: (ms: number) => void;
}

export class GraphRequestPolicy implements Middleware {
	private next: Middleware | undefined;

	constructor(
		private readonly limiter: MailboxLimiter,
		private readonly events: GraphRequestEvents,
	) {}

	setNext(next: Middleware): void {
		this.next = next;
	}

	async execute(context: Context): Promise<void> {
		const next = this.next as Middleware;
		const method = (context.options?.method ?? 'GET').toUpperCase();
		const body = context.options?.body;
		const uploadBytes =
			method === 'GET' || body === undefined || body === null ? 0 : bodyLength(body);
		let backoffs = 0;
		let transient = 0;
		for (;;) {
			let fault: Error | null = null;
			try {
				await this.limiter.run(uploadBytes, () => next.execute(context));
			} catch (error) {
				if (!(error instanceof GraphTransportError)) throw error;
				fault = error;
			}
			const status = context.response?.status ?? 0;
			const wait = fault ? null : retryAfterMs(context.response?.headers.get('retry-after'));
			if (!fault && (status === 429 || (status === 503 && wait !== null))) {
				if (backoffs++ >= MAX_SERVER_BACKOFFS) return;
				const ms = backoffDelayMs(backoffs - 1, wait);
				this.limiter.holdFor(ms);
				this.events.onServerBackoff?.(ms);
				continue;
			}
			const transientFault = fault !== null || status >= 500;
			if (!transientFault) return;
			if (!IDEMPOTENT.has(method) || transient++ >= MAX_TRANSIENT_RETRIES) {
				if (fault) throw fault;
				return;
			}
			await pauseUnlessAborted(backoffDelayMs(transient - 1, null) / 4);
		}
	}
}

function bodyLength(body: unknown): number {
	if (typeof body === 'string') return Buffer.byteLength(body);
	if (Buffer.isBuffer(body)) return body.length;
	return 0;
}

/** Sets the app token on each request; a token Graph refuses (expired, revoked) is renewed once and sent again. */
export class GraphAuthentication implements Middleware {
	private next: Middleware | undefined;

	constructor(private readonly app: MicrosoftApp) {}

	setNext(next: Middleware): void {
		this.next = next;
	}

	async execute(context: Context): Promise<void> {
		const next = this.next as Middleware;
		const scope = graphScope(this.app);
		for (let renew = false; ; renew = true) {
			const token = await acquireAppToken(this.app, scope, { renew });
			const headers = new Headers(context.options?.headers);
			headers.set('Authorization', `Bearer ${token.accessToken}`);
			context.options = { ...context.options, headers: Object.fromEntries(headers.entries()) };
			await next.execute(context);
			if (renew || context.response?.status !== 401) return;
			const code = await errorCodeOf(context.response);
			if (code !== 'InvalidAuthenticationToken') return;
		}
	}
}

/** The `error.code` of a Graph error body, read from a copy so the client can still read the response. */
async function errorCodeOf(response: Response): Promise<string | null> {
	try {
		const body = (await response.clone().json()) as { error?: { code?: string } };
		return body.error?.code ?? null;
	} catch {
		return null;
	}
}
