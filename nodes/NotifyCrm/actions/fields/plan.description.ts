/**
 * The communication plan: its stages, each relative to the user's migration date, with its message. Subject and body
 * are read per item, so expressions see the roster row (`$json`); the defaults are a four-stage plan to edit.
 */
import type { INodeProperties } from 'n8n-workflow';

const stage = (
	name: string,
	offsetDays: number,
	timeOfDay: string,
	subject: string,
	body: string,
) => ({ name, offsetDays, timeOfDay, subject, body });

export const planFields: INodeProperties[] = [
	{
		displayName: 'Communication Plan',
		name: 'plan',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true, sortable: true },
		placeholder: 'Add Stage',
		displayOptions: { show: { operation: ['send', 'planOnly'] } },
		default: {
			stages: [
				stage(
					'T-7',
					-7,
					'09:00',
					'=Your mailbox moves on {{ $json.migrationDate }}',
					'=Hello {{ $json.name }},\n\nyour mailbox moves to the new service on {{ $json.migrationDate }}. Nothing is lost; you will get a reminder the day before.',
				),
				stage(
					'T-1',
					-1,
					'09:00',
					'=Tomorrow: your mailbox moves',
					'=Hello {{ $json.name }},\n\nyour mailbox moves tomorrow. Please close your mail program in the evening.',
				),
				stage(
					'T+0',
					0,
					'08:00',
					'=Your mailbox has moved',
					'=Hello {{ $json.name }},\n\nyour mailbox has moved. Sign in to the new service with your usual address.',
				),
				stage(
					'T+1',
					1,
					'10:00',
					'=How is your new mailbox?',
					'=Hello {{ $json.name }},\n\nif anything is missing from your mailbox, reply to this message.',
				),
			],
		},
		options: [
			{
				displayName: 'Stage',
				name: 'stages',
				// In the order a stage reads (which, when, what), not alphabetical.
				// eslint-disable-next-line n8n-nodes-base/node-param-fixed-collection-type-unsorted-items
				values: [
					{
						displayName: 'Name',
						name: 'name',
						type: 'string',
						default: '',
						placeholder: 'T-7',
						description:
							'Unique in the plan; the ledger records each stage sent under it, so renaming a stage sends it again',
					},
					{
						displayName: 'Offset (Days)',
						name: 'offsetDays',
						type: 'number',
						default: 0,
						description:
							'Calendar days from the migration date: -7 a week before, 0 the day itself, 1 the day after',
					},
					{
						displayName: 'Time of Day',
						name: 'timeOfDay',
						type: 'string',
						default: '09:00',
						placeholder: '09:00',
						description: 'HH:MM (24-hour) on the user’s own clock, daylight saving included',
					},
					{
						displayName: 'Subject',
						name: 'subject',
						type: 'string',
						default: '',
					},
					{
						displayName: 'Body',
						name: 'body',
						type: 'string',
						typeOptions: { rows: 4 },
						default: '',
					},
				],
			},
		],
	},
];
