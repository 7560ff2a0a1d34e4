import {
	DEFAULT_FAILED_ITEMS_LISTED,
	DEFAULT_MAILBOXES_IN_PARALLEL,
	DEFAULT_MAX_CONNECTIONS_PER_HOST,
	DEFAULT_PROFILE_MAX_CONNECTIONS,
	DEFAULT_THROUGHPUT_ASSUMPTION,
	DEFAULT_TUNING,
} from '../../../nodes/lib/defaults';
import { MigrateMailbox } from '../../../nodes/MigrateMailbox/MigrateMailbox.node';
import { parameterPaths } from './parameterPaths';

function parameters(): Map<string, unknown> {
	return parameterPaths(new MigrateMailbox().description.properties);
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
