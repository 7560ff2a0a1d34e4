import fs from 'node:fs';
import path from 'node:path';

import type { INodeProperties } from 'n8n-workflow';

import {
	DEFAULT_FAILED_ITEMS_LISTED,
	DEFAULT_MAILBOXES_IN_PARALLEL,
	DEFAULT_MAX_CONNECTIONS_PER_HOST,
	DEFAULT_PROFILE_MAX_CONNECTIONS,
	DEFAULT_THROUGHPUT_ASSUMPTION,
	DEFAULT_TUNING,
} from '../../../nodes/lib/defaults';
import { MigrateMailbox } from '../../../nodes/MigrateMailbox/MigrateMailbox.node';

const ROOT = path.resolve(__dirname, '..', '..', '..');

/** Every parameter of the node by its path (`performance.connections`, `throttleProfiles.profile.side`), with its default. */
function parameters(): Map<string, unknown> {
	const found = new Map<string, unknown>();
	const walk = (properties: INodeProperties[], prefix: string) => {
		for (const property of properties) {
			const name = `${prefix}${property.name}`;
			found.set(name, property.default);
			for (const option of property.options ?? []) {
				if ('displayName' in option && 'type' in option) walk([option], `${name}.`);
				else if ('values' in option) walk(option.values, `${name}.${option.name}.`);
			}
		}
	};
	walk(new MigrateMailbox().description.properties, '');
	return found;
}

describe('Migrate Mailbox parameters', () => {
	it('show the library defaults, which the engine uses when a field is left alone', () => {
		const defaults = parameters();
		expect({
			connections: defaults.get('performance.connections'),
			pipelineDepth: defaults.get('performance.pipelineDepth'),
			batchMessages: defaults.get('performance.batchMessages'),
			mailboxes: defaults.get('performance.mailboxes'),
			maxConnectionsPerServer: defaults.get('performance.maxConnectionsPerServer'),
			profileConnections: defaults.get('throttleProfiles.profile.maxConnections'),
			maxFailedItems: defaults.get('ledgerOptions.maxFailedItems'),
			messagesPerSecond: defaults.get('preflightOptions.messagesPerSecond'),
			megabytesPerSecond: defaults.get('preflightOptions.megabytesPerSecond'),
		}).toEqual({
			connections: DEFAULT_TUNING.connections,
			pipelineDepth: DEFAULT_TUNING.pipelineDepth,
			batchMessages: DEFAULT_TUNING.batchMessages,
			mailboxes: DEFAULT_MAILBOXES_IN_PARALLEL,
			maxConnectionsPerServer: DEFAULT_MAX_CONNECTIONS_PER_HOST,
			profileConnections: DEFAULT_PROFILE_MAX_CONNECTIONS,
			maxFailedItems: DEFAULT_FAILED_ITEMS_LISTED,
			...DEFAULT_THROUGHPUT_ASSUMPTION,
		});
	});

	it('include every parameter the shipped workflows set', () => {
		const known = parameters();
		for (const file of fs.readdirSync(path.join(ROOT, 'workflows'))) {
			const workflow = JSON.parse(fs.readFileSync(path.join(ROOT, 'workflows', file), 'utf8')) as {
				nodes: { type: string; parameters: Record<string, unknown> }[];
			};
			for (const node of workflow.nodes.filter((one) => one.type.endsWith('.migrateMailbox'))) {
				const used = Object.entries(node.parameters).flatMap(([name, value]) =>
					name === 'throttleProfiles'
						? ((value as { profile?: Record<string, unknown>[] }).profile ?? []).flatMap(
								(profile) => Object.keys(profile).map((key) => `${name}.profile.${key}`),
							)
						: value && typeof value === 'object'
							? [name, ...Object.keys(value).map((key) => `${name}.${key}`)]
							: [name],
				);
				expect({ file, unknown: used.filter((name) => !known.has(name)) }).toEqual({
					file,
					unknown: [],
				});
			}
		}
	});

	it('pick the target credential through `hide`, so the editor keeps Target Type in the panel', () => {
		// n8n's editor treats a parameter that credentials name under `displayOptions.show` as the node's authentication
		// field and removes it from the panel (getMainAuthField); test/e2e/editor.test.ts sees the result in a browser.
		const { credentials } = new MigrateMailbox().description;
		expect(credentials?.filter((credential) => credential.displayOptions?.show)).toEqual([]);
		expect(
			Object.fromEntries(
				(credentials ?? []).map((credential) => [credential.name, credential.displayOptions?.hide]),
			),
		).toEqual({
			mailSourceImap: undefined,
			mailTargetImap: { targetType: ['exchangeOnline', 'graph'] },
			microsoft365App: { targetType: ['imap'] },
		});
	});
});
