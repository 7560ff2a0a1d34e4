/**
 * Graph's refusals of provisioning requests as a person can act on them. The texts matched are Graph's own for each
 * case (sources beside each); whatever else Graph says passes through with its code.
 */
import { GraphRequestError } from '../../graph/graphClient';
import { LicenceUnitsError } from './licencePool';
import { ProvisioningInputError } from './userSpec';

/**
 * A duplicate UPN (or mailNickname) on POST /users: 400 Request_BadRequest "Another object with the same value for
 * property userPrincipalName already exists." with details code ObjectConflict (microsoft-graph-docs #1508).
 */
export function isObjectConflict(error: unknown): boolean {
	return (
		error instanceof GraphRequestError &&
		error.status === 400 &&
		/ObjectConflict|another object with the same value/i.test(`${error.code} ${error.message}`)
	);
}

/** What a failed create, update or licence assignment of `upn` means, or the error itself when nothing better fits. */
export function explainRefusal(error: unknown, upn: string): Error {
	if (!(error instanceof GraphRequestError)) return error as Error;
	const said = error.message;
	// POST /users: "domain must be present in the tenant's collection of verified domains" (user-post-users).
	if (/domain portion of the userPrincipalName/i.test(said)) {
		const domain = upn.slice(upn.lastIndexOf('@') + 1);
		return new ProvisioningInputError(
			`the domain ${domain} of ${upn} is not a verified domain of the tenant: add and verify it (Microsoft Entra admin center → Domain names) or use a verified one (${said})`,
		);
	}
	// assignLicense without a usage location, or with one the licence is not sold in (ProhibitedInUsageLocationViolation
	// in licenseAssignmentState; the text is Graph's, partner-center-dotnet-samples #131).
	if (/usage location|ProhibitedInUsageLocation/i.test(said)) {
		return new ProvisioningInputError(
			`the licence cannot be assigned to ${upn} with its usage location: ${said}`,
		);
	}
	// The seats of the subscription are used up (CountViolation, microsoft-graph-docs PR #3167).
	if (/CountViolation|available licen/i.test(said)) {
		return new LicenceUnitsError(`no licence unit left for ${upn}: ${said}`);
	}
	// A directory write without the permission, or a password reset without an admin role (user-update: passwordProfile
	// needs User.ReadWrite.All and at least the User Administrator role in app-only access).
	if (error.status === 403) {
		return new Error(
			`Microsoft 365 refused the change of ${upn}: ${said}. The app needs User.ReadWrite.All (and, to set a new password for an existing user, the User Administrator role)`,
		);
	}
	return error;
}
