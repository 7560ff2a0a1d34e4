/**
 * The node's execute context, mocked for the Microsoft 365 target types: input items with their mailboxes, the
 * node's parameters, and the two credentials they use (the source IMAP account and the Microsoft 365 (App) one).
 */
import type { IExecuteFunctions } from 'n8n-workflow';

import { migrateNode } from '../../harness/n8nNodeFixtures';

export interface MicrosoftTargetSetup {
	targetType: 'graph' | 'exchangeOnline';
	/** The Microsoft 365 (App) credential as n8n hands it to the node (field names of the credential type). */
	appCredential: Record<string, unknown>;
	/** The source account's master password. */
	sourcePassword: string;
}

/** The contexts of one setup: for Pre-flight over `items`, `parameters` overriding the defaults. */
export const microsoftTargetContext =
	(setup: MicrosoftTargetSetup) =>
	(
		items: Array<Record<string, string>>,
		parameters: Record<string, unknown> = {},
		continueOnFail = false,
	): IExecuteFunctions & { asked: string[] } => {
		/** The credentials asked for, in order. */
		const asked: string[] = [];
		const sourceAccount = {
			host: 'imap.old.example',
			port: 993,
			security: 'tls',
			allowSelfSigned: false,
			loginMode: 'dovecotMaster',
			user: 'master',
			password: setup.sourcePassword,
		};
		return {
			asked,
			getInputData: () => items.map((json) => ({ json })),
			getNodeParameter: (name: string, itemIndex: number, fallback?: unknown) => {
				const values: Record<string, unknown> = {
					operation: 'preflight',
					targetType: setup.targetType,
					sourceMailbox: items[itemIndex]?.sourceMailbox,
					targetMailbox: items[itemIndex]?.targetMailbox ?? '',
					...parameters,
				};
				return name in values ? values[name] : fallback;
			},
			getCredentials: async (type: string) => {
				asked.push(type);
				if (type === 'mailSourceImap') return sourceAccount;
				if (type === 'microsoft365App') return setup.appCredential;
				throw new Error(`the ${type} credential is not set`);
			},
			getNode: () => migrateNode,
			getTimezone: () => 'Europe/Berlin',
			continueOnFail: () => continueOnFail,
		} as unknown as IExecuteFunctions & { asked: string[] };
	};
