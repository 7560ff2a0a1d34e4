/**
 * Pre-flight of a Microsoft 365 mailbox written through Microsoft Graph, step by step: the app token with
 * Mail.ReadWrite, the user in the directory, the mailbox answering mail requests (ready), its folder tree with counts,
 * and the quota, which Graph does not offer an app. Read-only: it lists, it never creates.
 */
import { GRAPH_DEFAULTS } from '../defaults';
import { GraphClient, GraphRequestError } from '../graph/graphClient';
import { IF_IT_STAYS_SO, isMailboxNotReady, NOT_READY_BECAUSE } from '../graph/mailboxReadiness';
import { acquireAppToken } from '../microsoft/appTokens';
import { GRAPH_MAIL_ROLE, graphScope, graphUrlOf } from '../microsoft/clouds';
import { GraphFolderTree } from '../migration/stores/graph/graphFolders';
import type { GraphStoreOptions } from '../migration/stores/storeSides';
import type { FailureLayer } from '../imap/connectionFailure';
import type { MailboxSurvey } from './preflight';
import {
	AppTokenFailure,
	checkAppToken,
	MailboxUnreachableError,
	type PreflightCheck,
} from './preflightChecks';

export interface GraphFolderSurvey {
	/** Display names with '/' between levels; the Inbox is INBOX, as the migration names it. */
	path: string;
	specialUse: string | null;
	messages: number;
}

export interface GraphMailboxSurvey {
	kind: 'graph';
	/** Each step taken, in order: token, user, mailbox, folders, quota. */
	checks: PreflightCheck[];
	/** The Graph host the requests went to. */
	server: string;
	mailbox: string;
	/** false while Exchange has not provisioned the mailbox (MailboxNotEnabledForRESTAPI): run the pre-flight again later. */
	ready: boolean;
	/** From the directory, when the app may read it (User.Read.All); null otherwise. */
	user: { id: string; displayName: string | null; userPrincipalName: string } | null;
	folders: GraphFolderSurvey[];
	/** Graph v1.0 gives folders counts but no sizes. */
	totals: { folders: number; messages: number };
	quota: null;
}

const NOT_READY_ADVICE = `not ready yet: ${NOT_READY_BECAUSE}; run the pre-flight again later. ${IF_IT_STAYS_SO}`;

/**
 * Outside the app's mailboxes: an application access policy (New-ApplicationAccessPolicy) or RBAC for Applications
 * (New-ManagementRoleAssignment with a scope) limits which mailboxes an app with Mail.ReadWrite may open
 * (learn.microsoft.com/powershell/module/exchange/new-applicationaccesspolicy; /exchange/permissions-exo/application-rbac).
 */
const ACCESS_DENIED_ADVICE =
	'Graph refused the app this mailbox. When an application access policy or RBAC for Applications limits the app to some mailboxes, add this one (Test-ApplicationAccessPolicy or Test-ServicePrincipalAuthorization shows what applies).';

/**
 * RBAC for Applications grants Mail.ReadWrite in Exchange, scoped to some mailboxes, and is meant to be used without
 * the tenant-wide Entra consent (the two add up): its tokens carry no Mail.ReadWrite role
 * (learn.microsoft.com/exchange/permissions-exo/application-rbac). So a token without the role is not refused here.
 */
const RBAC_GRANT =
	"Graph accepts that only when Exchange's RBAC for Applications assigns the app the role Application Mail.ReadWrite; the mailbox step shows whether it does";

const MISSING_GRANT_ADVICE = `Grant the app ${GRAPH_MAIL_ROLE}: in the app registration open API permissions → Add a permission → Microsoft Graph → Application permissions → ${GRAPH_MAIL_ROLE}, then Grant admin consent; or assign it the Exchange role Application ${GRAPH_MAIL_ROLE} with a scope that holds this mailbox (RBAC for Applications).`;

const QUOTA_SKIPPED =
	"not read: Graph has no per-mailbox quota for an app with Mail.ReadWrite (the mailbox usage report, reports/getMailboxUsageDetail, needs Reports.Read.All and lags by days); see the mailbox's quota in the Exchange admin center or with Get-EXOMailboxStatistics";

/** What failed, for the side's error: the layer people call about, and a sentence without secrets. */
function failureOf(error: unknown, server: string): { layer: FailureLayer; message: string } {
	if (error instanceof GraphRequestError) {
		if (error.status === 0) return { layer: 'tcp', message: `${server}: ${error.message}` };
		return {
			layer: error.status === 401 || error.status === 403 ? 'auth' : 'protocol',
			message: `${server}: ${error.message}`,
		};
	}
	return { layer: 'protocol', message: `${server}: ${(error as Error).message}` };
}

interface DirectoryUser {
	id: string;
	displayName?: string | null;
	userPrincipalName: string;
}

