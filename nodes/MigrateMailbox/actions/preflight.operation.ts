import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';

import { runPreflight } from '../../lib/preflight/preflight';
import { mailboxPairFor } from './mailboxFields';

const showFor = { show: { operation: ['preflight'] } };

export const description: INodeProperties[] = [
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
				default: 200,
				description: 'Message rate used for the duration estimate; take it from a pilot migration',
			},
			{
				displayName: 'Assumed MB per Second',
				name: 'megabytesPerSecond',
				type: 'number',
				typeOptions: { minValue: 0.1, numberPrecision: 1 },
				default: 10,
				description: 'Byte rate used for the duration estimate (1 MB = 1,000,000 bytes)',
			},
		],
	},
];

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData[]> {
	const { source, target } = await mailboxPairFor.call(this, itemIndex);
	const options = this.getNodeParameter('preflightOptions', itemIndex, {}) as IDataObject;
	const report = await runPreflight(source, target, {
		messagesPerSecond: Number(options.messagesPerSecond ?? 200),
		megabytesPerSecond: Number(options.megabytesPerSecond ?? 10),
	});
	return [{ json: report as unknown as IDataObject, pairedItem: { item: itemIndex } }];
}
