/**
 * App-only access tokens by client credentials, cached per app identity and scope in this process or worker thread.
 *
 * MSAL is asked with `skipCache: true` and the cache is ours: MSAL treats a token within 5 minutes of expiry as expired,
 * which would make every short lifetime (tests, or a tenant policy) a fresh request. We renew when less than
 * min(5 min, a quarter of the lifetime) remains. Entra issues no refresh token in this flow; a new request is the renewal
 * (learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow).
 */
import type { MicrosoftApp } from './microsoftApp';
import { appIdentityKey, msalClientFor } from './msalClients';
import { readTokenClaims } from './tokenClaims';
import { toMicrosoftTokenError } from './tokenErrors';

export interface AppToken {
	accessToken: string;
	/** Epoch ms. */
	expiresAt: number;
	tenantId?: string;
	/** Application permissions in the token (`roles`); empty when none was consented for the resource. */
	roles: string[];
}

export type FetchAppToken = (app: MicrosoftApp, scope: string) => Promise<AppToken>;

const MAX_RENEW_MARGIN_MS = 5 * 60_000;

interface CacheEntry {
	token: AppToken;
	renewAt: number;
}

export interface TokenOptions {
	/** Skips the cache. */
	renew?: boolean;
	/**
	 * The token the resource refused: renewed, unless the cache holds another one already (renewed meanwhile for a
	 * request refused at the same time), so requests refused together renew once.
	 */
	refused?: string;
}

/** The cache with single-flight: concurrent callers for the same app and scope share one request. */
export class AppTokenCache {
	private readonly entries = new Map<string, CacheEntry>();

	private readonly inFlight = new Map<string, Promise<AppToken>>();

	constructor(
		private readonly fetchToken: FetchAppToken,
		private readonly now: () => number = Date.now,
	) {}

	async get(app: MicrosoftApp, scope: string, options: TokenOptions = {}): Promise<AppToken> {
		const key = JSON.stringify([appIdentityKey(app), scope]);
		const cached = this.entries.get(key);
		const stale =
			options.renew === true ||
			(options.refused !== undefined && cached?.token.accessToken === options.refused);
		if (!stale && cached && this.now() < cached.renewAt) return cached.token;
		const pending = this.inFlight.get(key);
		if (pending) return await pending;
		const requestedAt = this.now();
		const request = this.fetchToken(app, scope)
			.then((token) => {
				const margin = Math.min(MAX_RENEW_MARGIN_MS, (token.expiresAt - requestedAt) / 4);
				this.entries.set(key, { token, renewAt: token.expiresAt - margin });
				return token;
			})
			.finally(() => this.inFlight.delete(key));
		this.inFlight.set(key, request);
		return await request;
	}

	clear(): void {
		this.entries.clear();
	}
}

/** One token request through MSAL, its failures mapped to MicrosoftTokenError. */
export const fetchAppTokenWithMsal: FetchAppToken = async (app, scope) => {
	const secrets = [app.clientSecret ?? '', app.certificate?.privateKeyPem ?? ''];
	let client;
	try {
		client = await msalClientFor(app);
		client.http.lastFailure = undefined;
		const result = await client.application.acquireTokenByClientCredential({
			scopes: [scope],
			skipCache: true,
		});
		if (!result?.accessToken) throw new Error('the token service answered without an access token');
		const claims = readTokenClaims(result.accessToken);
		return {
			accessToken: result.accessToken,
			expiresAt: result.expiresOn?.getTime() ?? (claims.exp ?? 0) * 1000,
			tenantId: claims.tid ?? (result.tenantId || undefined),
			roles: Array.isArray(claims.roles) ? claims.roles : [],
		};
	} catch (error) {
		throw toMicrosoftTokenError(error, client?.http.lastFailure, secrets);
	}
};

const processCache = new AppTokenCache(fetchAppTokenWithMsal);

/** A token for `scope` (e.g. exchangeImapScope(app)); `refused` (or `renew`) after the resource refused the cached one. */
export async function acquireAppToken(
	app: MicrosoftApp,
	scope: string,
	options: TokenOptions = {},
): Promise<AppToken> {
	return await processCache.get(app, scope, options);
}