/** Surveys the target mailbox through Graph; throws MailboxUnreachableError naming the failed step. */
export async function surveyGraphMailbox(store: GraphStoreOptions): Promise<GraphMailboxSurvey> {
	const server = new URL(graphUrlOf(store.app)).host;
	const checks: PreflightCheck[] = [];
	const unreachable = (step: PreflightCheck['step'], error: unknown, advice?: string) => {
		const failure = failureOf(error, server);
		if (advice) failure.message += ` ${advice}`;
		checks.push({ step, status: 'failed', detail: failure.message });
		return new MailboxUnreachableError('target', failure, checks);
	};
	const survey: GraphMailboxSurvey = {
		kind: 'graph',
		checks,
		server,
		mailbox: store.mailbox,
		ready: false,
		user: null,
		folders: [],
		totals: { folders: 0, messages: 0 },
		quota: null,
	};
	try {
		checks.push(
			await checkAppToken({
				app: store.app,
				scope: graphScope(store.app),
				role: GRAPH_MAIL_ROLE,
				api: 'Microsoft Graph',
				grantedElsewhere: RBAC_GRANT,
			}),
		);
	} catch (error) {
		if (!(error instanceof AppTokenFailure)) throw error;
		checks.push(error.check);
		throw new MailboxUnreachableError('target', { layer: 'auth', message: error.message }, checks);
	}
	// From the token cache: the token the step above took.
	const roleInToken = (await acquireAppToken(store.app, graphScope(store.app))).roles.includes(
		GRAPH_MAIL_ROLE,
	);
	const graph = new GraphClient(store.app, store.mailbox, { limits: store.limits });

	// The user (GET /users/{upn}, learn.microsoft.com/graph/api/user-get) needs User.Read.All, which copying does not:
	// without it the step is skipped and the mailbox step tells whether the mailbox exists.
	try {
		const user = await graph.get<DirectoryUser>(
			`${graphUrlOf(store.app)}/v1.0/users/${encodeURIComponent(store.mailbox)}?$select=id,displayName,userPrincipalName`,
		);
		survey.user = {
			id: user.id,
			displayName: user.displayName ?? null,
			userPrincipalName: user.userPrincipalName,
		};
		checks.push({
			step: 'user',
			status: 'passed',
			detail: `user ${user.userPrincipalName}${user.displayName ? ` (${user.displayName})` : ''}, id ${user.id}`,
		});
	} catch (error) {
		if (error instanceof GraphRequestError && error.status === 403) {
			checks.push({
				step: 'user',
				status: 'skipped',
				detail:
					'not read: the app may not read the directory (User.Read.All, optional); the mailbox step shows whether the mailbox exists',
			});
		} else if (error instanceof GraphRequestError && error.status === 404) {
			throw unreachable(
				'user',
				error,
				`No user ${store.mailbox} in tenant ${store.app.tenant}: check Target Mailbox (the user's principal name).`,
			);
		} else {
			throw unreachable('user', error);
		}
	}

	try {
		const inbox = await graph.get<{ totalItemCount?: number }>(
			'/mailFolders/inbox?$select=id,totalItemCount',
		);
		checks.push({
			step: 'mailbox',
			status: 'passed',
			detail: `the mailbox answers mail requests; its Inbox holds ${inbox.totalItemCount ?? 0} messages`,
		});
	} catch (error) {
		if (isMailboxNotReady(error)) {
			checks.push({ step: 'mailbox', status: 'pending', detail: NOT_READY_ADVICE });
			checks.push({ step: 'folders', status: 'skipped', detail: 'the mailbox is not ready' });
			checks.push({ step: 'quota', status: 'skipped', detail: 'the mailbox is not ready' });
			return survey;
		}
		const advice =
			error instanceof GraphRequestError && error.status === 403
				? roleInToken
					? ACCESS_DENIED_ADVICE
					: MISSING_GRANT_ADVICE
				: error instanceof GraphRequestError && error.status === 404
					? `No mailbox ${store.mailbox}: check Target Mailbox (the user's principal name).`
					: undefined;
		throw unreachable('mailbox', error, advice);
	}
	survey.ready = true;

	try {
		// Paged (@odata.nextLink) and walked through childFolders, as the migration lists the tree.
		const listed = await new GraphFolderTree(graph).refresh();
		survey.folders = listed
			.map((folder) => ({
				path: folder.rawName,
				specialUse: folder.specialUse,
				messages: folder.messages,
			}))
			.sort((a, b) => a.path.localeCompare(b.path));
	} catch (error) {
		throw unreachable('folders', error);
	}
	survey.totals = {
		folders: survey.folders.length,
		messages: survey.folders.reduce((sum, folder) => sum + folder.messages, 0),
	};
	checks.push({
		step: 'folders',
		status: 'passed',
		detail: `${survey.folders.length} folders listed, ${survey.totals.messages} messages`,
	});
	checks.push({ step: 'quota', status: 'skipped', detail: QUOTA_SKIPPED });
	return survey;
}

/** What to know before copying into this mailbox through Graph. */
export function graphWarnings(source: MailboxSurvey, target: GraphMailboxSurvey): string[] {
	const warnings: string[] = [];
	const limit = GRAPH_DEFAULTS.maxMessageBytes;
	if (source.largestMessage && source.largestMessage.bytes > limit) {
		warnings.push(
			`the largest source message (${source.largestMessage.bytes} bytes in ${source.largestMessage.folder}) exceeds Microsoft 365's default message size limit of ${limit} bytes: raise the mailbox's MaxReceiveSize (up to 150 MB) and Max Message Size, or such messages get their attachments zipped or are listed as oversize`,
		);
	}
	if (target.totals.messages > 0) {
		warnings.push(
			`the target already holds ${target.totals.messages} messages; they are left alone. Only messages this migration created are matched (by their source key), so mail another tool copied there would be copied again`,
		);
	}
	return warnings;
}
