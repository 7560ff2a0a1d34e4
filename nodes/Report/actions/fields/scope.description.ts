import type { INodeProperties } from 'n8n-workflow';

import { ledgerFileOption, migrationNameProperty } from '../../../common/ledgerParameters';

export const scopeFields: INodeProperties[] = [
	migrationNameProperty(),
	{
		displayName: 'Mailboxes',
		name: 'scope',
		type: 'options',
		noDataExpression: true,
		displayOptions: { hide: { operation: ['advanceDigestMark'] } },
		options: [
			{
				name: 'Whole Migration',
				value: 'migration',
				description: 'Every mailbox the ledger holds for this migration',
			},
			{
				name: 'Users of the Input Items',
				value: 'inputUsers',
				description:
					'Only the mailboxes of the users the input items name, e.g. tonight’s wave; a user the ledger does not know is listed as not started',
			},
		],
		default: 'migration',
	},
	{
		displayName: 'User',
		name: 'user',
		type: 'string',
		default: '={{ $json.sourceMailbox || $json.mailbox || $json.email }}',
		required: true,
		displayOptions: {
			show: { scope: ['inputUsers'] },
			hide: { operation: ['advanceDigestMark'] },
		},
		description:
			'The source mailbox of each input item: its login (alice@example.com) or its ledger account (alice@example.com@imap.example.com:993)',
	},
];

export const outputFields: INodeProperties[] = [
	{
		displayName: 'Options',
		name: 'reportOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			ledgerFileOption,
			{
				displayName: 'Output',
				name: 'output',
				type: 'options',
				options: [
					{
						name: 'One Summary Item',
						value: 'summary',
						description:
							'One item with the totals, a headline and the HTML, with the report files attached: ready for a Send Email node',
					},
					{
						name: 'One Item per Row',
						value: 'rows',
						description:
							'One item per mailbox (Wave Summary) or per item listed (Not Migrated, Error Digest), without files',
					},
				],
				default: 'summary',
			},
			{
				displayName: 'Files',
				name: 'files',
				type: 'multiOptions',
				options: [
					{ name: 'HTML', value: 'html' },
					{ name: 'CSV', value: 'csv' },
					{ name: 'JSON', value: 'json' },
				],
				default: ['html', 'csv', 'json'],
				description:
					'Report files to attach to the summary item, each in a binary property named after its format (file report.html, report.csv...)',
			},
			{
				displayName: 'Include HTML in JSON',
				name: 'htmlField',
				type: 'boolean',
				default: true,
				description:
					'Whether the summary item carries the HTML report in its html field (e.g. as the body of an email)',
			},
		],
	},
];
