/**
 * Graph's limits for one mailbox, kept on our side so a copy runs at the limit rather than into 429s. Outlook's
 * limits per app and mailbox (learn.microsoft.com/graph/throttling-limits, "Outlook service limits"): 10,000 requests
 * in 10 minutes, 4 concurrent requests, 150 MB uploaded (PATCH, POST, PUT) in 5 minutes. Shared by every session of
 * the mailbox in this process (the worker thread of an execution); scaled down by tests and the bench.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface GraphMailboxLimits {
	concurrentRequests: number;
	requestsPerWindow: number;
	requestWindowMs: number;
	uploadBytesPerWindow: number;
	uploadWindowMs: number;
}

export const GRAPH_MAILBOX_LIMITS: GraphMailboxLimits = {
	concurrentRequests: 4,
	requestsPerWindow: 10_000,
	requestWindowMs: 10 * 60_000,
	// "150 MB": decimal, as the emulator counts it too; a binary reading would run 5 % over.
	uploadBytesPerWindow: 150_000_000,
	uploadWindowMs: 5 * 60_000,
};

/** What one request spent of a window, stamped when it was sent and again when it was answered. */
interface Spend {
	at: number;
	amount: number;
}

/**
 * A sliding window: what was spent when, so a new spend waits until the window holds room for it. A spend counts from
 * when its answer came: Graph counted the request somewhere between send and answer, so the answer's time never
 * frees room before Graph's own window does.
 */
class SlidingWindow {
	private spent: Spend[] = [];

	constructor(
		private readonly limit: number,
		private readonly windowMs: number,
	) {}

	/** Epoch ms from which `amount` fits; an amount over the whole limit waits for an empty window. */
	private fitsAt(amount: number, now: number): number {
		this.spent = this.spent.filter((entry) => entry.at + this.windowMs > now);
		let room = this.limit - this.spent.reduce((sum, entry) => sum + entry.amount, 0);
		if (room >= amount || this.spent.length === 0) return now;
		const byTime = [...this.spent].sort((a, b) => a.at - b.at);
		for (const entry of byTime) {
			room += entry.amount;
			if (room >= amount) return entry.at + this.windowMs;
		}
		return byTime[byTime.length - 1].at + this.windowMs;
	}

	async spend(amount: number): Promise<Spend> {
		for (;;) {
			const now = Date.now();
			const at = this.fitsAt(amount, now);
			if (at <= now) break;
			await sleep(at - now);
		}
		const entry = { at: Date.now(), amount };
		this.spent.push(entry);
		return entry;
	}
}

/** The limits of one mailbox: a slot of its concurrency, a request of its window, bytes of its upload window. */
export class MailboxLimiter {
	private active = 0;

	private readonly waiting: (() => void)[] = [];

	private readonly requests: SlidingWindow;

	private readonly uploads: SlidingWindow;

	/** Until when (epoch ms) Graph asked this mailbox to pause (Retry-After): no request starts before. */
	private holdUntil = 0;

	constructor(readonly limits: GraphMailboxLimits) {
		this.requests = new SlidingWindow(limits.requestsPerWindow, limits.requestWindowMs);
		this.uploads = new SlidingWindow(limits.uploadBytesPerWindow, limits.uploadWindowMs);
	}

	/** Runs one request within the limits; `uploadBytes`: what it sends that counts toward the upload limit. */
	async run<T>(uploadBytes: number, request: () => Promise<T>): Promise<T> {
		await this.acquire();
		try {
			for (let wait = this.holdUntil - Date.now(); wait > 0; wait = this.holdUntil - Date.now()) {
				await sleep(wait);
			}
			const spends = [await this.requests.spend(1)];
			if (uploadBytes > 0) spends.push(await this.uploads.spend(uploadBytes));
			try {
				return await request();
			} finally {
				for (const spend of spends) spend.at = Date.now();
			}
		} finally {
			this.release();
		}
	}

	/** Graph said to wait: every request of the mailbox waits, not just the one refused. */
	holdFor(ms: number): void {
		this.holdUntil = Math.max(this.holdUntil, Date.now() + ms);
	}

	private async acquire(): Promise<void> {
		if (this.active < this.limits.concurrentRequests) {
			this.active++;
			return;
		}
		await new Promise<void>((resolve) => this.waiting.push(resolve));
	}

	private release(): void {
		const next = this.waiting.shift();
		if (next) next();
		else this.active--;
	}
}

const limiters = new Map<string, MailboxLimiter>();

/** The one limiter of an app's access to a mailbox in this process. */
export function mailboxLimiterFor(
	appKey: string,
	mailbox: string,
	limits: GraphMailboxLimits = GRAPH_MAILBOX_LIMITS,
): MailboxLimiter {
	const key = JSON.stringify([appKey, mailbox.toLowerCase(), limits]);
	let limiter = limiters.get(key);
	if (!limiter) {
		limiter = new MailboxLimiter(limits);
		limiters.set(key, limiter);
	}
	return limiter;
}
