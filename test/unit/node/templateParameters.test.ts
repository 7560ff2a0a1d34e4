/**
 * The shipped templates against the nodes they use: a parameter a template sets that its node does not have (renamed,
 * misspelt) is silently dropped by n8n, so the template would run with that node's default instead.
 */
import fs from 'node:fs';
import path from 'node:path';

import type { INodeType } from 'n8n-workflow';

import { MigrateMailbox } from '../../../nodes/MigrateMailbox/MigrateMailbox.node';
import { NotifyCrm } from '../../../nodes/NotifyCrm/NotifyCrm.node';
import { ProvisionTarget } from '../../../nodes/ProvisionTarget/ProvisionTarget.node';
import { Report } from '../../../nodes/Report/Report.node';
import { SetRouting } from '../../../nodes/SetRouting/SetRouting.node';
import { parameterPaths } from './parameterPaths';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const PREFIX = 'n8n-nodes-mailbox-migration.';

const nodeTypes: INodeType[] = [
	new MigrateMailbox(),
	new ProvisionTarget(),
	new SetRouting(),
	new NotifyCrm(),
	new Report(),
];
const known = new Map(
	nodeTypes.map((type) => [type.description.name, parameterPaths(type.description.properties)]),
);

/** The paths a node's parameters set: `options.asOf`, `plan.stages.name`, `throttleProfiles.profile.side`. */
function pathsSet(parameters: Record<string, unknown>, prefix = ''): string[] {
	return Object.entries(parameters).flatMap(([name, value]) => {
		const at = `${prefix}${name}`;
		const entries = Array.isArray(value) ? value : [value];
		return [
			at,
			...entries.flatMap((entry) =>
				entry && typeof entry === 'object' && !Array.isArray(entry)
					? pathsSet(entry as Record<string, unknown>, `${at}.`)
					: [],
			),
		];
	});
}

const templates = fs
	.readdirSync(path.join(ROOT, 'workflows'))
	.filter((file) => file.endsWith('.json'))
	.sort();

describe('shipped templates', () => {
	it.each(templates)('%s sets only parameters its nodes of this package have', (file) => {
		const workflow = JSON.parse(fs.readFileSync(path.join(ROOT, 'workflows', file), 'utf8')) as {
			nodes: { name: string; type: string; parameters: Record<string, unknown> }[];
		};
		const ours = workflow.nodes.filter((node) => node.type.startsWith(PREFIX));
		expect(ours.length).toBeGreaterThan(0);
		for (const node of ours) {
			const parameters = known.get(node.type.slice(PREFIX.length));
			expect({ node: node.name, type: node.type, known: parameters !== undefined }).toEqual({
				node: node.name,
				type: node.type,
				known: true,
			});
			const unknown = pathsSet(node.parameters).filter((name) => !parameters?.has(name));
			expect({ node: node.name, unknown }).toEqual({ node: node.name, unknown: [] });
		}
	});

	it('notices a parameter no node has', () => {
		const parameters = known.get('notifyCrm');
		expect(
			pathsSet({ options: { asOff: '' }, plan: { stages: [{ nme: 'T-1' }] } }).filter(
				(name) => !parameters?.has(name),
			),
		).toEqual(['options.asOff', 'plan.stages.nme']);
	});
});
