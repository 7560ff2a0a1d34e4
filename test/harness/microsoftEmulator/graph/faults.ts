/**
 * Injected failures and holds for tests. A fault rule matches requests by route name (e.g.
 * `POST /users/{id}/mailFolders/{id}/messages`) or by method and a path pattern, and fires on the next `count` of them:
 * an HTTP status (5xx, or 503/429 with Retry-After), or a connection reset either before the request is processed
 * (nothing happened) or after (the write happened, the client never hears) — so a client must find out which.
 * A hold keeps matching requests in flight (occupying their concurrency slot) until released, to drive concurrency
 * deterministically instead of by timing.
 */
export interface RequestMatch {
	/** Route name as counters() reports it, e.g. 'POST /users/{id}/mailFolders/{id}/messages'. */
	route?: string;
	method?: string;
	/** Tested against the request path (with its /v1.0 prefix). */
	path?: RegExp;
}

export type Fault =
	| { kind: 'status'; status: number; code?: string; retryAfterSeconds?: number }
	| { kind: 'reset'; when: 'before' | 'after' };

export interface FaultRule extends RequestMatch {
	count: number;
	fault: Fault;
}

export interface MatchedRequest {
	route: string;
	method: string;
	path: string;
}

const matches = (match: RequestMatch, request: MatchedRequest): boolean =>
	(match.route === undefined || match.route === request.route) &&
	(match.method === undefined || match.method.toUpperCase() === request.method) &&
	(match.path === undefined || match.path.test(request.path));

export interface Hold {
	/** How many requests are being held now. */
	readonly held: number;
	/** Resolves once `count` requests are held at once. */
	waitForHeld(count: number): Promise<void>;
	/** Lets every held request (and any later one) through. */
	release(): void;
}

interface HoldState extends RequestMatch {
	held: number;
	released: boolean;
	waiters: (() => void)[];
	watchers: { count: number; resolve: () => void }[];
}

export class FaultInjector {
	private rules: FaultRule[] = [];

	private holds: HoldState[] = [];

	inject(rules: FaultRule[]): void {
		this.rules.push(...rules.map((rule) => ({ ...rule })));
	}

	/** Takes the fault the next matching request gets, if any (each fires `count` times). */
	take(request: MatchedRequest, kinds: Fault['kind'][]): Fault | undefined {
		const rule = this.rules.find(
			(candidate) =>
				candidate.count > 0 && kinds.includes(candidate.fault.kind) && matches(candidate, request),
		);
		if (!rule) return undefined;
		rule.count -= 1;
		return rule.fault;
	}

	pending(): number {
		return this.rules.reduce((total, rule) => total + rule.count, 0);
	}

	hold(match: RequestMatch): Hold {
		const state: HoldState = { ...match, held: 0, released: false, waiters: [], watchers: [] };
		this.holds.push(state);
		return {
			get held() {
				return state.held;
			},
			waitForHeld: (count) =>
				new Promise<void>((resolve) => {
					if (state.held >= count) resolve();
					else state.watchers.push({ count, resolve });
				}),
			release: () => {
				state.released = true;
				for (const waiter of state.waiters.splice(0)) waiter();
				this.holds = this.holds.filter((candidate) => candidate !== state);
			},
		};
	}

	/** Waits while a hold matches the request. */
	async passHolds(request: MatchedRequest): Promise<void> {
		const state = this.holds.find(
			(candidate) => !candidate.released && matches(candidate, request),
		);
		if (!state) return;
		state.held += 1;
		for (const watcher of state.watchers.filter((candidate) => state.held >= candidate.count)) {
			watcher.resolve();
		}
		state.watchers = state.watchers.filter((candidate) => state.held < candidate.count);
		await new Promise<void>((resolve) => state.waiters.push(resolve));
		state.held -= 1;
	}

	reset(): void {
		this.rules = [];
		for (const state of this.holds) for (const waiter of state.waiters.splice(0)) waiter();
		this.holds = [];
	}
}
