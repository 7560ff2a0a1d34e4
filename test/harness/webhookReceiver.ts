/**
 * A webhook receiver on loopback HTTP for Notify CRM's tests: it records every request (method, path, headers, body,
 * when it arrived and was answered), verifies HMAC signatures, and can be told to
 * - deduplicate by `Idempotency-Key` as the IETF httpapi draft "The Idempotency-Key HTTP Header Field" describes it:
 *   the first request with a key is carried out and its answer kept; a repeat gets the kept answer again (marked
 *   `Idempotent-Replayed: true`, as Stripe marks replays) and delivers nothing; a repeat while the first is still being
 *   processed gets 409 Conflict (draft section 2.6, "Error Scenarios");
 * - answer the next requests with a script (429 with Retry-After, a 5xx), before carrying them out;
 * - hold a request until the test releases it, to make two runs overlap without racing the clock.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
	/** 1 for the first request. */
	sequence: number;
	method: string;
	path: string;
	query: URLSearchParams;
	/** Lowercased names. */
	headers: http.IncomingHttpHeaders;
	body: string;
	idempotencyKey: string | null;
	/** Epoch ms the request arrived and was answered (for ordering and lower bounds, never tight timing). */
	receivedAt: number;
	answeredAt: number;
	status: number;
	/** Carried out: it reached the user (a 2xx not replayed from an earlier request). */
	delivered: boolean;
	replayed: boolean;
}

export interface ScriptedAnswer {
	status: number;
	headers?: Record<string, string>;
	body?: string;
}

export interface Hold {
	/** Resolves with the held request as soon as it arrived. */
	reached: Promise<ReceivedRequest>;
	release(): void;
}

interface KeptAnswer {
	status: number;
	body: string;
}

export class WebhookReceiver {
	readonly name = 'webhook receiver';

	url = '';

	/** Deduplicate by Idempotency-Key (off: every request is carried out). */
	dedupByIdempotencyKey = false;

	private server: http.Server | undefined;
	private readonly log: ReceivedRequest[] = [];
	private readonly script: ScriptedAnswer[] = [];
	private readonly holds: {
		arrived: (request: ReceivedRequest) => void;
		released: Promise<void>;
	}[] = [];
	private readonly kept = new Map<string, KeptAnswer | 'processing'>();
	private delivered = 0;

	async start(): Promise<void> {
		this.server = http.createServer((request, response) => void this.serve(request, response));
		await new Promise<void>((resolve, reject) => {
			this.server?.once('error', reject);
			this.server?.listen(0, '127.0.0.1', () => resolve());
		});
		this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks/notify`;
	}

	/** The next requests are answered with these, in order, without being carried out. */
	answerNext(...answers: ScriptedAnswer[]): void {
		this.script.push(...answers);
	}

	/** The next request that is carried out waits until `release()`. */
	holdNext(): Hold {
		let arrived!: (request: ReceivedRequest) => void;
		let release!: () => void;
		const reached = new Promise<ReceivedRequest>((resolve) => (arrived = resolve));
		const released = new Promise<void>((resolve) => (release = resolve));
		this.holds.push({ arrived, released });
		return { reached, release };
	}

	requests(): ReceivedRequest[] {
		return [...this.log];
	}

	/** Requests carried out: what reached the users. */
	deliveries(): ReceivedRequest[] {
		return this.log.filter((request) => request.delivered);
	}

	/** True when `request` carries `header`: sha256=<HMAC-SHA256 of its raw body under `secret`>. */
	static signatureValid(
		request: ReceivedRequest,
		secret: string,
		header = 'x-signature-256',
	): boolean {
		const given = String(request.headers[header.toLowerCase()] ?? '');
		const expected = `sha256=${createHmac('sha256', secret).update(request.body, 'utf8').digest('hex')}`;
		return (
			given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected))
		);
	}

	private async serve(message: http.IncomingMessage, reply: http.ServerResponse): Promise<void> {
		const chunks: Buffer[] = [];
		for await (const chunk of message) chunks.push(chunk as Buffer);
		const url = new URL(message.url ?? '/', 'http://127.0.0.1');
		const key =
			typeof message.headers['idempotency-key'] === 'string'
				? message.headers['idempotency-key']
				: null;
		const entry: ReceivedRequest = {
			sequence: this.log.length + 1,
			method: message.method ?? 'GET',
			path: url.pathname,
			query: url.searchParams,
			headers: message.headers,
			body: Buffer.concat(chunks).toString('utf8'),
			idempotencyKey: key,
			receivedAt: Date.now(),
			answeredAt: 0,
			status: 0,
			delivered: false,
			replayed: false,
		};
		this.log.push(entry);
		const answer = await this.answer(entry, key);
		entry.status = answer.status;
		entry.answeredAt = Date.now();
		reply.writeHead(answer.status, { 'Content-Type': 'application/json', ...answer.headers });
		reply.end(answer.body ?? '');
	}

	private async answer(entry: ReceivedRequest, key: string | null): Promise<ScriptedAnswer> {
		const scripted = this.script.shift();
		if (scripted) return scripted;
		const dedup = this.dedupByIdempotencyKey && key !== null;
		if (dedup) {
			const kept = this.kept.get(key);
			if (kept === 'processing') {
				return {
					status: 409,
					body: JSON.stringify({ error: 'a request with this key is being processed' }),
				};
			}
			if (kept) {
				entry.replayed = true;
				return { status: kept.status, body: kept.body, headers: { 'Idempotent-Replayed': 'true' } };
			}
			this.kept.set(key, 'processing');
		}
		const hold = this.holds.shift();
		if (hold) {
			hold.arrived(entry);
			await hold.released;
		}
		this.delivered++;
		entry.delivered = true;
		const answer = { status: 200, body: JSON.stringify({ id: `msg-${this.delivered}` }) };
		if (dedup) this.kept.set(key, answer);
		return answer;
	}

	async stop(): Promise<void> {
		const server = this.server;
		if (!server) return;
		this.server = undefined;
		server.closeAllConnections();
		await new Promise<void>((resolve) => server.close(() => resolve()));
	}
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
	const receiver = new WebhookReceiver();
	await receiver.start();
	return receiver;
}
