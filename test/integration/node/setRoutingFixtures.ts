/** Set Routing driven as n8n drives it: one IExecuteFunctions over input items, each with its own parameters. */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { SetRouting } from '../../../nodes/SetRouting/SetRouting.node';
import { setRoutingNode } from '../../harness/n8nNodeFixtures';

/** Parameters by name as the node reads them; `a.b` names reach into collections. */
export type ItemParameters = Record<string, unknown>;

function lookUp(parameters: ItemParameters, name: string): unknown {
	if (name in parameters) return parameters[name];
	let value: unknown = parameters;
	for (const part of name.split('.')) {
		if (typeof value !== 'object' || value === null || !(part in value)) return undefined;
		value = (value as Record<string, unknown>)[part];
	}
	return value;
}

export function setRoutingContext(
	credential: Record<string, unknown>,
	items: ItemParameters[],
	continueOnFail: boolean,
): IExecuteFunctions {
	return {
		getInputData: () => items.map((_, index) => ({ json: { index } as IDataObject })),
		getNodeParameter: (name: string, itemIndex: number, fallback?: unknown) =>
			lookUp(items[itemIndex], name) ?? fallback,
		getCredentials: async (type: string) => {
			if (type !== 'ldapDirectory') throw new Error(`no credential of type ${type}`);
			return credential;
		},
		getNode: () => setRoutingNode,
		continueOnFail: () => continueOnFail,
		logger: { debug: () => undefined, info: () => undefined, warn: () => undefined },
	} as unknown as IExecuteFunctions;
}

/** One execution of the node; resolves with its output items. */
export async function runSetRouting(
	credential: Record<string, unknown>,
	items: ItemParameters[],
	continueOnFail = true,
): Promise<INodeExecutionData[]> {
	const [output] = await new SetRouting().execute.call(
		setRoutingContext(credential, items, continueOnFail),
	);
	return output;
}
