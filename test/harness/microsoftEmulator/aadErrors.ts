/**
 * Azure AD-style error answers of the token service. Shape from learn.microsoft.com/entra/identity-platform/reference-error-codes
 * ("Handling error codes in your application": error, error_description starting with the AADSTS code and ending in
 * Trace ID / Correlation ID / Timestamp lines, error_codes, timestamp, trace_id, correlation_id, error_uri).
 */
import crypto from 'node:crypto';

export interface AadError {
	status: number;
	error: string;
	code: number;
	description: string;
}

export function aadErrorBody(failure: AadError, loginBaseUrl: string): Record<string, unknown> {
	const traceId = crypto.randomUUID();
	const correlationId = crypto.randomUUID();
	const timestamp = new Date()
		.toISOString()
		.replace('T', ' ')
		.replace(/\.\d+Z$/, 'Z');
	return {
		error: failure.error,
		error_description:
			`AADSTS${failure.code}: ${failure.description}\r\nTrace ID: ${traceId}\r\n` +
			`Correlation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
		error_codes: [failure.code],
		timestamp,
		trace_id: traceId,
		correlation_id: correlationId,
		error_uri: `${loginBaseUrl}/error?code=${failure.code}`,
	};
}

// Codes and statuses as Azure answers them; the texts follow the messages Azure returns for each code
// (Azure SDK TROUBLESHOOTING.md tables for 700016/700027, reference-error-codes for the rest).
export const aad = {
	tenantNotFound: (tenant: string): AadError => ({
		status: 400,
		error: 'invalid_request',
		code: 90002,
		description: `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
	}),
	unsupportedGrant: (grant: string): AadError => ({
		status: 400,
		error: 'unsupported_grant_type',
		code: 70003,
		description: `The app requested an unsupported grant type '${grant}'.`,
	}),
	clientNotFound: (clientId: string, tenantId: string): AadError => ({
		status: 400,
		error: 'unauthorized_client',
		code: 700016,
		description:
			`Application with identifier '${clientId}' was not found in the directory '${tenantId}'. This can happen if the ` +
			'application has not been installed by the administrator of the tenant or consented to by any user in the tenant.',
	}),
	scopeNotDefault: (scope: string): AadError => ({
		status: 400,
		error: 'invalid_scope',
		code: 1002012,
		description: `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
	}),
	resourceNotFound: (resource: string, tenantId: string): AadError => ({
		status: 400,
		error: 'invalid_resource',
		code: 500011,
		description: `The resource principal named ${resource} was not found in the tenant named ${tenantId}.`,
	}),
	credentialMissing: (): AadError => ({
		status: 401,
		error: 'invalid_client',
		code: 7000218,
		description:
			"The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
	}),
	badSecret: (clientId: string): AadError => ({
		status: 401,
		error: 'invalid_client',
		code: 7000215,
		description: `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
	}),
	assertionInvalid: (reason: string): AadError => ({
		status: 401,
		error: 'invalid_client',
		code: 700027,
		description: `Client assertion contains an invalid signature. [Reason - ${reason}]`,
	}),
	assertionExpired: (): AadError => ({
		status: 401,
		error: 'invalid_client',
		code: 700024,
		description: 'Client assertion is not within its valid time range.',
	}),
	assertionAudience: (audience: string): AadError => ({
		status: 401,
		error: 'invalid_client',
		code: 50027,
		description: `Invalid JWT token. Token audience '${audience}' is not this token endpoint.`,
	}),
};
