import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { advanceMarkFields, errorDigestFields } from './actions/fields/errorDigest.description';
import { notMigratedFields } from './actions/fields/notMigrated.description';
import { outputFields, scopeFields } from './actions/fields/scope.description';
import { router } from './actions/router';

export class Report implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Migration Report',
		name: 'report',
		icon: { light: 'file:report.svg', dark: 'file:report.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{ $parameter["operation"] }}',
		description:
			'Report on a mailbox migration from its ledger: wave summary, items not migrated, error digest; as HTML, CSV and JSON',
		defaults: { name: 'Migration Report' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				options: [
					{
						name: 'Wave Summary',
						value: 'waveSummary',
						action: 'Summarise a migration wave',
						description:
							'Per mailbox: status, items, bytes, duration, verified or not, routing switched or not; with totals',
					},
					{
						name: 'Not Migrated',
						value: 'notMigrated',
						action: 'List the items not migrated',
						description:
							'Every item failed, skipped or in doubt, with its reason: oversize with its size, refused with the server’s code, attempts',
					},
					{
						name: 'Error Digest',
						value: 'errorDigest',
						action: 'Digest the failures since the last digest',
						description:
							'Mailboxes that could not start and items that failed, since a time or since the last digest',
					},
					{
						name: 'Advance Digest Mark',
						value: 'advanceDigestMark',
						action: 'Mark an error digest as delivered',
						description:
							'After an Error Digest with Move Mark "After Delivery" was sent: move its mark, so the next digest starts where it ended',
					},
				],
				default: 'waveSummary',
			},
			...scopeFields,
			...notMigratedFields,
			...errorDigestFields,
			...advanceMarkFields,
			...outputFields,
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
