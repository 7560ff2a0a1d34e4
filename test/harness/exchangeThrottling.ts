/**
 * An Exchange Online-like throttling policy for the throttling proxy: one mailbox's budget of APPENDed messages
 * and/or bytes per second, refilled continuously. Over budget an APPEND is answered, as Exchange answers it,
 * `NO Request is throttled. Suggested Backoff Time: N milliseconds` (no response code; N = the time until the budget
 * allows that APPEND), and after `throttledInARow` such answers on one connection the next over-budget command ends
 * the session with `* BYE Connection closed. 14`, as Exchange does. MULTIAPPEND is taken out of the capabilities
 * (Exchange does not offer it), so every APPEND carries one message and its literal is its size.
 *
 *   const exchange = exchangeThrottling({ messagesPerSecond: 20, throttledInARow: 5 });
 *   const proxy = await startThrottlingProxy(target.port, exchange.rules);
 *   ... exchange.counts.throttled, .disconnects, .admitted
 *
 * Sources: the throttle text on APPEND (imapsync/imapsync#198, imapsync's FAQ.Office365 quoted in #272: "Request is
 * throttled. Suggested Backoff Time: 299961 milliseconds" … "before being disconnected"), the answer followed by
 * `* BYE Connection closed. 14` (simonrob/email-oauth2-proxy#191; same text in jstedfast/MailKit#849, whose capture
 * also shows Exchange's CAPABILITY without MULTIAPPEND), budgets that recharge with time rather than fixed quotas
 * (Exchange Online throttling FAQ, blogs.msdn.com/b/exchangedev 2011-06-23), ~10 errors before the session is closed
 * and imapsync's `--office2` pace of 4 msgs/s (shared notes, imapsync FAQ.Office365). Real budgets are undocumented
 * and their hints run to minutes; here both are configurable so a test runs in seconds.
 */
import { rewriteResponseLines, type Action, type ThrottleRule } from './throttleRules';

export interface ExchangeThrottlingOptions {
	/** Messages APPENDed per second the mailbox's budget allows; unlimited when absent. */
	messagesPerSecond?: number;
	/** Bytes (APPEND literal sizes) per second; unlimited when absent. */
	bytesPerSecond?: number;
	/** How much the budget holds when full, in seconds of its rate: the burst a rested mailbox may take. Default 1. */
	burstSeconds?: number;
	/** Throttled answers in a row on one connection before the next over-budget command gets the BYE. Default 10. */
	throttledInARow?: number;
	/** Milliseconds clock; default performance.now-like monotonic time. */
	now?: () => number;
}

export interface ExchangeThrottlingCounts {
	/** APPENDs the budget let through to the server. */
	admitted: number;
	/** APPENDs answered `NO Request is throttled…`. */
	throttled: number;
	/** Sessions ended with the BYE. */
	disconnects: number;
	/** The Suggested Backoff Times sent, in milliseconds, in order. */
	hintsMs: number[];
}

export interface ExchangeThrottling {
	/** The proxy's rule script: the budget on APPEND, and the capabilities without MULTIAPPEND. */
	rules: ThrottleRule[];
	readonly counts: ExchangeThrottlingCounts;
}

/** One rate of the budget: a level in units, refilled at `rate` per second up to `capacity`. */
class Bucket {
	private level: number;
	private at: number;

	constructor(
		private readonly rate: number,
		private readonly capacity: number,
		private readonly now: () => number,
	) {
		this.level = capacity;
		this.at = now();
	}

	private refill(): void {
		const now = this.now();
		this.level = Math.min(this.capacity, this.level + ((now - this.at) * this.rate) / 1000);
		this.at = now;
	}

	/** Milliseconds until `cost` fits (a cost above the capacity fits a full bucket, then leaves it in debt). */
	waitFor(cost: number): number {
		this.refill();
		const needed = Math.min(cost, this.capacity) - this.level;
		return needed > 0 ? (needed * 1000) / this.rate : 0;
	}

	take(cost: number): void {
		this.level -= cost;
	}
}

/** `{123}` or `{123+}` at the end of an APPEND's first line: the size of its (single) message. */
const LITERAL_SIZE = /\{(\d+)\+?\}\r\n$/;

export function exchangeThrottling(options: ExchangeThrottlingOptions): ExchangeThrottling {
	const now = options.now ?? (() => performance.now());
	const burst = options.burstSeconds ?? 1;
	const inARow = options.throttledInARow ?? 10;
	const budgets: { bucket: Bucket; cost: (line: string) => number }[] = [];
	if (options.messagesPerSecond !== undefined) {
		const rate = options.messagesPerSecond;
		budgets.push({ bucket: new Bucket(rate, Math.max(1, rate * burst), now), cost: () => 1 });
	}
	if (options.bytesPerSecond !== undefined) {
		const rate = options.bytesPerSecond;
		budgets.push({
			bucket: new Bucket(rate, rate * burst, now),
			cost: (line) => Number(LITERAL_SIZE.exec(line)?.[1] ?? 0),
		});
	}
	if (budgets.length === 0)
		throw new Error('an Exchange budget needs messagesPerSecond or bytesPerSecond');

	const counts: ExchangeThrottlingCounts = {
		admitted: 0,
		throttled: 0,
		disconnects: 0,
		hintsMs: [],
	};
	/** Throttled answers in a row, per connection. */
	const refusedInARow = new Map<number, number>();

	/** An APPEND's fate: null lets it on to the server. */
	const decide = (connection: number, name: string, line: string): Action | null => {
		if (name !== 'APPEND') return null;
		const waitMs = Math.max(...budgets.map(({ bucket, cost }) => bucket.waitFor(cost(line))));
		if (waitMs === 0) {
			for (const { bucket, cost } of budgets) bucket.take(cost(line));
			refusedInARow.set(connection, 0);
			counts.admitted++;
			return null;
		}
		const refused = refusedInARow.get(connection) ?? 0;
		if (refused >= inARow) {
			counts.disconnects++;
			refusedInARow.delete(connection);
			return { kind: 'bye', response: 'Connection closed. 14', abrupt: false };
		}
		refusedInARow.set(connection, refused + 1);
		const hintMs = Math.max(1, Math.ceil(waitMs));
		counts.throttled++;
		counts.hintsMs.push(hintMs);
		return {
			kind: 'refuse',
			response: `Request is throttled. Suggested Backoff Time: ${hintMs} milliseconds`,
		};
	};

	return {
		rules: [
			{ kind: 'session', decide },
			rewriteResponseLines((line) => line.replace(/ MULTIAPPEND(?=[ \]\r])/i, '')),
		],
		counts,
	};
}
