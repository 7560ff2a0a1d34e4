/** What tests hand the node as n8n would: its INode, and credential data in the credential types' field names. */
import type { INode } from 'n8n-workflow';

import type { MicrosoftApp } from '../../nodes/lib/microsoft/microsoftApp';
import type { SlapdServer } from './slapd';

export const migrateNode: INode = {
	id: 'n1',
	name: 'Migrate',
	type: 'n8n-nodes-mailbox-migration.migrateMailbox',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
};

export const provisionTargetNode: INode = {
	id: 'p1',
	name: 'Provision Target',
	type: 'n8n-nodes-mailbox-migration.provisionTarget',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
};

/** The Microsoft 365 (App) credential of an app by secret, with its override URLs (login, Graph, IMAP) and trusted CA. */
export function microsoft365AppData(app: MicrosoftApp): Record<string, unknown> {
	return {
		tenant: app.tenant,
		clientId: app.clientId,
		authentication: 'clientSecret',
		clientSecret: app.clientSecret,
		cloud: app.cloud,
		customEndpoints: true,
		loginUrl: app.loginUrl,
		graphUrl: app.graphUrl,
		imapHost: app.imapHost,
		imapPort: app.imapPort,
		trustedCaPem: app.trustedCaPem,
	};
}

export const notifyCrmNode: INode = {
	id: 'n2',
	name: 'Notify CRM',
	type: 'n8n-nodes-mailbox-migration.notifyCrm',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
};

export const setRoutingNode: INode = {
	id: 'n2',
	name: 'Set Routing',
	type: 'n8n-nodes-mailbox-migration.setRouting',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
};

/** The LDAP Directory credential of a private slapd as its root DN (`ldaps` on its LDAPS port), trusting its CA. */
export function ldapDirectoryData(
	slapd: SlapdServer,
	security: 'none' | 'startTls' | 'ldaps' = 'none',
): Record<string, unknown> {
	return {
		url: security === 'ldaps' ? slapd.ldapsUrl : slapd.url,
		connectionSecurity: security,
		trustedCaPem: slapd.caPem ?? '',
		ignoreTlsIssues: false,
		bindDN: slapd.rootDn,
		bindPassword: slapd.rootPassword,
		baseDN: slapd.suffix,
		connectTimeoutMs: 10000,
		timeoutMs: 30000,
	};
}
