/**
 * Outlook's limits per app and mailbox (learn.microsoft.com/graph/throttling-limits "Outlook service limits"): 10,000
 * requests in 10 minutes, 150 MB uploaded (PATCH, POST, PUT bodies) in 5 minutes, and 4 concurrent requests. Older
 * revisions of that page put the concurrency per app+mailbox, newer ones per app; the issue and the target plan per
 * mailbox, so that is what we enforce. Over a limit Graph answers 429 with Retry-After in seconds
 * (learn.microsoft.com/graph/throttling). Windows slide; a request refused does not count against the budget (the docs
 * are silent; counting it would punish a client that honours Retry-After for its earlier mistake only).
 * Everything is scalable so tests and the bench run in seconds.
 */
import type { EmulatorResponse } from '../server';
import { graphErrors } from './graphErrors';

export interface GraphLimits {
	concurrentPerMailbox: number;
	requestsPerWindow: number;
	windowMs: number;
	uploadBytesPerWindow: number;
	uploadWindowMs: number;
	/** Retry-After of a MailboxConcurrency 429 (Graph gives one; its value is not documented). */
	concurrencyRetryAfterSeconds: number;
}

export const GRAPH_DEFAULT_LIMITS: GraphLimits = {
	concurrentPerMailbox: 4,
	requestsPerWindow: 10_000,
	windowMs: 600_000,
	uploadBytesPerWindow: 150e6,
	uploadWindowMs: 300_000,
	concurrencyRetryAfterSeconds: 1,
};

interface MailboxUsage {
	inFlight: number;
	maxInFlight: number;
	requests: number[];
	uploads: { at: number; bytes: number }[];
	uploadedBytes: number;
	throttled: number;
}

export type Admission = { release: () => void } | { refused: EmulatorResponse };

const secondsUntil = (at: number, now: number): number => Math.max(1, Math.ceil((at - now) / 1000));

export class MailboxLimiter {
	limits: GraphLimits = { ...GRAPH_DEFAULT_LIMITS };

	private readonly usage = new Map<string, MailboxUsage>();

	set(limits: Partial<GraphLimits>): void {
		this.limits = { ...this.limits, ...limits };
	}

	private usageOf(key: string): MailboxUsage {
		let usage = this.usage.get(key);
		if (!usage) {
			usage = {
				inFlight: 0,
				maxInFlight: 0,
				requests: [],
				uploads: [],
				uploadedBytes: 0,
				throttled: 0,
			};
			this.usage.set(key, usage);
		}
		return usage;
	}

	/** Admits one request of `uploadBytes` body bytes (0 for GET/DELETE) for an app+mailbox key, or refuses it. */
	admit(key: string, uploadBytes: number): Admission {
		const now = Date.now();
		const usage = this.usageOf(key);
		const { limits } = this;
		const refuse = (response: EmulatorResponse): Admission => {
			usage.throttled += 1;
			return { refused: response };
		};
		if (usage.inFlight >= limits.concurrentPerMailbox) {
			return refuse(
				graphErrors.throttled('MailboxConcurrency', limits.concurrencyRetryAfterSeconds),
			);
		}
		usage.requests = usage.requests.filter((at) => at > now - limits.windowMs);
		if (usage.requests.length >= limits.requestsPerWindow) {
			const frees = usage.requests[usage.requests.length - limits.requestsPerWindow];
			return refuse(graphErrors.throttled('Requests', secondsUntil(frees + limits.windowMs, now)));
		}
		usage.uploads = usage.uploads.filter((entry) => entry.at > now - limits.uploadWindowMs);
		const inWindow = usage.uploads.reduce((total, entry) => total + entry.bytes, 0);
		// An empty window admits any one request, so a body larger than a (scaled-down) limit cannot starve.
		if (uploadBytes > 0 && inWindow > 0 && inWindow + uploadBytes > limits.uploadBytesPerWindow) {
			let remaining = inWindow;
			let frees = now;
			for (const entry of usage.uploads) {
				remaining -= entry.bytes;
				frees = entry.at + limits.uploadWindowMs;
				if (remaining === 0 || remaining + uploadBytes <= limits.uploadBytesPerWindow) break;
			}
			return refuse(graphErrors.throttled('IncomingBytes', secondsUntil(frees, now)));
		}
		usage.requests.push(now);
		if (uploadBytes > 0) {
			usage.uploads.push({ at: now, bytes: uploadBytes });
			usage.uploadedBytes += uploadBytes;
		}
		usage.inFlight += 1;
		usage.maxInFlight = Math.max(usage.maxInFlight, usage.inFlight);
		let released = false;
		return {
			release: () => {
				if (released) return;
				released = true;
				usage.inFlight -= 1;
			},
		};
	}

	/** Per app+mailbox key: the most requests seen in flight at once, bytes uploaded and 429s answered. */
	snapshot(): Record<string, { maxConcurrency: number; uploadedBytes: number; throttled: number }> {
		const result: Record<
			string,
			{ maxConcurrency: number; uploadedBytes: number; throttled: number }
		> = {};
		for (const [key, usage] of this.usage) {
			result[key] = {
				maxConcurrency: usage.maxInFlight,
				uploadedBytes: usage.uploadedBytes,
				throttled: usage.throttled,
			};
		}
		return result;
	}

	reset(): void {
		this.usage.clear();
		this.limits = { ...GRAPH_DEFAULT_LIMITS };
	}
}
