/**
 * The steps a pre-flight takes on one side, each passed, failed or skipped, so its output says how far a mailbox got
 * (an app token, the login, the folders, the quota) and which step to fix. Details never carry a secret.
 */
import type { ImapLogin } from '../imap/endpoint';
import { acquireAppToken, MicrosoftTokenError } from '../microsoft';

export type PreflightStep = 'token' | 'login' | 'folders' | 'quota';

export interface PreflightCheck {
	step: PreflightStep;
	status: 'passed' | 'failed' | 'skipped';
	detail: string;
}

/** The application permission an app-only IMAP login needs on Exchange Online (Office 365 Exchange Online API). */
export const IMAP_APP_ROLE = 'IMAP.AccessAsApp';

/** Why a token step failed, for the side's error: the step of the token request that failed, or the missing role. */
export class AppTokenFailure extends Error {
	constructor(
		message: string,
		readonly check: PreflightCheck,
	) {
		super(message);
		this.name = 'AppTokenFailure';
	}
}

/**
 * Gets the app token an OAuth login will use (into the token cache), and checks it carries the IMAP role: without it Exchange refuses the
 * login with a bare "AUTHENTICATE failed", long after the cause could have been named.
 */
export async function checkAppToken(
	oauth: NonNullable<ImapLogin['oauth']>,
): Promise<PreflightCheck> {
	let token;
	try {
		token = await acquireAppToken(oauth.app, oauth.scope);
	} catch (error) {
		if (!(error instanceof MicrosoftTokenError)) throw error;
		const detail = `the ${error.step} step failed: ${error.message}`;
		throw new AppTokenFailure(`Microsoft token: ${detail}`, {
			step: 'token',
			status: 'failed',
			detail,
		});
	}
	const tenant = token.tenantId ?? oauth.app.tenant;
	if (!token.roles.includes(IMAP_APP_ROLE)) {
		const detail = `the token for tenant ${tenant} carries no ${IMAP_APP_ROLE} role (roles: ${token.roles.join(', ') || 'none'}): add the application permission ${IMAP_APP_ROLE} of Office 365 Exchange Online to the app and grant admin consent`;
		throw new AppTokenFailure(`Microsoft token: ${detail}`, {
			step: 'token',
			status: 'failed',
			detail,
		});
	}
	return {
		step: 'token',
		status: 'passed',
		detail: `app token for tenant ${tenant} with ${IMAP_APP_ROLE}, valid until ${new Date(token.expiresAt).toISOString()}`,
	};
}
