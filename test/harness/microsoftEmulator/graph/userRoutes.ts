/**
 * Users and licences in the directory: POST /users (user-post-users), GET /users with $filter (user-list),
 * GET/PATCH /users/{id | userPrincipalName} (user-get, user-update), POST /users/{id}/assignLicense
 * (user-assignlicense) and GET /subscribedSkus (subscribedsku-list), each with the application permissions its page
 * lists and Entra's answers to what it refuses (graphErrors).
 */
import type { EmulatorResponse } from '../server';
import { graphErrors } from './graphErrors';
import type { GraphService } from './graphService';
import type { Mailbox, MailboxStore } from './mailboxStore';
import { matchesFilter, parseFilter, parseSelect, QueryError } from './odataQuery';
import { jsonBody } from './requestBody';
import type { TenantDirectory } from './tenantDirectory';

const USER = '([^/]+)';

// Application permissions, least privileged first (each API's page, "Permissions").
const USER_WRITE_ROLES = ['User.ReadWrite.All', 'Directory.ReadWrite.All'];
const USER_LIST_ROLES = [
	'User.Read.All',
	'User.ReadWrite.All',
	'Directory.Read.All',
	'Directory.ReadWrite.All',
];
const ASSIGN_LICENSE_ROLES = [
	'LicenseAssignment.ReadWrite.All',
	'Directory.ReadWrite.All',
	'User.ReadWrite.All',
];
const SKU_READ_ROLES = [
	'LicenseAssignment.Read.All',
	'Organization.Read.All',
	'Directory.Read.All',
	'LicenseAssignment.ReadWrite.All',
	'Organization.ReadWrite.All',
	'Directory.ReadWrite.All',
];

/**
 * Entra's password policy for cloud accounts (learn.microsoft.com/entra/identity/authentication/concept-password-policies):
 * 8 to 256 characters, three of the four kinds lower case, upper case, digits, symbols.
 */
function meetsPasswordPolicy(password: string): boolean {
	if (password.length < 8 || password.length > 256) return false;
	const kinds = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((kind) => kind.test(password));
	return kinds.length >= 3;
}

