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

import { routingFields } from './actions/fields/routing.description';
import { router } from './actions/router';
import { testLdapCredential } from '../common/ldapCredentials';

export class SetRouting implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Set Routing',
		name: 'setRouting',
		icon: { light: 'file:setRouting.svg', dark: 'file:setRouting.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{ $parameter["operation"] }}',
		description:
			"Switch migrated users' mail routing in the LDAP directory (e.g. mailHost), verify it, or roll it back from the ledger's snapshot",
		defaults: { name: 'Set Routing' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'ldapDirectory', required: true, testedBy: 'ldapDirectoryTest' }],
		properties: [
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				options: [
					{
						name: 'Switch',
						value: 'switch',
						action: 'Switch the mail routing of a user',
						description:
							"Store the entry's routing attributes in the ledger, then set them to the new values; a second Switch changes nothing",
					},
					{
						name: 'Verify',
						value: 'verify',
						action: 'Verify the mail routing of a user',
						description: 'Read the entry back and compare its routing attributes with the values',
					},
					{
						name: 'Rollback',
						value: 'rollback',
						action: 'Roll back the mail routing of a user or a wave',
						description:
							'Restore the routing attributes as they were before the first Switch, for one user or a whole wave',
					},
				],
				default: 'switch',
			},
			...routingFields,
		],
	};

	methods = {
		credentialTest: {
			async ldapDirectoryTest(
				this: ICredentialTestFunctions,
				credential: ICredentialsDecrypted,
			): Promise<INodeCredentialTestResult> {
				return await testLdapCredential(credential);
			},
		},
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
