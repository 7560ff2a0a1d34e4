/**
 * The request pipeline every Graph call goes through, top-level or inside a $batch: faults → authentication →
 * permission → mailbox resolution → Outlook's limits → holds → the route's handler → counters.
 */
import type { EmulatorRequest, EmulatorResponse } from '../server';
import type { AccessTokenClaims, TokenSigner } from '../tokens';
import type { FaultInjector } from './faults';
import {
	authenticate,
	hasAnyRole,
	MAIL_READ_ROLES,
	MAIL_WRITE_ROLES,
	USER_READ_ROLES,
	type TokenRevocations,
} from './graphAuth';
import { graphError, graphErrors } from './graphErrors';
import type { MailboxLimiter } from './limits';
import type { Mailbox, MailboxStore } from './mailboxStore';

export interface GraphContext {
	request: EmulatorRequest;
	params: string[];
	/** The mailbox of `/users/{id}/…` (mail and directory routes) or of the upload session. */
	mailbox: Mailbox;
	claims: AccessTokenClaims | null;
	/** The emulator's origin, for nextLinks and upload URLs. */
	baseUrl: string;
}

interface RouteCommon {
	method: string;
	/** Matched against the path after /v1.0 (or the whole path for `scope: 'upload'`). */
	pattern: RegExp;
	/** The route as counters and fault rules name it. */
	name: string;
	/** Application permissions the API accepts (its page's table); the scope's defaults when absent. */
	roles?: readonly string[];
}

/** What a tenant-wide route (no `/users/{id}` mailbox: POST /users, /subscribedSkus) is handed. */
export type TenantContext = Omit<GraphContext, 'mailbox'>;

export type GraphRoute =
	| (RouteCommon & {
			/** mail: Outlook mailbox data; directory: the user object; upload: a pre-authenticated upload-session URL. */
			scope: 'mail' | 'directory' | 'upload';
			/** For upload routes: the mailbox (and app) the URL's own credential grants, or a refusal. */
			authorizeUpload?: (
				request: EmulatorRequest,
				params: string[],
			) => { mailbox: Mailbox; appId: string } | { refused: EmulatorResponse };
			handler: (context: GraphContext) => EmulatorResponse | Promise<EmulatorResponse>;
	  })
	| (RouteCommon & {
			/** Tenant-wide directory data: no mailbox is resolved and Outlook's per-mailbox limits do not apply. */
			scope: 'tenant';
			handler: (context: TenantContext) => EmulatorResponse | Promise<EmulatorResponse>;
	  })
	| (RouteCommon & {
			/** The $batch envelope: authenticated here; its requests pass the pipeline one by one. */
			scope: 'batch';
			envelope: (request: EmulatorRequest, claims: AccessTokenClaims) => Promise<EmulatorResponse>;
	  });

export interface GraphCounters {
	/** 'METHOD route status' → count. */
	requests: Record<string, number>;
	throttled: number;
	/** Per mailbox UPN: the most requests that were in flight at once, and bytes uploaded (PATCH/POST/PUT bodies). */
	mailboxes: Record<string, { maxConcurrency: number; uploadedBytes: number; throttled: number }>;
}

export interface GraphServiceDependencies {
	store: MailboxStore;
	limiter: MailboxLimiter;
	faults: FaultInjector;
	/** Told of every mail request to a mailbox not ready yet, before it is refused (readiness driven by polls). */
	mailboxPolled?: (mailbox: Mailbox) => void;
	signer: TokenSigner;
	revocations: TokenRevocations;
	tenantId: () => string;
	baseUrl: () => string;
}

const WRITE_METHODS = ['POST', 'PATCH', 'PUT'];

export class GraphService {
	private readonly routes: GraphRoute[] = [];

	private readonly counts = new Map<string, number>();

	private throttled = 0;

	constructor(private readonly deps: GraphServiceDependencies) {}

	add(route: GraphRoute): void {
		this.routes.push(route);
	}

	private find(method: string, path: string): { route: GraphRoute; params: string[] } | undefined {
		for (const route of this.routes) {
			if (route.method !== method) continue;
			const match = route.pattern.exec(path);
			if (match) return { route, params: match.slice(1).map((part) => decodeURIComponent(part)) };
		}
		return undefined;
	}

	private count(name: string, status: number | 'reset'): void {
		const key = `${name} ${status}`;
		this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
		if (status === 429) this.throttled += 1;
	}

	/**
	 * Serves one request. `relativePath` is the path after /v1.0 (or the whole path of an upload URL); `topLevel` is
	 * false inside a $batch, where a reset cannot apply to one sub-request.
	 */
	async handle(
		request: EmulatorRequest,
		relativePath: string,
		topLevel: boolean,
	): Promise<EmulatorResponse> {
		const keyed = userKeyPath(relativePath);
		if (typeof keyed !== 'string') {
			this.count(`${request.method} bad user segment`, keyed.status);
			return keyed;
		}
		const found = this.find(request.method, keyed);
		if (!found) {
			// Graph answers an unknown segment with 400 BadRequest "Resource not found for the segment …".
			const response = graphErrors.notFoundSegment(relativePath.split('/').at(-1) ?? '');
			this.count(`${request.method} unknown`, response.status);
			return response;
		}
		const { route, params } = found;
		const routeName = `${route.method} ${route.name}`;
		const response = await this.run(request, route, params, topLevel);
		this.count(routeName, response.reset ? 'reset' : response.status);
		// Which requests named their user by OData's key in parentheses.
		if (keyed !== relativePath) {
			this.count(`${routeName} by key`, response.reset ? 'reset' : response.status);
		}
		return response;
	}

