import type { INodeProperties } from 'n8n-workflow';

const showFor = { show: { operation: ['notMigrated'] } };

export const notMigratedFields: INodeProperties[] = [
	{
		displayName: 'Sort By',
		name: 'sortBy',
		type: 'options',
		displayOptions: showFor,
		options: [
			{ name: 'Mailbox and Folder', value: 'mailbox' },
			{
				name: 'Reason',
				value: 'kind',
				description: 'Refused, failed, oversize, in doubt, excluded',
			},
			{ name: 'Size (Largest First)', value: 'size' },
			{ name: 'Attempts (Most First)', value: 'attempts' },
		],
		default: 'mailbox',
	},
	{
		displayName: 'Items Listed',
		name: 'itemsListed',
		type: 'number',
		typeOptions: { minValue: 1 },
		displayOptions: showFor,
		default: 1000,
		description: 'Most items listed in the report; the counts cover all of them',
	},
];
