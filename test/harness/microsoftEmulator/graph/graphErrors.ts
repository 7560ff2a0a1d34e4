/**
 * Graph's error answers. Shape from learn.microsoft.com/graph/errors ("Error resource type": `error` with `code`,
 * `message` and `innerError` carrying `date`, `request-id`, `client-request-id`). Codes and texts are the ones Graph
 * returns for each case, with the source of each beside it.
 */
import crypto from 'node:crypto';

import type { EmulatorResponse } from '../server';

export function graphError(
	status: number,
	code: string,
	message: string,
	headers?: Record<string, string>,
	details?: { target: string; code: string }[],
): EmulatorResponse {
	const requestId = crypto.randomUUID();
	return {
		status,
		headers,
		body: {
			error: {
				code,
				message,
				...(details ? { details } : {}),
				innerError: {
					date: new Date().toISOString().replace(/\.\d+Z$/, ''),
					'request-id': requestId,
					'client-request-id': requestId,
				},
			},
		},
	};
}

export const graphErrors = {
	// A missing, malformed or forged bearer token; Graph answers 401 InvalidAuthenticationToken for each
	// (learn.microsoft.com/graph/resolve-auth-errors "401 Unauthorized error: Is your token valid?").
	tokenMissing: () => graphError(401, 'InvalidAuthenticationToken', 'Access token is empty.'),
	tokenInvalid: () =>
		graphError(
			401,
			'InvalidAuthenticationToken',
			'Access token validation failure. Invalid audience.',
		),
	tokenForged: () =>
		graphError(
			401,
			'InvalidAuthenticationToken',
			'IDX10511: Signature validation failed. The token signature could not be verified.',
		),
	// The text Graph gives for an expired token, with a WWW-Authenticate challenge (Microsoft365DSC issue #4427,
	// s1t5/mail-archiver #267: 401 InvalidAuthenticationToken "Lifetime validation failed, the token is expired.").
	tokenExpired: () =>
		graphError(
			401,
			'InvalidAuthenticationToken',
			'Lifetime validation failed, the token is expired.',
			{
				'WWW-Authenticate':
					'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"',
			},
		),
	// A token Graph no longer accepts though it has not expired: continuous access evaluation (CAE, which covers
	// workload identities too) after a revocation or under a Conditional Access policy. 401 InvalidAuthenticationToken
	// with a claims challenge (learn.microsoft.com/entra/identity-platform/claims-challenge: `error="insufficient_claims"`
	// and `claims` in WWW-Authenticate); the text is Graph's (msgraph-sdk-powershell #1741).
	tokenRevoked: () =>
		graphError(
			401,
			'InvalidAuthenticationToken',
			'Continuous access evaluation resulted in claims challenge with result: InteractionRequired and code: TokenIssuedBeforeRevocationTimestamp',
			{
				'WWW-Authenticate': `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="insufficient_claims", claims="${Buffer.from('{"access_token":{"nbf":{"essential":true,"value":"0"}}}').toString('base64')}"`,
			},
		),
	// A token without the needed application permission (resolve-auth-errors "403 Forbidden: Did you choose the right
	// set of permissions?"); Outlook answers ErrorAccessDenied with this text (docs-contrib issue #3736).
	accessDenied: () =>
		graphError(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.'),
	// Directory reads without User.Read.All (learn.microsoft.com/graph/resolve-auth-errors).
	directoryDenied: () =>
		graphError(
			403,
			'Authorization_RequestDenied',
			'Insufficient privileges to complete the operation.',
		),
	// learn.microsoft.com/exchange/troubleshoot/user-and-shared-mailboxes/rest-api-is-not-yet-supported-for-this-mailbox-error
	// (KB 4462988): "HTTP error: 404, Error code: MailboxNotEnabledForRESTAPI, REST API is not yet supported for this mailbox."
	mailboxNotEnabled: () =>
		graphError(
			404,
			'MailboxNotEnabledForRESTAPI',
			'REST API is not yet supported for this mailbox.',
		),
	// A UPN or id Exchange cannot resolve on a mail path.
	invalidUser: (user: string) =>
		graphError(404, 'ErrorInvalidUser', `The requested user '${user}' is invalid.`),
	// The directory's answer for GET /users/{unknown}.
	userNotFound: (user: string) =>
		graphError(
			404,
			'Request_ResourceNotFound',
			`Resource '${user}' does not exist or one of its queried reference-property objects are not present.`,
		),
	itemNotFound: () =>
		graphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.'),
	// Creating a folder whose name its parent already holds: 409 ErrorFolderExists (Exchange's EWS error of the same
	// name, surfaced by Graph; "A folder with the specified name already exists.").
	folderExists: () =>
		graphError(409, 'ErrorFolderExists', 'A folder with the specified name already exists.'),
	invalidRequest: (message: string) => graphError(400, 'ErrorInvalidRequest', message),
	badRequest: (message: string) => graphError(400, 'BadRequest', message),
	// PATCH of a draft-only property on a sent/received item (docs issue microsoft-graph-docs #17008).
	notDraft: () => graphError(400, 'ErrorInvalidPropertySet', 'Message is not draft.'),
	// Only custom headers may be set (learn.microsoft.com/graph/api/resources/message: internetMessageHeaders).
	invalidHeader: (name: string) =>
		graphError(
			400,
			'InvalidInternetMessageHeader',
			`The internet message header name '${name}' should start with 'x-' or 'X-'.`,
		),
	// learn.microsoft.com/graph/outlook-large-attachments "Errors": an upload session for a file under 3 MB.
	attachmentTooSmall: () =>
		graphError(
			400,
			'ErrorAttachmentSizeShouldNotBeLessThanMinimumSize',
			'Attachment size must be greater than the minimum size.',
		),
	// Docs give the 3 MB ceiling of POST attachments and the 4 MB of a request (message-post-attachments) but not the
	// error; 413 is what HTTP says of a body too large, so we answer that.
	entityTooLarge: (message: string) => graphError(413, 'ErrorRequestEntityTooLarge', message),
	// A write that would make a message larger than the mailbox takes (its MaxReceiveSize): Outlook answers
	// ErrorMessageSizeExceeded, "The message exceeds the maximum supported size." (microsoft-graph-docs-contrib #2561,
	// met while uploading a large attachment by upload session), as 400: Exchange's REST layer maps that response code
	// to Bad Request (its ResponseCodeType's ODataHttpStatusCode attribute).
	messageTooLarge: () =>
		graphError(400, 'ErrorMessageSizeExceeded', 'The message exceeds the maximum supported size.'),
	// Throttling: 429 + Retry-After (learn.microsoft.com/graph/throttling); the texts are Outlook's for each of its
	// limits ("Application is over its MailboxConcurrency limit." — learn.microsoft.com/answers 1660054, twentyhq #11070;
	// "…IncomingBytes limit." — python-o365 #500).
	throttled: (
		limit: 'MailboxConcurrency' | 'IncomingBytes' | 'Requests',
		retryAfterSeconds: number,
	) =>
		graphError(429, 'ApplicationThrottled', `Application is over its ${limit} limit.`, {
			'Retry-After': String(retryAfterSeconds),
		}),
	unavailable: (retryAfterSeconds: number) =>
		graphError(503, 'ServiceUnavailable', 'The service is temporarily unavailable.', {
			'Retry-After': String(retryAfterSeconds),
		}),
	// Directory writes (user-post-users, user-update, user-assignlicense) answer 400 Request_BadRequest with Entra's
	// text. A property missing or invalid: "Invalid value specified for property '…' of resource 'User'." (the text
	// Graph gives, e.g. microsoftgraph/msgraph-sdk-powershell issues on New-MgUser).
	invalidUserProperty: (property: string) =>
		graphError(
			400,
			'Request_BadRequest',
			`Invalid value specified for property '${property}' of resource 'User'.`,
			undefined,
			[{ target: property, code: 'InvalidValue' }],
		),
	// A UPN outside the verified domains: user-post-users ("domain must be present in the tenant's collection of
	// verified domains"); Graph's text for it.
	unverifiedDomain: () =>
		graphError(
			400,
			'Request_BadRequest',
			'The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization.',
			undefined,
			[{ target: 'userPrincipalName', code: 'InvalidValue' }],
		),
	// A UPN or address another object holds (microsoft-graph-docs #1508: 400 Request_BadRequest with details
	// ObjectConflict on the property).
	objectConflict: (property: 'userPrincipalName' | 'proxyAddresses') =>
		graphError(
			400,
			'Request_BadRequest',
			`Another object with the same value for property ${property} already exists.`,
			undefined,
			[{ target: property, code: 'ObjectConflict' }],
		),
	// A password outside the policy (8–256 characters, three of lower, upper, digit, symbol: Entra's password policy).
	passwordComplexity: () =>
		graphError(
			400,
			'Request_BadRequest',
			'The specified password does not comply with password complexity requirements. Please provide a different password.',
		),
	// assignLicense before usageLocation is set (user-assignlicense; the text partner-center-dotnet-samples #131 quotes).
	invalidUsageLocation: () =>
		graphError(
			400,
			'Request_BadRequest',
			'License assignment cannot be done for user with invalid usage location.',
		),
	// A skuId the tenant has no subscription for.
	unknownLicence: (skuId: string) =>
		graphError(
			400,
			'Request_BadRequest',
			`License ${skuId} does not correspond to a valid company License.`,
		),
	// No free seat (licenseAssignmentState's CountViolation, microsoft-graph-docs PR #3167); the text is ours.
	noLicenceUnits: (skuId: string) =>
		graphError(
			400,
			'Request_BadRequest',
			`CountViolation: subscription ${skuId} does not have any available licenses.`,
		),
	notFoundSegment: (path: string) =>
		graphError(400, 'BadRequest', `Resource not found for the segment '${path}'.`),
};
