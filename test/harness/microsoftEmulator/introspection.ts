/**
 * Token introspection for Dovecot 2.3's oauth2 passdb, standing in for Exchange Online's own token check.
 *
 * Dovecot sends only the token: `post` mode posts `token=<token>`, `get` appends it to introspection_url, `auth` sends
 * `Authorization: Bearer` (lib-oauth2 oauth2-introspect.c; doc.dovecot.org/2.3 configuration_manual/authentication/oauth2).
 * The SASL user never reaches this endpoint, so the per-mailbox FullAccess grant cannot be judged here; Dovecot compares
 * the SASL user with `username_attribute` itself (db-oauth2.c db_oauth2_validate_username, both sides through
 * username_format). We answer `tenant_principal` = `<appid>@<tenant domain>`, so `username_format = %Ld` makes Dovecot
 * accept only mailboxes of the token's tenant, and `scope` = the roles, so `scope = IMAP.AccessAsApp` makes Dovecot
 * demand the permission too. Every value is a scalar, which Dovecot turns into a passdb field of the same name.
 */
import { EXCHANGE_RESOURCE, type Directory } from './directory';
import type { EmulatorRequest, Router } from './server';
import type { TokenSigner } from './tokens';

export const EXCHANGE_IMAP_ROLE = 'IMAP.AccessAsApp';

export interface Introspection extends Record<string, unknown> {
	active: boolean;
	tenant_principal: string;
}

export function introspect(
	token: string,
	directory: Directory,
	signer: TokenSigner,
): Introspection {
	const domain = directory.tenant.domains[0];
	const claims = signer.verify(token);
	if (!claims) return { active: false, tenant_principal: `unknown@${domain}` };
	const roles = claims.roles ?? [];
	// Exchange Online accepts an app-only token that is unexpired, issued for Exchange and carries IMAP.AccessAsApp
	// (learn.microsoft.com/exchange/client-developer/legacy-protocols/how-to-authenticate-an-imap-pop-smtp-application-by-using-oauth).
	const active =
		claims.exp * 1000 > Date.now() &&
		claims.aud === EXCHANGE_RESOURCE &&
		claims.tid === directory.tenant.id &&
		roles.includes(EXCHANGE_IMAP_ROLE);
	return {
		active,
		tenant_principal: `${claims.appid}@${domain}`,
		client_id: claims.appid,
		appid: claims.appid,
		tid: claims.tid,
		aud: claims.aud,
		scope: roles.join(' '),
		exp: claims.exp,
		iat: claims.iat,
		token_type: 'Bearer',
	};
}

function tokenOf(request: EmulatorRequest): string {
	const bearer = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '');
	return bearer?.[1] ?? request.form.get('token') ?? request.query.get('token') ?? '';
}

export function addIntrospectionRoutes(
	router: Router,
	directory: Directory,
	signer: TokenSigner,
): void {
	for (const method of ['GET', 'POST']) {
		router.add(method, /^\/introspect$/, (request) => ({
			status: 200,
			body: introspect(tokenOf(request), directory, signer),
		}));
	}
}
