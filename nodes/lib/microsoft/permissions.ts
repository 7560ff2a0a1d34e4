/** Application permissions an app-only token must carry, and what to do when consent is missing. */
import type { AppToken } from './appTokens';
import { tokenError } from './tokenErrors';

export type MicrosoftApi = 'Office 365 Exchange Online' | 'Microsoft Graph';

/**
 * Entra issues an app-only token even when nothing was consented; it then has no `roles` claim and the API refuses it
 * (learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow, "Controlling tokens without the roles
 * claim"). So a missing permission shows here, not at the token endpoint.
 */
export function requireRole(token: AppToken, role: string, api: MicrosoftApi): void {
	requireAnyRole(token, [role], api);
}

/**
 * Like requireRole, for an API that accepts any of several permissions: `roles` from least to most privileged, as
 * Microsoft's API pages list them; the advice names the first.
 */
export function requireAnyRole(token: AppToken, roles: readonly string[], api: MicrosoftApi): void {
	if (roles.some((role) => token.roles.includes(role))) return;
	const others = roles.length > 1 ? ` (or one of ${roles.slice(1).join(', ')})` : '';
	throw tokenError(
		'consent',
		`the token has ${token.roles.length > 0 ? `only the roles ${token.roles.join(', ')}` : 'no roles'}, not ${roles[0]}${others}. ` +
			`In the app registration open API permissions → Add a permission → APIs my organization uses → ${api} → ` +
			`Application permissions → ${roles[0]}, then Grant admin consent for the tenant`,
	);
}
