/** Reads claims of an access token without verifying it: only to report the tenant and roles, never to trust them. */

export interface AccessTokenClaims {
	tid?: string;
	roles?: string[];
	aud?: string;
	appid?: string;
	exp?: number;
}

export function readTokenClaims(accessToken: string): AccessTokenClaims {
	const payload = accessToken.split('.')[1];
	if (!payload) return {};
	try {
		const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown;
		return typeof claims === 'object' && claims !== null ? (claims as AccessTokenClaims) : {};
	} catch {
		return {};
	}
}
