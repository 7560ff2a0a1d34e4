import type { INodeProperties } from 'n8n-workflow';

/**
 * Every parameter of a node by its path (`performance.connections`, `throttleProfiles.profile.side`,
 * `plan.stages.name`), with its default; a fixed collection's option (`throttleProfiles.profile`) is a path too.
 */
export function parameterPaths(properties: INodeProperties[]): Map<string, unknown> {
	const found = new Map<string, unknown>();
	const walk = (list: INodeProperties[], prefix: string) => {
		for (const property of list) {
			const name = `${prefix}${property.name}`;
			found.set(name, property.default);
			for (const option of property.options ?? []) {
				if ('displayName' in option && 'type' in option) walk([option], `${name}.`);
				else if ('values' in option) {
					found.set(`${name}.${option.name}`, undefined);
					walk(option.values, `${name}.${option.name}.`);
				}
			}
		}
	};
	walk(properties, '');
	return found;
}
