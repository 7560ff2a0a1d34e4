import {
	NodeConnectionTypes,
	type ICredentialsDecrypted,
	type ICredentialTestFunctions,
	type IExecuteFunctions,
	type INodeCredentialTestResult,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { executionFields } from './actions/fields/execution.description';
import { mailboxFields } from './actions/fields/mailbox.description';
import { preflightFields } from './actions/fields/preflight.description';
import { router } from './actions/router';
import { testImapCredential } from '../common/imapCredentials';
import { testMicrosoftAppCredential } from '../common/microsoftCredentials';

export class MigrateMailbox implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Migrate Mailbox',
		name: 'migrateMailbox',
		icon: { light: 'file:migrateMailbox.svg', dark: 'file:migrateMailbox.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{ $parameter["operation"] }}',
		description:
			'Check, copy and verify whole mailboxes from a legacy IMAP server to a new one or to Microsoft 365 (IMAP or Graph)',
		defaults: { name: 'Migrate Mailbox' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{ name: 'mailSourceImap', required: true, testedBy: 'mailSourceImapTest' },
			// `hide`, not `show`: n8n's editor takes a parameter that picks the credential through `show` for an
			// authentication field and removes it (and what depends on it) from the node's panel; Target Type must stay there.
			{
				name: 'mailTargetImap',
				required: true,
				testedBy: 'mailTargetImapTest',
				displayOptions: { hide: { targetType: ['exchangeOnline', 'graph'] } },
			},
			{
				name: 'microsoft365App',
				required: true,
				testedBy: 'microsoft365AppTest',
				// One credential for both Microsoft 365 paths; its Test reports what each can do.
				displayOptions: { hide: { targetType: ['imap'] } },
			},
		],
		properties: [
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				options: [
					{
						name: 'Pre-Flight',
						value: 'preflight',
						action: 'Check a mailbox before migrating it',
						description:
							'Log in on both sides and report capabilities, folders, counts, sizes, quota and a duration estimate',
					},
					{
						name: 'Migrate',
						value: 'migrate',
						action: 'Migrate a mailbox',
						description:
							'Copy messages, folders, flags and dates; resumable, with every item recorded in the ledger',
					},
					{
						name: 'Verify',
						value: 'verify',
						action: 'Verify a migrated mailbox',
						description:
							'Compare source, target and ledger folder by folder and list every missing or extra item',
					},
				],
				default: 'preflight',
			},
			...mailboxFields,
			...preflightFields,
			...executionFields,
		],
	};

	methods = {
		credentialTest: {
			async mailSourceImapTest(
				this: ICredentialTestFunctions,
				credential: ICredentialsDecrypted,
			): Promise<INodeCredentialTestResult> {
				return await testImapCredential(credential);
			},
			async mailTargetImapTest(
				this: ICredentialTestFunctions,
				credential: ICredentialsDecrypted,
			): Promise<INodeCredentialTestResult> {
				return await testImapCredential(credential);
			},
			async microsoft365AppTest(
				this: ICredentialTestFunctions,
				credential: ICredentialsDecrypted,
			): Promise<INodeCredentialTestResult> {
				return await testMicrosoftAppCredential(credential);
			},
		},
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
