/** The Microsoft identity platform endpoints the client-credentials flow and MSAL use: discovery, keys and the token endpoint. */
import crypto from 'node:crypto';

import { aad, aadErrorBody, type AadError } from './aadErrors';
import { EXCHANGE_RESOURCE, GRAPH_RESOURCE, type Directory, type Tenant } from './directory';
import type { EmulatorRequest, EmulatorResponse, Router } from './server';
import { verifyClientAssertion, type TokenSigner } from './tokens';

export interface IdentityContext {
	directory: Directory;
	signer: TokenSigner;
	baseUrl: () => string;
	tokenLifetimeSeconds: () => number;
}

const RESOURCES = [EXCHANGE_RESOURCE, GRAPH_RESOURCE];
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export function addIdentityRoutes(router: Router, context: IdentityContext): void {
	const fail = (failure: AadError): EmulatorResponse => ({
		status: failure.status,
		body: aadErrorBody(failure, context.baseUrl()),
	});
	const withTenant = (
		segment: string,
		then: (tenant: Tenant) => EmulatorResponse,
	): EmulatorResponse => {
		const tenant = context.directory.findTenant(segment);
		return tenant ? then(tenant) : fail(aad.tenantNotFound(segment));
	};

	// OpenID Provider metadata, the document MSAL reads to find the token endpoint (msal-common Authority
	// .getEndpointMetadataFromNetwork; fields per learn.microsoft.com/entra/identity-platform/v2-protocols-oidc
	// "Find your app's OpenID configuration document URI"). Unknown tenants get AADSTS90002 here too.
	router.add(
		'GET',
		/^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/,
		(_request, [segment]) =>
			withTenant(segment, (tenant) => {
				const root = `${context.baseUrl()}/${tenant.id}`;
				return {
					status: 200,
					body: {
						issuer: `${root}/v2.0`,
						authorization_endpoint: `${root}/oauth2/v2.0/authorize`,
						token_endpoint: `${root}/oauth2/v2.0/token`,
						token_endpoint_auth_methods_supported: [
							'client_secret_post',
							'private_key_jwt',
							'client_secret_basic',
						],
						jwks_uri: `${root}/discovery/v2.0/keys`,
						response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
						subject_types_supported: ['pairwise'],
						id_token_signing_alg_values_supported: ['RS256'],
						scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
						end_session_endpoint: `${root}/oauth2/v2.0/logout`,
						tenant_region_scope: null,
						cloud_instance_name: 'microsoftonline.com',
					},
				};
			}),
	);

	router.add('GET', /^\/([^/]+)\/discovery\/v2\.0\/keys$/, (_request, [segment]) =>
		withTenant(segment, () => ({ status: 200, body: { keys: [context.signer.jwk()] } })),
	);

	router.add('POST', /^\/([^/]+)\/oauth2\/v2\.0\/token$/, (request, [segment]) =>
		withTenant(segment, (tenant) => clientCredentialsToken(request, tenant)),
	);

	/**
	 * Client credentials grant (learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow):
	 * client_secret or a certificate client_assertion, scope `<resource>/.default`, an access token and no refresh token.
	 */
	function clientCredentialsToken(request: EmulatorRequest, tenant: Tenant): EmulatorResponse {
		const form = request.form;
		const grantType = form.get('grant_type') ?? '';
		if (grantType !== 'client_credentials') return fail(aad.unsupportedGrant(grantType));
		const clientId = form.get('client_id') ?? '';
		const app = context.directory.findApp(clientId);
		if (!app) return fail(aad.clientNotFound(clientId, tenant.id));

		const nowSeconds = Math.floor(Date.now() / 1000);
		const secret = form.get('client_secret');
		const assertion = form.get('client_assertion');
		if (secret !== null) {
			if (app.secret === undefined || secret !== app.secret)
				return fail(aad.badSecret(app.clientId));
		} else if (assertion !== null && form.get('client_assertion_type') === ASSERTION_TYPE) {
			// The assertion's audience is the token endpoint, by tenant id or by any of the tenant's domains.
			const endpoints = [tenant.id, ...tenant.domains].map(
				(name) => `${context.baseUrl()}/${name}/oauth2/v2.0/token`,
			);
			const refused = verifyClientAssertion(assertion, app, endpoints, nowSeconds);
			if (refused) return fail(refused);
		} else {
			return fail(aad.credentialMissing());
		}

		const scope = form.get('scope') ?? '';
		if (!scope.endsWith('/.default')) return fail(aad.scopeNotDefault(scope));
		const resource = scope.slice(0, -'/.default'.length);
		if (!RESOURCES.includes(resource) && !context.directory.resources.has(resource))
			return fail(aad.resourceNotFound(resource, tenant.id));

		// "Microsoft Entra ID doesn't require applications to be authorized to get tokens for another application.
		// Thus, app-only tokens can be issued without a roles claim" (v2-oauth2-client-creds-grant-flow, "Controlling
		// tokens without the roles claim"): a missing admin consent shows as a token without roles, refused by the API.
		const roles = context.directory.rolesOf(app.clientId, resource);
		const lifetime = context.tokenLifetimeSeconds();
		const accessToken = context.signer.sign({
			aud: resource,
			iss: `https://sts.windows.net/${tenant.id}/`,
			tid: tenant.id,
			appid: app.clientId,
			...(roles.length > 0 ? { roles } : {}),
			iat: nowSeconds,
			nbf: nowSeconds,
			exp: nowSeconds + lifetime,
			// Every token is its own, also two issued in the same second: Entra's "uti", a unique per-token identifier
			// (learn.microsoft.com/entra/identity-platform/access-token-claims-reference).
			uti: crypto.randomBytes(16).toString('base64url'),
		});
		return {
			status: 200,
			body: {
				token_type: 'Bearer',
				expires_in: lifetime,
				ext_expires_in: lifetime,
				access_token: accessToken,
			},
		};
	}
}
