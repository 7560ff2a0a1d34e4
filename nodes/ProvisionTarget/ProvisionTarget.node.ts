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

import { ldapFields } from './actions/fields/ldap.description';
import { microsoft365Fields } from './actions/fields/microsoft365.description';
import { router } from './actions/router';
import { testImapCredential } from '../common/imapCredentials';
import { testLdapCredential } from '../common/ldapCredentials';
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
			'Create or correct the target accounts of a migration before their mail is copied: users, licenses and mailboxes, or directory entries',
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
			{
				name: 'ldapDirectory',
				required: true,
				testedBy: 'ldapDirectoryTest',
				displayOptions: { hide: { directory: ['microsoft365'] } },
			},
			{
				// The server Verify Login logs in to: the Migrate node's target, as an integration team has it already.
				name: 'mailTargetImap',
				required: true,
				testedBy: 'mailTargetImapTest',
				displayOptions: {
					hide: { directory: ['microsoft365'], verifyLogin: [false], passwordSource: ['none'] },
				},
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
					{
						name: 'LDAP Directory',
						value: 'ldap',
						description:
							'Entries in an LDAP directory that the IMAP platform reads its users from (Dovecot, Cyrus, Zimbra, Postfix)',
					},
				],
				default: 'microsoft365',
			},
			...microsoft365Fields,
			...ldapFields,
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
			async ldapDirectoryTest(
				this: ICredentialTestFunctions,
				credential: ICredentialsDecrypted,
			): Promise<INodeCredentialTestResult> {
				return await testLdapCredential(credential);
			},
			async mailTargetImapTest(
				this: ICredentialTestFunctions,
				credential: ICredentialsDecrypted,
			): Promise<INodeCredentialTestResult> {
				return await testImapCredential(credential);
			},
		},
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
