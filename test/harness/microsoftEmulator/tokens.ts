/** JWTs of the emulator: access tokens it signs and client assertions it verifies. */
import crypto from 'node:crypto';

import { aad, type AadError } from './aadErrors';
import type { RegisteredApp } from './directory';

interface DecodedJwt {
	header: Record<string, unknown>;
	payload: Record<string, unknown>;
	signingInput: string;
	signature: Buffer;
}

export function decodeJwt(token: string): DecodedJwt | undefined {
	const parts = token.split('.');
	if (parts.length !== 3) return undefined;
	try {
		return {
			header: JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')),
			payload: JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')),
			signingInput: `${parts[0]}.${parts[1]}`,
			signature: Buffer.from(parts[2], 'base64url'),
		};
	} catch {
		return undefined;
	}
}

const encodePart = (value: object): string =>
	Buffer.from(JSON.stringify(value)).toString('base64url');

export interface AccessTokenClaims {
	aud: string;
	iss: string;
	tid: string;
	appid: string;
	roles?: string[];
	iat: number;
	nbf: number;
	exp: number;
	uti?: string;
}

/** Issues and validates the emulator's RS256 access tokens (Entra's v1 app-only tokens carry aud, tid, appid, roles). */
export class TokenSigner {
	readonly keyId = crypto.randomUUID();

	private readonly keys = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });

	sign(claims: AccessTokenClaims): string {
		const header = { typ: 'JWT', alg: 'RS256', kid: this.keyId };
		const signingInput = `${encodePart(header)}.${encodePart(claims)}`;
		const signature = crypto.sign('sha256', Buffer.from(signingInput), this.keys.privateKey);
		return `${signingInput}.${signature.toString('base64url')}`;
	}

	/** The claims of a token this emulator signed, or undefined for anything else (forged, altered, foreign). */
	verify(token: string): AccessTokenClaims | undefined {
		const jwt = decodeJwt(token);
		if (!jwt || jwt.header.kid !== this.keyId || jwt.header.alg !== 'RS256') return undefined;
		const valid = crypto.verify(
			'sha256',
			Buffer.from(jwt.signingInput),
			this.keys.publicKey,
			jwt.signature,
		);
		return valid ? (jwt.payload as unknown as AccessTokenClaims) : undefined;
	}

	/** The signing key as a JWKS entry, as served at /{tenant}/discovery/v2.0/keys. */
	jwk(): Record<string, unknown> {
		return {
			...this.keys.publicKey.export({ format: 'jwk' }),
			kty: 'RSA',
			use: 'sig',
			kid: this.keyId,
		};
	}
}

/**
 * Verifies a certificate client assertion as learn.microsoft.com/entra/identity-platform/certificate-credentials
 * describes it: header `x5t` (base64url SHA-1 thumbprint, RS256) or `x5t#S256` (SHA-256, PS256), claims aud = the
 * token endpoint, iss = sub = client id, exp/nbf; the signature must verify with a certificate registered on the app.
 */
export function verifyClientAssertion(
	assertion: string,
	app: RegisteredApp,
	tokenEndpoints: string[],
	nowSeconds: number,
): AadError | undefined {
	const jwt = decodeJwt(assertion);
	if (!jwt) return aad.assertionInvalid('The client assertion is not a JWT.');
	const sha1 = jwt.header.x5t;
	const sha256 = jwt.header['x5t#S256'];
	const thumbprint = (typeof sha256 === 'string' ? sha256 : typeof sha1 === 'string' ? sha1 : '')
		.trim()
		.replace(/=+$/, '');
	const hex = Buffer.from(thumbprint, 'base64url').toString('hex').toUpperCase();
	const certificate = app.certificates.find((candidate) =>
		typeof sha256 === 'string' ? candidate.sha256 === hex : candidate.sha1 === hex,
	);
	if (!certificate) {
		return aad.assertionInvalid(
			`The key was not found., Thumbprint of key used by client: '${hex || 'none'}'`,
		);
	}
	const alg = jwt.header.alg;
	const data = Buffer.from(jwt.signingInput);
	const valid =
		alg === 'RS256'
			? crypto.verify('sha256', data, certificate.publicKey, jwt.signature)
			: alg === 'PS256'
				? crypto.verify(
						'sha256',
						data,
						{
							key: certificate.publicKey,
							padding: crypto.constants.RSA_PKCS1_PSS_PADDING,
							saltLength: crypto.constants.RSA_PSS_SALTLEN_DIGEST,
						},
						jwt.signature,
					)
				: false;
	if (!valid) {
		return aad.assertionInvalid(
			'The provided signature value did not match the expected signature value.',
		);
	}
	const { aud, exp, nbf, iss, sub } = jwt.payload;
	if (typeof aud !== 'string' || !tokenEndpoints.includes(aud))
		return aad.assertionAudience(String(aud));
	if (typeof exp !== 'number' || exp < nowSeconds) return aad.assertionExpired();
	if (typeof nbf === 'number' && nbf > nowSeconds + 300) return aad.assertionExpired();
	const clientId = app.clientId.toLowerCase();
	if (String(iss).toLowerCase() !== clientId || String(sub).toLowerCase() !== clientId) {
		return aad.assertionInvalid('The issuer and subject must be the client id.');
	}
	return undefined;
}
