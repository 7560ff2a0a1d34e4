/**
 * One Microsoft 365 user as the roster wants it, and the checks that need no server. Rules from
 * learn.microsoft.com/graph/api/user-post-users and resources/user: the UPN is alias@domain, the alias of
 * A–Z a–z 0–9 ' . - _ ! # ^ ~ only (no accents), the domain one of the tenant's verified domains (checked by Graph);
 * mailNickname at most 64 characters without spaces, @ or ( ) < > , ; : \ " [ ]; usageLocation a two-letter country
 * code (ISO 3166), required before a licence can be assigned (user-assignlicense).
 */

/** How the user signs in: a generated password (changed at first sign-in), or a federated domain's immutable ID. */
export type SignIn =
	{ kind: 'password'; length: number } | { kind: 'immutableId'; immutableId: string };

export interface Microsoft365UserSpec {
	userPrincipalName: string;
	displayName: string;
	/** The mail alias; the UPN's alias when empty. */
	mailNickname: string;
	usageLocation: string;
	givenName: string | null;
	surname: string | null;
	signIn: SignIn;
	/** The licence's SKU part number (ENTERPRISEPACK, O365_BUSINESS_PREMIUM…); null assigns none. */
	skuPartNumber: string | null;
}

/** Bad input of one user: that item fails, the others go on. */
export class ProvisioningInputError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'ProvisioningInputError';
	}
}

const UPN_ALIAS = /^[A-Za-z0-9'._!#^~-]+$/;
const DOMAIN = /^(?=.{1,253}$)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;
const MAIL_NICKNAME_FORBIDDEN = /[\s@()<>,;:\\"[\]]/;

/** The spec with its defaults filled in; throws ProvisioningInputError naming the first problem. */
export function checkedUserSpec(spec: Microsoft365UserSpec): Microsoft365UserSpec {
	const upn = spec.userPrincipalName.trim();
	if (!upn) throw new ProvisioningInputError('no user principal name (UPN) given');
	const at = upn.lastIndexOf('@');
	const alias = upn.slice(0, at);
	const domain = upn.slice(at + 1);
	if (at <= 0 || !UPN_ALIAS.test(alias) || alias.length > 64) {
		throw new ProvisioningInputError(
			`the user principal name ${JSON.stringify(upn)} is not alias@domain with an alias of A–Z, a–z, 0–9 and ' . - _ ! # ^ ~ (at most 64 characters)`,
		);
	}
	if (!DOMAIN.test(domain)) {
		throw new ProvisioningInputError(`the domain of ${JSON.stringify(upn)} is not a domain name`);
	}
	const displayName = spec.displayName.trim();
	if (!displayName) throw new ProvisioningInputError(`no display name given for ${upn}`);
	const mailNickname = spec.mailNickname.trim() || alias;
	if (mailNickname.length > 64 || MAIL_NICKNAME_FORBIDDEN.test(mailNickname)) {
		throw new ProvisioningInputError(
			`the mail nickname ${JSON.stringify(mailNickname)} of ${upn} has more than 64 characters or one of space @ ( ) < > , ; : \\ " [ ]`,
		);
	}
	const usageLocation = spec.usageLocation.trim().toUpperCase();
	if (!/^[A-Z]{2}$/.test(usageLocation)) {
		throw new ProvisioningInputError(
			`the usage location of ${upn} must be a two-letter country code (ISO 3166-1, e.g. US, DE), not ${JSON.stringify(spec.usageLocation)}`,
		);
	}
	if (spec.signIn.kind === 'immutableId' && !spec.signIn.immutableId.trim()) {
		throw new ProvisioningInputError(`no immutable ID given for ${upn} (its domain is federated)`);
	}
	return {
		userPrincipalName: upn,
		displayName,
		mailNickname,
		usageLocation,
		givenName: spec.givenName?.trim() || null,
		surname: spec.surname?.trim() || null,
		signIn:
			spec.signIn.kind === 'immutableId'
				? { kind: 'immutableId', immutableId: spec.signIn.immutableId.trim() }
				: spec.signIn,
		skuPartNumber: spec.skuPartNumber?.trim().toUpperCase() || null,
	};
}
