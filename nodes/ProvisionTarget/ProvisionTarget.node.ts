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

import { microsoft365Fields } from './actions/fields/microsoft365.description';
import { router } from './actions/router';
import { testMicrosoftAppCredential } from '../common/microsoftCredentials';

export class ProvisionTarget implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Provision Target',
		name: 'provisionTarget',
		icon: { light: 'file:provisionTarget.svg', dark: 'file:provisionTarget.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{ $parameter["directory"] }}',
		description:
			'Create or correct the target accounts of a migration before their mail is copied: users, licenses and mailboxes',
		defaults: { name: 'Provision Target' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{
				name: 'microsoft365App',
				required: true,
				testedBy: 'microsoft365AppTest',
				// `hide`, not `show`: see Migrate Mailbox; the other directories bring credentials of their own.
				displayOptions: { hide: { directory: ['ldap'] } },
			},
		],
		properties: [
			{
				displayName: 'Directory',
				name: 'directory',
				type: 'options',
				noDataExpression: true,
				options: [
					{
						name: 'Microsoft 365',
						value: 'microsoft365',
						description:
							'Users in Microsoft Entra ID with a license and an Exchange Online mailbox, through Microsoft Graph',
					},
				],
				default: 'microsoft365',
			},
			...microsoft365Fields,
		],
	};

	methods = {
		credentialTest: {
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
