/**
 * The steps a pre-flight takes on one side, each passed, failed or skipped, so its output says how far a mailbox got
 * (an app token, the login, the folders, the quota) and which step to fix. Details never carry a secret.
 */
import type { ImapLogin } from '../imap/endpoint';
import { acquireAppToken } from '../microsoft/appTokens';
import { EXCHANGE_IMAP_ROLE } from '../microsoft/clouds';
import { requireRole } from '../microsoft/permissions';
import { MicrosoftTokenError } from '../microsoft/tokenErrors';

export type PreflightStep = 'token' | 'login' | 'folders' | 'quota';

export interface PreflightCheck {
	step: PreflightStep;
	status: 'passed' | 'failed' | 'skipped';
	detail: string;
}

/** A failed token step: its check, and the message (naming the step of the token request) for the side's error. */
export class AppTokenFailure extends Error {
	constructor(readonly check: PreflightCheck) {
		super(check.detail);
		this.name = 'AppTokenFailure';
	}
}

/**
 * Gets the app token an OAuth login will use (into the token cache), and checks it carries IMAP.AccessAsApp: without
 * it Exchange refuses the login with a bare "AUTHENTICATE failed", long after the cause could have been named.
 */
export async function checkAppToken(
	oauth: NonNullable<ImapLogin['oauth']>,
): Promise<PreflightCheck> {
	try {
		const token = await acquireAppToken(oauth.app, oauth.scope);
		requireRole(token, EXCHANGE_IMAP_ROLE, 'Office 365 Exchange Online');
		return {
			step: 'token',
			status: 'passed',
			detail: `app token for tenant ${token.tenantId ?? oauth.app.tenant} with ${EXCHANGE_IMAP_ROLE}, valid until ${new Date(token.expiresAt).toISOString()}`,
		};
	} catch (error) {
		// Its message names the step (tenant, client, secret, certificate, consent, network, service), never a secret.
		if (!(error instanceof MicrosoftTokenError)) throw error;
		throw new AppTokenFailure({ step: 'token', status: 'failed', detail: error.message });
	}
}
