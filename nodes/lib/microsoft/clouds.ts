/**
 * Hosts per Microsoft cloud. Sources: login and Graph hosts from learn.microsoft.com/graph/deployments ("App registration
 * and token service root endpoints", "Microsoft Graph and Graph Explorer service root endpoints"); Exchange Online hosts
 * from learn.microsoft.com/previous-versions/office/office-365-api/api/o365-china-endpoints (partner.outlook.cn) and the
 * Exchange Online PowerShell module's environments (outlook.office365.us for GCC High, outlook-dod.office365.us for DoD).
 * The IMAP scope is the Exchange resource + `/.default` (how-to-authenticate-an-imap-pop-smtp-application-by-using-oauth).
 */
import type { MicrosoftApp, MicrosoftCloud } from './microsoftApp';

interface CloudHosts {
	login: string;
	graph: string;
	exchange: string;
}

export const CLOUDS: Record<MicrosoftCloud, CloudHosts> = {
	global: {
		login: 'login.microsoftonline.com',
		graph: 'graph.microsoft.com',
		exchange: 'outlook.office365.com',
	},
	usGov: {
		login: 'login.microsoftonline.us',
		graph: 'graph.microsoft.us',
		exchange: 'outlook.office365.us',
	},
	usGovDod: {
		login: 'login.microsoftonline.us',
		graph: 'dod-graph.microsoft.us',
		exchange: 'outlook-dod.office365.us',
	},
	china: {
		login: 'login.chinacloudapi.cn',
		graph: 'microsoftgraph.chinacloudapi.cn',
		exchange: 'partner.outlook.cn',
	},
};

/** The application permission Exchange Online demands of an app-only IMAP login. */
export const EXCHANGE_IMAP_ROLE = 'IMAP.AccessAsApp';

/**
 * The application permission Graph demands of an app that creates messages and folders in any mailbox
 * (learn.microsoft.com/graph/api/user-post-messages and mailfolder-post-childfolders, "Permissions": Mail.ReadWrite).
 */
export const GRAPH_MAIL_ROLE = 'Mail.ReadWrite';

const hostsOf = (app: MicrosoftApp): CloudHosts => CLOUDS[app.cloud] ?? CLOUDS.global;

const withoutTrailingSlash = (url: string): string => url.replace(/\/+$/, '');

/** The login origin (https://host[:port]) tokens come from. */
export function loginUrlOf(app: MicrosoftApp): string {
	return withoutTrailingSlash(app.loginUrl || `https://${hostsOf(app).login}`);
}

export function graphUrlOf(app: MicrosoftApp): string {
	return withoutTrailingSlash(app.graphUrl || `https://${hostsOf(app).graph}`);
}

/** The scope of an app-only Exchange Online IMAP token; it names the resource, so host overrides do not change it. */
export function exchangeImapScope(app: MicrosoftApp): string {
	return `https://${hostsOf(app).exchange}/.default`;
}

export function exchangeImapEndpoint(app: MicrosoftApp): { host: string; port: number } {
	return { host: app.imapHost || hostsOf(app).exchange, port: app.imapPort || 993 };
}

/** The scope of an app-only Microsoft Graph token (learn.microsoft.com/graph/auth-v2-service): the cloud's resource. */
export function graphScope(app: MicrosoftApp): string {
	return `https://${hostsOf(app).graph}/.default`;
}
