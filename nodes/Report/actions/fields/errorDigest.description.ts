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
			'Digests of one name share where the last one ended; give each recipient list its own name to digest separately. A digest of the input users only keeps its own mark for exactly those users and never moves the whole migration’s.',
	},
	{
		displayName: 'Move Mark',
		name: 'markMode',
		type: 'options',
		displayOptions: showFor,
		options: [
			{
				name: 'When Built',
				value: 'advance',
				description:
					'The next Last Digest digest starts where this one ends, whether or not this one was delivered',
			},
			{
				name: 'After Delivery',
				value: 'pending',
				description:
					'The digest item carries a digestMark; the mark moves only when a Migration Report node (Advance Digest Mark) after the email node is given it, so a digest whose email failed is read again',
			},
		],
		default: 'advance',
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

export const advanceMarkFields: INodeProperties[] = [
	{
		displayName: 'Digest Mark',
		name: 'digestMark',
		type: 'string',
		required: true,
		displayOptions: { show: { operation: ['advanceDigestMark'] } },
		default: '={{ $json.digestMark }}',
		description:
			'The digestMark field of the Error Digest item that was delivered; after a Send Email node, take it from the Error Digest node’s item',
	},
];
