/**
 * The steps a pre-flight takes on one side, each passed, failed or skipped, so its output says how far a mailbox got
 * (an app token, the login, the folders, the quota) and which step to fix. Details never carry a secret.
 */
import type { ConnectionFailure } from '../imap/connectionFailure';
import { acquireAppToken } from '../microsoft/appTokens';
import type { MicrosoftApp } from '../microsoft/microsoftApp';
import { requireRole, type MicrosoftApi } from '../microsoft/permissions';
import { MicrosoftTokenError } from '../microsoft/tokenErrors';

/** IMAP sides: token (OAuth logins only), login, folders, quota. Graph: token, user, mailbox, folders, quota. */
export type PreflightStep = 'token' | 'login' | 'user' | 'mailbox' | 'folders' | 'quota';

export interface PreflightCheck {
	step: PreflightStep;
	/** `pending`: not failed, not done yet either (a Graph mailbox Exchange has not provisioned yet). */
	status: 'passed' | 'failed' | 'skipped' | 'pending';
	detail: string;
}

/** A side that could not be surveyed: which side, the failure, and the steps taken up to the failed one. */
export class MailboxUnreachableError extends Error {
	constructor(
		readonly side: 'source' | 'target',
		readonly failure: ConnectionFailure,
		/** The steps taken on that side up to the failed one, which is last. */
		readonly checks: PreflightCheck[] = [],
	) {
		super(`${side}: ${failure.message}`);
		this.name = 'MailboxUnreachableError';
	}
}

/** A failed token step: its check, and the message (naming the step of the token request) for the side's error. */
export class AppTokenFailure extends Error {
	constructor(readonly check: PreflightCheck) {
		super(check.detail);
		this.name = 'AppTokenFailure';
	}
}

/** The token a side's requests carry: for which app and scope, and the application permission it must hold. */
export interface AppTokenNeed {
	app: MicrosoftApp;
	scope: string;
	role: string;
	api: MicrosoftApi;
	/**
	 * How else the permission may be granted, when it can be granted outside the token: then a token without the role
	 * passes this step with that said, and the first request shows whether the API grants access.
	 */
	grantedElsewhere?: string;
}

/**
 * Gets the app token the side's requests will use (into the token cache), and checks it carries the permission they
 * need (IMAP.AccessAsApp, Mail.ReadWrite): without it Exchange refuses an IMAP login with a bare "AUTHENTICATE failed"
 * and Graph answers 403, long after the cause could have been named.
 */
export async function checkAppToken(need: AppTokenNeed): Promise<PreflightCheck> {
	try {
		const token = await acquireAppToken(need.app, need.scope);
		const tenant = token.tenantId ?? need.app.tenant;
		const until = new Date(token.expiresAt).toISOString();
		if (need.grantedElsewhere && !token.roles.includes(need.role)) {
			return {
				step: 'token',
				status: 'passed',
				detail: `app token for tenant ${tenant} without ${need.role}, valid until ${until}: ${need.grantedElsewhere}`,
			};
		}
		requireRole(token, need.role, need.api);
		return {
			step: 'token',
			status: 'passed',
			detail: `app token for tenant ${tenant} with ${need.role}, valid until ${until}`,
		};
	} catch (error) {
		// Its message names the step (tenant, client, secret, certificate, consent, network, service), never a secret.
		if (!(error instanceof MicrosoftTokenError)) throw error;
		throw new AppTokenFailure({ step: 'token', status: 'failed', detail: error.message });
	}
}