export function addUserRoutes(
	service: GraphService,
	store: MailboxStore,
	directory: TenantDirectory,
): void {
	const userJson = (mailbox: Mailbox): Record<string, unknown> => {
		const record = directory.recordOf(mailbox);
		return {
			id: mailbox.id,
			userPrincipalName: mailbox.userPrincipalName,
			accountEnabled: record.accountEnabled,
			displayName: record.displayName,
			mailNickname: record.mailNickname,
			usageLocation: record.usageLocation,
			givenName: record.givenName,
			surname: record.surname,
			onPremisesImmutableId: record.onPremisesImmutableId,
			mail: record.mail,
			proxyAddresses: [...record.proxyAddresses],
			assignedLicenses: record.assignedLicenses.map((skuId) => ({ skuId, disabledPlans: [] })),
		};
	};
	// Graph answers a default set of properties, or those of $select (query-parameters "select").
	const projected = (mailbox: Mailbox, query: URLSearchParams): Record<string, unknown> => {
		const full = userJson(mailbox);
		const select = parseSelect(query.get('$select'));
		if (!select) return full;
		return Object.fromEntries(
			Object.entries(full).filter(
				([key]) => key === 'id' || select.some((name) => name.toLowerCase() === key.toLowerCase()),
			),
		);
	};

	service.add({
		method: 'GET',
		pattern: new RegExp(`^/users/${USER}$`),
		name: '/users/{id}',
		scope: 'directory',
		handler: ({ mailbox, request }) => {
			try {
				return { status: 200, body: projected(mailbox, request.query) };
			} catch (error) {
				if (error instanceof QueryError) return graphErrors.badRequest(error.message);
				throw error;
			}
		},
	});

	// $filter on users: Entra compares strings without regard to case, so both sides are compared in lower case.
	service.add({
		method: 'GET',
		pattern: /^\/users$/,
		name: '/users',
		scope: 'tenant',
		roles: USER_LIST_ROLES,
		handler: ({ request }) => {
			try {
				const filterText = request.query.get('$filter');
				const filter = filterText ? parseFilter(filterText.toLowerCase()) : null;
				const users = store
					.all()
					.filter(
						(mailbox) =>
							!filter ||
							matchesFilter(filter, lowerCased(userJson(mailbox)) as Record<string, unknown>),
					)
					.map((mailbox) => projected(mailbox, request.query));
				return { status: 200, body: { value: users } };
			} catch (error) {
				if (error instanceof QueryError) return graphErrors.badRequest(error.message);
				throw error;
			}
		},
	});

	service.add({
		method: 'POST',
		pattern: /^\/users$/,
		name: '/users',
		scope: 'tenant',
		roles: USER_WRITE_ROLES,
		handler: ({ request }) => {
			const parsed = jsonBody(request);
			if ('error' in parsed) return parsed.error;
			const body = parsed.json;
			const text = (name: string) =>
				typeof body[name] === 'string' && (body[name] as string).trim() !== ''
					? (body[name] as string)
					: null;
			// The required properties of user-post-users.
			if (typeof body.accountEnabled !== 'boolean')
				return graphErrors.invalidUserProperty('accountEnabled');
			for (const name of ['displayName', 'mailNickname', 'userPrincipalName']) {
				if (!text(name)) return graphErrors.invalidUserProperty(name);
			}
			const profile = body.passwordProfile as {
				password?: unknown;
				forceChangePasswordNextSignIn?: unknown;
			};
			if (typeof profile?.password !== 'string')
				return graphErrors.invalidUserProperty('passwordProfile');
			const upn = text('userPrincipalName') as string;
			const domain = directory
				.domains()
				.find((candidate) => candidate.name === upn.slice(upn.lastIndexOf('@') + 1).toLowerCase());
			if (!upn.includes('@') || !domain) return graphErrors.unverifiedDomain();
			// "onPremisesImmutableId: required only … if you are using a federated domain for the UPN" (user-post-users).
			if (domain.federated && !text('onPremisesImmutableId'))
				return graphErrors.invalidUserProperty('onPremisesImmutableId');
			if (store.find(upn)) return graphErrors.objectConflict('userPrincipalName');
			if (directory.holderOf(upn)) return graphErrors.objectConflict('proxyAddresses');
			if (!domain.federated && !meetsPasswordPolicy(profile.password))
				return graphErrors.passwordComplexity();
			const mailbox = directory.createUser(upn, {
				accountEnabled: body.accountEnabled,
				displayName: text('displayName') as string,
				mailNickname: text('mailNickname') as string,
				usageLocation: text('usageLocation'),
				givenName: text('givenName'),
				surname: text('surname'),
				onPremisesImmutableId: text('onPremisesImmutableId'),
				password: profile.password,
				forceChangePasswordNextSignIn: profile.forceChangePasswordNextSignIn === true,
			});
			return { status: 201, body: userJson(mailbox) };
		},
	});

	service.add({
		method: 'PATCH',
		pattern: new RegExp(`^/users/${USER}$`),
		name: '/users/{id}',
		scope: 'directory',
		roles: USER_WRITE_ROLES,
		handler: ({ request, mailbox }) => {
			const parsed = jsonBody(request);
			if ('error' in parsed) return parsed.error;
			const record = directory.recordOf(mailbox);
			const body = parsed.json;
			for (const name of [
				'displayName',
				'usageLocation',
				'givenName',
				'surname',
				'mailNickname',
			] as const) {
				if (!(name in body)) continue;
				const value = body[name];
				if (value !== null && typeof value !== 'string')
					return graphErrors.invalidUserProperty(name);
				if (name === 'displayName' || name === 'mailNickname') {
					if (!value) return graphErrors.invalidUserProperty(name);
					record[name] = value;
					if (name === 'displayName') mailbox.displayName = value;
				} else {
					record[name] = value || null;
				}
			}
			if ('passwordProfile' in body) {
				const profile = body.passwordProfile as {
					password?: unknown;
					forceChangePasswordNextSignIn?: unknown;
				};
				if (typeof profile?.password !== 'string' || !meetsPasswordPolicy(profile.password))
					return graphErrors.passwordComplexity();
				record.password = profile.password;
				record.forceChangePasswordNextSignIn = profile.forceChangePasswordNextSignIn === true;
			}
			// user-update: "If successful, this method returns a 204 No Content response code."
			return { status: 204, body: undefined };
		},
	});

	service.add({
		method: 'POST',
		pattern: new RegExp(`^/users/${USER}/assignLicense$`),
		name: '/users/{id}/assignLicense',
		scope: 'directory',
		roles: ASSIGN_LICENSE_ROLES,
		handler: ({ request, mailbox }): EmulatorResponse => {
			const parsed = jsonBody(request);
			if ('error' in parsed) return parsed.error;
			const add = parsed.json.addLicenses;
			const remove = parsed.json.removeLicenses;
			if (!Array.isArray(add) || !Array.isArray(remove))
				return graphErrors.badRequest('addLicenses and removeLicenses are required.');
			const adding = add.map((licence) => String((licence as { skuId?: unknown }).skuId));
			const removing = remove.map(String);
			for (const skuId of [...adding, ...removing]) {
				if (!directory.sku(skuId)) return graphErrors.unknownLicence(skuId);
			}
			const record = directory.recordOf(mailbox);
			const newOnes = adding.filter((skuId) => !record.assignedLicenses.includes(skuId));
			// usageLocation is "required for users that are assigned licenses" (resources/user).
			if (newOnes.length > 0 && !record.usageLocation) return graphErrors.invalidUsageLocation();
			for (const skuId of newOnes) {
				const sku = directory.sku(skuId)!;
				if (directory.consumed(skuId) >= sku.enabled) return graphErrors.noLicenceUnits(skuId);
			}
			directory.unlicense(mailbox, removing);
			directory.license(mailbox, newOnes);
			// "If successful, this method returns 200 OK response code and a user object in the response body."
			return { status: 200, body: userJson(mailbox) };
		},
	});

	service.add({
		method: 'GET',
		pattern: /^\/subscribedSkus$/,
		name: '/subscribedSkus',
		scope: 'tenant',
		roles: SKU_READ_ROLES,
		handler: () => ({
			status: 200,
			body: {
				value: directory.skuList().map((sku) => ({
					id: sku.skuId,
					skuId: sku.skuId,
					skuPartNumber: sku.skuPartNumber,
					appliesTo: 'User',
					capabilityStatus: 'Enabled',
					consumedUnits: sku.consumedUnits,
					prepaidUnits: { enabled: sku.enabled, suspended: 0, warning: 0, lockedOut: 0 },
				})),
			},
		}),
	});
}

function lowerCased(value: unknown): unknown {
	if (typeof value === 'string') return value.toLowerCase();
	if (Array.isArray(value)) return value.map(lowerCased);
	if (value && typeof value === 'object') {
		return Object.fromEntries(
			Object.entries(value).map(([key, inner]) => [key.toLowerCase(), lowerCased(inner)]),
		);
	}
	return value;
}
