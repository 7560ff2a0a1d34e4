import type { INodeProperties } from 'n8n-workflow';

import { DEFAULT_THROUGHPUT_ASSUMPTION } from '../../../lib/defaults';

const showFor = { show: { operation: ['preflight'] } };

// n8n's lint finds a default only in a literal or a plain name, not in a member of an object.
const { megabytesPerSecond, messagesPerSecond } = DEFAULT_THROUGHPUT_ASSUMPTION;

export const preflightFields: INodeProperties[] = [
	{
		displayName: 'Options',
		name: 'preflightOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: showFor,
		options: [
			{
				displayName: 'Assumed Messages per Second',
				name: 'messagesPerSecond',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: messagesPerSecond,
				description: 'Message rate used for the duration estimate; take it from a pilot migration',
			},
			{
				displayName: 'Assumed MB per Second',
				name: 'megabytesPerSecond',
				type: 'number',
				typeOptions: { minValue: 0.1, numberPrecision: 1 },
				default: megabytesPerSecond,
				description: 'Byte rate used for the duration estimate (1 MB = 1,000,000 bytes)',
			},
		],
	},
];
