import { ClientAuthError, ServerError } from '@azure/msal-node';

import type { AppToken } from '../../../nodes/lib/microsoft/appTokens';
import { requireRole } from '../../../nodes/lib/microsoft/permissions';
import {
	MicrosoftTokenError,
	toMicrosoftTokenError,
} from '../../../nodes/lib/microsoft/tokenErrors';

const SECRET = 'Zx8Q~very-secret-value';

/** A ServerError as msal-common builds it from an Azure AD error body (ResponseHandler.validateTokenResponse). */
function serverError(code: number, error: string, description: string): ServerError {
	const message = `Error(s): ${code} - Timestamp: 2026-01-09 02:02:12Z - Description: AADSTS${code}: ${description}\r\nTrace ID: t\r\nCorrelation ID: c\r\nTimestamp: 2026-01-09 02:02:12Z - Correlation ID: c - Trace ID: t`;
	return new ServerError(error, 'c', message, undefined, String(code), 400);
}

describe('toMicrosoftTokenError', () => {
	it.each([
		[90002, 'invalid_request', 'tenant'],
		[700016, 'unauthorized_client', 'client'],
		[7000215, 'invalid_client', 'secret'],
		[7000222, 'invalid_client', 'secret'],
		[700027, 'invalid_client', 'certificate'],
		[700024, 'invalid_client', 'certificate'],
		[65001, 'invalid_grant', 'consent'],
		[500011, 'invalid_resource', 'consent'],
		[50058, 'invalid_grant', 'service'],
	])('maps AADSTS%s to step %s… (%s)', (code, error, step) => {
		const mapped = toMicrosoftTokenError(serverError(code, error, 'Something.'), undefined, []);
		expect(mapped).toMatchObject({ step, aadstsCode: code });
		expect(mapped.message).toContain(`step "${step}"`);
		expect(mapped.message).toContain(`[AADSTS${code}] — Something.`);
	});

	it('reads the cause of a failed discovery from the answer MSAL discarded', () => {
		const mapped = toMicrosoftTokenError(
			new ClientAuthError('openid_config_error', 'c'),
			{
				kind: 'http',
				url: 'https://login.microsoftonline.com/nowhere.example/v2.0/.well-known/openid-configuration',
				status: 400,
				body: {
					error: 'invalid_request',
					error_description: "AADSTS90002: Tenant 'nowhere.example' not found.\r\nTrace ID: t",
					error_codes: [90002],
				},
			},
			[],
		);
		expect(mapped).toMatchObject({ step: 'tenant', aadstsCode: 90002 });
		expect(mapped.message).toContain("Tenant 'nowhere.example' not found.");
	});

	it('reports network failures and unknown answers as network and service steps', () => {
		expect(
			toMicrosoftTokenError(
				new ClientAuthError('network_error', 'c'),
				{ kind: 'network', url: 'https://login.example', message: 'login.example: ENOTFOUND' },
				[],
			),
		).toMatchObject({ step: 'network' });
		expect(
			toMicrosoftTokenError(
				new ClientAuthError('openid_config_error', 'c'),
				{ kind: 'http', url: 'https://login.example/x', status: 502, body: undefined },
				[],
			).message,
		).toContain('login.example answered HTTP 502');
		expect(toMicrosoftTokenError(new Error('odd'), undefined, []).step).toBe('service');
	});

	it('never carries a secret or private key, wherever it appeared', () => {
		const key = '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----';
		for (const error of [
			new Error(`failed with ${SECRET}`),
			serverError(7000215, 'invalid_client', `Invalid client secret ${SECRET} provided.`),
			new Error(`bad key ${key}`),
		]) {
			const mapped = toMicrosoftTokenError(error, undefined, [SECRET, key]);
			expect(mapped).toBeInstanceOf(MicrosoftTokenError);
			expect(mapped.message).not.toContain(SECRET);
			expect(mapped.message).not.toContain('MIIE');
		}
	});
});

describe('requireRole', () => {
	const token = (roles: string[]): AppToken => ({ accessToken: 't', expiresAt: 0, roles });

	it('passes a token with the role and says where to grant a missing one', () => {
		expect(() =>
			requireRole(token(['IMAP.AccessAsApp']), 'IMAP.AccessAsApp', 'Office 365 Exchange Online'),
		).not.toThrow();
		const error = (() => {
			try {
				requireRole(token([]), 'IMAP.AccessAsApp', 'Office 365 Exchange Online');
			} catch (caught) {
				return caught as MicrosoftTokenError;
			}
			return undefined;
		})();
		expect(error?.step).toBe('consent');
		expect(error?.message).toMatch(/no roles, not IMAP\.AccessAsApp/);
		expect(error?.message).toContain('Office 365 Exchange Online → Application permissions');
		expect(error?.message).toContain('Grant admin consent');
	});
});
