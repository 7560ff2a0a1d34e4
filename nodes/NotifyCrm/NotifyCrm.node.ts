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

import { planFields } from './actions/fields/plan.description';
import { providerFields } from './actions/fields/provider.description';
import { recipientFields } from './actions/fields/recipient.description';
import { testSigningSecret } from './actions/provider';
import { router } from './actions/router';
import { testMicrosoftAppCredential } from '../common/microsoftCredentials';

const notSending = ['planOnly', 'markSent'];

/** A webhook credential applies only to Send with a webhook and its Authentication; `hide` keeps Provider in the panel (see Migrate Mailbox). */
const webhookCredential = (name: string) => ({
	name,
	required: true,
	displayOptions: {
		show: { authentication: [name] },
		hide: { operation: notSending, provider: ['dynamics365'] },
	},
});

export class NotifyCrm implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Notify CRM',
		name: 'notifyCrm',
		icon: { light: 'file:notifyCrm.svg', dark: 'file:notifyCrm.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{ $parameter["operation"] }}',
		description:
			'Tell users about their mailbox migration on a plan of stages (T-7, T-1, T+0...), through a webhook or Dynamics 365, each stage sent once',
		defaults: { name: 'Notify CRM' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			webhookCredential('httpBasicAuth'),
			webhookCredential('httpBearerAuth'),
			webhookCredential('httpHeaderAuth'),
			webhookCredential('httpQueryAuth'),
			{
				name: 'webhookSigningSecret',
				required: true,
				testedBy: 'webhookSigningSecretTest',
				displayOptions: {
					hide: { operation: notSending, provider: ['dynamics365'], signRequests: [false] },
				},
			},
			{
				name: 'microsoft365App',
				required: true,
				testedBy: 'microsoft365AppTest',
				displayOptions: { hide: { operation: notSending, provider: ['webhook'] } },
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
						name: 'Send',
						value: 'send',
						action: 'Send the due stages to each user',
						description:
							'Send each user the stages now due, through a webhook or Dynamics 365; reruns send nothing twice',
					},
					{
						name: 'Plan Only',
						value: 'planOnly',
						action: 'List the due messages',
						description:
							'Output the due messages as items, for another node (any CRM) to send; then Mark Sent',
					},
					{
						name: 'Mark Sent',
						value: 'markSent',
						action: 'Record a stage as sent',
						description: 'Record in the ledger that another node sent a stage of Plan Only',
					},
				],
				default: 'send',
			},
			...recipientFields,
			...planFields,
			...providerFields,
		],
	};

	methods = {
		credentialTest: {
			async webhookSigningSecretTest(
				this: ICredentialTestFunctions,
				credential: ICredentialsDecrypted,
			): Promise<INodeCredentialTestResult> {
				return testSigningSecret(credential);
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