	private async run(
		request: EmulatorRequest,
		route: GraphRoute,
		params: string[],
		topLevel: boolean,
	): Promise<EmulatorResponse> {
		const matched = { route: route.name, method: request.method, path: request.path };
		const kinds: ('status' | 'reset')[] = topLevel ? ['status', 'reset'] : ['status'];
		const fault = this.deps.faults.take(matched, kinds);
		if (fault?.kind === 'status') {
			const retry =
				fault.retryAfterSeconds === undefined
					? undefined
					: { 'Retry-After': String(fault.retryAfterSeconds) };
			return graphError(
				fault.status,
				fault.code ?? (fault.status === 503 ? 'ServiceUnavailable' : 'InternalServerError'),
				'Injected failure.',
				retry,
			);
		}
		if (fault?.kind === 'reset' && fault.when === 'before')
			return { status: 0, body: undefined, reset: true };

		let mailbox: Mailbox;
		let claims: AccessTokenClaims | null = null;
		let appId: string;
		if (route.scope === 'upload') {
			const granted = route.authorizeUpload?.(request, params);
			if (!granted) return graphErrors.tokenMissing();
			if ('refused' in granted) return granted.refused;
			mailbox = granted.mailbox;
			appId = granted.appId;
		} else {
			const authentication = authenticate(
				request.headers,
				this.deps.signer,
				this.deps.tenantId(),
				this.deps.revocations,
			);
			if ('refused' in authentication) return authentication.refused;
			claims = authentication.claims;
			appId = claims.appid;
			if (route.scope === 'batch') {
				const response = await route.envelope(request, claims);
				return fault?.kind === 'reset' ? { status: 0, body: undefined, reset: true } : response;
			}
			const roles =
				route.roles ??
				(route.scope === 'directory' || route.scope === 'tenant'
					? USER_READ_ROLES
					: request.method === 'GET'
						? MAIL_READ_ROLES
						: MAIL_WRITE_ROLES);
			if (!hasAnyRole(claims, roles)) {
				return route.scope === 'mail' ? graphErrors.accessDenied() : graphErrors.directoryDenied();
			}
			if (route.scope === 'tenant') {
				await this.deps.faults.passHolds(matched);
				const response = await route.handler({
					request,
					params,
					claims,
					baseUrl: this.deps.baseUrl(),
				});
				return fault?.kind === 'reset' ? { status: 0, body: undefined, reset: true } : response;
			}
			const found = this.deps.store.find(params[0]);
			if (!found) {
				return route.scope === 'directory'
					? graphErrors.userNotFound(params[0])
					: graphErrors.invalidUser(params[0]);
			}
			if (route.scope === 'mail' && !found.ready) this.deps.mailboxPolled?.(found);
			if (route.scope === 'mail' && !found.ready) return graphErrors.mailboxNotEnabled();
			mailbox = found;
		}

		const uploadBytes = WRITE_METHODS.includes(request.method) ? request.raw.length : 0;
		const admission = this.deps.limiter.admit(`${appId}|${mailbox.userPrincipalName}`, uploadBytes);
		if ('refused' in admission) return admission.refused;
		let response: EmulatorResponse;
		try {
			await this.deps.faults.passHolds(matched);
			response = await route.handler({
				request,
				params,
				mailbox,
				claims,
				baseUrl: this.deps.baseUrl(),
			});
		} finally {
			admission.release();
		}
		// Processed, then the connection drops: the write happened and the client never hears of it.
		if (fault?.kind === 'reset') return { status: 0, body: undefined, reset: true };
		return response;
	}

	counters(): GraphCounters {
		const mailboxes: GraphCounters['mailboxes'] = {};
		for (const [key, usage] of Object.entries(this.deps.limiter.snapshot())) {
			const upn = key.slice(key.indexOf('|') + 1);
			const current = mailboxes[upn];
			mailboxes[upn] = current
				? {
						maxConcurrency: Math.max(current.maxConcurrency, usage.maxConcurrency),
						uploadedBytes: current.uploadedBytes + usage.uploadedBytes,
						throttled: current.throttled + usage.throttled,
					}
				: usage;
		}
		return { requests: Object.fromEntries(this.counts), throttled: this.throttled, mailboxes };
	}

	resetCounters(): void {
		this.counts.clear();
		this.throttled = 0;
	}
}

/**
 * One user addressed as OData's key in parentheses, `/users('{userPrincipalName}')`, its quotes doubled (user-get
 * documents it for a UPN beginning with `$`), served as `/users/{upn}`. A bare `/users/$…` segment is refused as Graph
 * does: it reads `$…` as a system segment (msgraph-sdk-dotnet #2635 quotes the answer).
 */
function userKeyPath(path: string): string | EmulatorResponse {
	const keyed = /^\/users\(([^)/]*)\)(\/.*)?$/.exec(path);
	if (keyed) {
		const literal = /^'((?:[^']|'')*)'$/.exec(decodeURIComponent(keyed[1]));
		if (!literal) return graphErrors.badRequest(`Bad Request - Error in query syntax.`);
		return `/users/${encodeURIComponent(literal[1].replace(/''/g, "'"))}${keyed[2] ?? ''}`;
	}
	const segment = /^\/users\/([^/]+)/.exec(path);
	if (segment && decodeURIComponent(segment[1]).startsWith('$')) {
		return graphErrors.badRequest(
			"The request URI is not valid. Since the segment 'users' refers to a collection, this must be the last segment in the request URI or it must be followed by an function or action that can be bound to it otherwise all intermediate segments must refer to a single resource.",
		);
	}
	return path;
}
