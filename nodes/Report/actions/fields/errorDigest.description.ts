import type { INodeProperties } from 'n8n-workflow';

import { DEFAULT_DIGEST_NAME } from '../../../lib/reports';

const showFor = { show: { operation: ['errorDigest'] } };

export const errorDigestFields: INodeProperties[] = [
	{
		displayName: 'Since',
		name: 'since',
		type: 'options',
		displayOptions: showFor,
		options: [
			{
				name: 'Last Digest',
				value: 'lastDigest',
				description:
					'Failures recorded after the last digest of this name (all of them the first time)',
			},
			{ name: 'A Time', value: 'time', description: 'Failures recorded after a given time' },
		],
		default: 'lastDigest',
	},
	{
		displayName: 'Since Time',
		name: 'sinceTime',
		type: 'dateTime',
		displayOptions: { show: { operation: ['errorDigest'], since: ['time'] } },
		default: '',
		required: true,
	},
	{
		displayName: 'Digest Name',
		name: 'digestName',
		type: 'string',
		displayOptions: showFor,
		default: DEFAULT_DIGEST_NAME,
		description:
			'Digests of one name share where the last one ended; give each recipient list its own name to digest separately',
	},
	{
		displayName: 'Items Listed',
		name: 'itemsListed',
		type: 'number',
		typeOptions: { minValue: 1 },
		displayOptions: showFor,
		default: 1000,
		description: 'Most failed items listed in the digest; the count covers all of them',
	},
];
