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
	if (token.roles.includes(role)) return;
	throw tokenError(
		'consent',
		`the token has ${token.roles.length > 0 ? `only the roles ${token.roles.join(', ')}` : 'no roles'}, not ${role}. ` +
			`In the app registration open API permissions → Add a permission → APIs my organization uses → ${api} → ` +
			`Application permissions → ${role}, then Grant admin consent for the tenant`,
	);
}
