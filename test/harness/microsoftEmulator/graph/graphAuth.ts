/**
 * Bearer-token checks of the Graph front end (learn.microsoft.com/graph/auth/auth-concepts, resolve-auth-errors): the
 * token must be one the emulator's identity side signed, for the Graph resource, of this tenant, unexpired and not
 * revoked (else 401 InvalidAuthenticationToken), and carry an application permission the API accepts (else 403).
 */
import crypto from 'node:crypto';
import type http from 'node:http';

import { GRAPH_RESOURCE } from '../directory';
import type { EmulatorResponse } from '../server';
import type { AccessTokenClaims, TokenSigner } from '../tokens';
import { graphErrors } from './graphErrors';

// Mail API permissions (learn.microsoft.com/graph/permissions-reference "Mail permissions"; message-get / message-update
// list Mail.Read for reads and Mail.ReadWrite for writes).
export const MAIL_READ_ROLES = ['Mail.Read', 'Mail.ReadWrite'];
export const MAIL_WRITE_ROLES = ['Mail.ReadWrite'];
// GET /users/{id} (learn.microsoft.com/graph/api/user-get, application permissions).
export const USER_READ_ROLES = [
	'User.Read.All',
	'User.ReadWrite.All',
	'Directory.Read.All',
	'Directory.ReadWrite.All',
];

/**
 * Tokens Graph refuses before they expire (see graphErrors.tokenRevoked): those it was shown before a revocation, or,
 * while a policy refuses the app outright, every one, new ones too. Kept as digests, never the tokens themselves.
 */
export class TokenRevocations {
	private readonly seen = new Set<string>();

	private readonly revoked = new Set<string>();

	refuseAll = false;

	/** True when Graph must refuse this token; remembers it as shown otherwise. */
	refuses(token: string): boolean {
		const digest = crypto.createHash('sha256').update(token).digest('hex');
		if (this.refuseAll || this.revoked.has(digest)) return true;
		this.seen.add(digest);
		return false;
	}

	/** Every token shown so far is refused from now on; tokens issued later are accepted. */
	revokeSeen(): void {
		for (const digest of this.seen) this.revoked.add(digest);
		this.seen.clear();
	}

	reset(): void {
		this.seen.clear();
		this.revoked.clear();
		this.refuseAll = false;
	}
}

export type Authentication = { claims: AccessTokenClaims } | { refused: EmulatorResponse };

export function authenticate(
	headers: http.IncomingHttpHeaders,
	signer: TokenSigner,
	tenantId: string,
	revocations: TokenRevocations,
): Authentication {
	const header = headers.authorization ?? '';
	const match = /^Bearer\s+(\S+)$/i.exec(header);
	if (!match) return { refused: graphErrors.tokenMissing() };
	const claims = signer.verify(match[1]);
	if (!claims) return { refused: graphErrors.tokenForged() };
	// Graph accepts its app id URI with or without the trailing slash as the audience.
	if (claims.aud.replace(/\/$/, '') !== GRAPH_RESOURCE || claims.tid !== tenantId)
		return { refused: graphErrors.tokenInvalid() };
	if (claims.exp * 1000 <= Date.now()) return { refused: graphErrors.tokenExpired() };
	if (revocations.refuses(match[1])) return { refused: graphErrors.tokenRevoked() };
	return { claims };
}

export const hasAnyRole = (claims: AccessTokenClaims, roles: readonly string[]): boolean =>
	(claims.roles ?? []).some((role) => roles.includes(role));
