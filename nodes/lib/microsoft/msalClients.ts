/** One MSAL ConfidentialClientApplication per app identity (login host, tenant, client, credential), with our network module. */
import crypto from 'node:crypto';

import type { ConfidentialClientApplication, Configuration } from '@azure/msal-node';

import { loginUrlOf } from './clouds';
import { LoginHttpClient } from './loginHttpClient';
import type { MicrosoftApp } from './microsoftApp';
import { tokenError } from './tokenErrors';

export interface MsalClient {
	application: ConfidentialClientApplication;
	http: LoginHttpClient;
}

const clients = new Map<string, MsalClient>();

/** Identifies an app and its credential without holding the secret or key in the clear (a changed secret is a new identity). */
export function appIdentityKey(app: MicrosoftApp): string {
	const credential = crypto
		.createHash('sha256')
		.update(
			JSON.stringify([
				app.clientSecret ?? '',
				app.certificate?.privateKeyPem ?? '',
				app.certificate?.thumbprint ?? '',
				app.trustedCaPem ?? '',
			]),
		)
		.digest('hex');
	return JSON.stringify([
		loginUrlOf(app),
		app.tenant.toLowerCase(),
		app.clientId.toLowerCase(),
		credential,
	]);
}

function certificateOf(app: MicrosoftApp): NonNullable<Configuration['auth']['clientCertificate']> {
	const certificate = app.certificate as NonNullable<MicrosoftApp['certificate']>;
	let keyType: string | undefined;
	try {
		keyType = crypto.createPrivateKey(certificate.privateKeyPem).asymmetricKeyType;
	} catch {
		keyType = undefined;
	}
	// Entra verifies certificate assertions signed RS256 or PS256, so the key must be an unencrypted PEM RSA key.
	if (keyType !== 'rsa') {
		throw tokenError('certificate', 'the private key is not an unencrypted PEM RSA private key');
	}
	const thumbprint = certificate.thumbprint.replace(/[\s:]/g, '').toUpperCase();
	// MSAL sends a SHA-1 thumbprint as x5t with RS256 and a SHA-256 one as x5t#S256 with PS256.
	if (/^[0-9A-F]{40}$/.test(thumbprint))
		return { thumbprint, privateKey: certificate.privateKeyPem };
	if (/^[0-9A-F]{64}$/.test(thumbprint)) {
		return { thumbprintSha256: thumbprint, privateKey: certificate.privateKeyPem };
	}
	throw tokenError(
		'certificate',
		'the thumbprint must be the certificate’s SHA-1 (40 hex digits) or SHA-256 (64 hex digits) thumbprint',
	);
}

function configurationOf(app: MicrosoftApp, http: LoginHttpClient): Configuration {
	const loginUrl = loginUrlOf(app);
	const auth: Configuration['auth'] = {
		clientId: app.clientId,
		authority: `${loginUrl}/${app.tenant}`,
		// An overridden host is not one MSAL knows: declaring it skips instance discovery at login.microsoftonline.com,
		// so no request leaves the configured host (msal-common Authority.getCloudDiscoveryMetadataFromConfig).
		...(app.loginUrl ? { knownAuthorities: [new URL(loginUrl).host] } : {}),
	};
	if (app.clientSecret) auth.clientSecret = app.clientSecret;
	else if (app.certificate) auth.clientCertificate = certificateOf(app);
	else throw tokenError('secret', 'the credential has neither a client secret nor a certificate');
	return { auth, system: { networkClient: http } };
}

export async function msalClientFor(app: MicrosoftApp): Promise<MsalClient> {
	const key = appIdentityKey(app);
	let client = clients.get(key);
	if (!client) {
		// Loaded on first use: MSAL costs ~40 ms of start-up that a run without a Microsoft target never needs.
		const { ConfidentialClientApplication: Application } = await import('@azure/msal-node');
		const http = new LoginHttpClient(app.trustedCaPem);
		client = { application: new Application(configurationOf(app, http)), http };
		clients.set(key, client);
	}
	return client;
}
