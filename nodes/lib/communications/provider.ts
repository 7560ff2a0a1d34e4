/**
 * What a communication provider (a webhook, Dynamics 365, ...) is to the sender: it sends one rendered message of
 * one stage, with the stage's idempotency key, and answers with its reference or a ProviderError carrying its answer.
 * Also the waiting every provider shares: a server's "too many requests" (429, or 503 with Retry-After) is waited out
 * as long as it asks, within bounds; other server errors and network faults are repeated only where the provider
 * says a repeat is safe.
 */
import { retryAfterMs } from '../graph/graphRequestPolicy';
import { backoffDelayMs, pauseUnlessAborted } from '../migration/backoff';
import {
	httpExchange,
	HttpTransportError,
	type HttpExchangeRequest,
	type HttpExchangeResponse,
} from './httpExchange';

export interface OutgoingMessage {
	migrationId: string;
	/** The normalized address: the ledger's name for the user. */
	recipient: string;
	name: string;
	stage: string;
	subject: string;
	body: string;
	idempotencyKey: string;
	/** ISO 8601: the stage's moment. */
	dueAt: string;
	/** YYYY-MM-DD. */
	migrationDate: string;
	timeZone: string;
}

export interface ProviderReceipt {
	/** The provider's name for what it created (an activity id, a request id), or null. */
	reference: string | null;
	/** The provider already had this message (an earlier try got through): nothing new was delivered. */
	duplicate: boolean;
	/** Pauses the provider asked for (429 / Retry-After) before it accepted. */
	waits: number;
}

/** How the sender steers one send. */
export interface SendControl {
	signal?: AbortSignal;
	/**
	 * Called before every request and every wait of the send; it throws to stop the send (the stage's claim was taken
	 * over by another run), so a stage that waits long on a server never sends after its claim passed to another run.
	 */
	beforeEachStep?: () => Promise<void>;
}

export interface CommunicationProvider {
	send(message: OutgoingMessage, control?: SendControl): Promise<ProviderReceipt>;
}

/** The provider refused or could not be reached; `answer` is what it said (status, code, text), free of secrets. */
export class ProviderError extends Error {
	constructor(
		message: string,
		readonly answer: string,
		readonly status: number | null,
	) {
		super(message);
		this.name = 'ProviderError';
	}
}

/** Pauses a server may ask for in a row before the message is given up for this run. */
export const MAX_THROTTLE_WAITS = 5;

/**
 * Longest single pause taken on a server's word. Dataverse asks for up to 5 minutes after its execution-time limit
 * (learn.microsoft.com/power-apps/developer/data-platform/api-limits: 20 minutes of execution time per 5-minute
 * window), so a stage waits that long at most, then fails and is tried again by the next run.
 */
export const MAX_THROTTLE_WAIT_MS = 5 * 60_000;

/** Repeats of a request after a network fault or a 5xx, when repeating it is safe. */
export const MAX_SERVER_ERROR_RETRIES = 3;

export interface ExchangePolicy extends SendControl {
	/** True when sending the request again changes nothing (a GET, or a create keyed by our own id). */
	repeatable: boolean;
	/** Values that must never reach an answer (tokens, keys, credential values). */
	secrets: readonly string[];
	onWait?: (ms: number) => void;
}

/** `text` with every secret replaced; secrets shorter than 4 characters are too common to be told apart. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
	let redacted = text;
	for (const secret of secrets) {
		if (secret && secret.length >= 4) redacted = redacted.split(secret).join('[redacted]');
	}
	return redacted;
}

/** The answer of a response as a person reads it: status and the start of the body, secrets removed. */
export function answerOf(response: HttpExchangeResponse, secrets: readonly string[]): string {
	const body = response.body.replace(/\s+/g, ' ').trim().slice(0, 500);
	return redactSecrets(`HTTP ${response.status}${body ? `: ${body}` : ''}`, secrets);
}

export async function exchangeWithWaits(
	request: HttpExchangeRequest,
	policy: ExchangePolicy,
): Promise<HttpExchangeResponse> {
	let waits = 0;
	let faults = 0;
	for (;;) {
		if (policy.signal?.aborted) {
			throw new ProviderError('the execution was cancelled', 'cancelled before an answer', null);
		}
		await policy.beforeEachStep?.();
		let response: HttpExchangeResponse;
		try {
			response = await httpExchange(request);
		} catch (error) {
			if (!(error instanceof HttpTransportError)) throw error;
			const answer = redactSecrets(error.message, policy.secrets);
			if (!policy.repeatable || faults++ >= MAX_SERVER_ERROR_RETRIES) {
				throw new ProviderError(`no answer from ${new URL(request.url).host}`, answer, null);
			}
			await pauseUnlessAborted(backoffDelayMs(faults - 1, null) / 4, policy.signal);
			continue;
		}
		const hint = retryAfterMs(response.headers['retry-after']);
		if (response.status === 429 || (response.status === 503 && hint !== null)) {
			if (hint !== null && hint > MAX_THROTTLE_WAIT_MS) {
				throw new ProviderError(
					`the server asked to wait ${Math.round(hint / 1000)} s, longer than the ${MAX_THROTTLE_WAIT_MS / 1000} s a stage waits; the next run tries again`,
					answerOf(response, policy.secrets),
					response.status,
				);
			}
			if (waits++ >= MAX_THROTTLE_WAITS) {
				throw new ProviderError(
					`still throttled after ${MAX_THROTTLE_WAITS} waits; the next run tries again`,
					answerOf(response, policy.secrets),
					response.status,
				);
			}
			const ms = backoffDelayMs(waits - 1, hint);
			await policy.beforeEachStep?.();
			policy.onWait?.(ms);
			await pauseUnlessAborted(ms, policy.signal);
			continue;
		}
		if (response.status >= 500 && policy.repeatable && faults++ < MAX_SERVER_ERROR_RETRIES) {
			await pauseUnlessAborted(backoffDelayMs(faults - 1, null) / 4, policy.signal);
			continue;
		}
		return response;
	}
}
