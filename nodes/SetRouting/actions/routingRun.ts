/**
 * What the items of one execution share: one bound directory connection (opened on first use from the node's
 * credential; a failed open is every item's error) and the ledgers by file. `close` once the execution is done.
 */
import type { IExecuteFunctions } from 'n8n-workflow';

import { LDAP_CREDENTIAL, ldapSettingsFromCredential } from '../../common/ldapCredentials';
import { ledgerOptionsOf, migrationNameOf, NodeLedgers } from '../../common/ledgerParameters';
import { openLdapDirectory, type LdapDirectory } from '../../lib/ldap';
import type { LedgerStore } from '../../lib/ledger';
import type { RoutingParameters } from './routingParameters';

export class RoutingRun {
	private readonly ledgers = new NodeLedgers();
	private directory: Promise<LdapDirectory> | undefined;
	/** Waves (by ledger file, migration and name) this execution rolled back already. */
	readonly rolledBackWaves = new Set<string>();

	constructor(readonly context: IExecuteFunctions) {}

	async directoryOf(): Promise<LdapDirectory> {
		if (!this.directory) {
			this.directory = this.context
				.getCredentials(LDAP_CREDENTIAL)
				.then((data) => openLdapDirectory(ldapSettingsFromCredential(data)));
			// Kept as a rejected promise for the other items; this handler only stops Node reporting it as unhandled.
			this.directory.catch(() => undefined);
		}
		return await this.directory;
	}

	async ledgerOf(itemIndex: number): Promise<LedgerStore> {
		return await this.ledgers.of(
			ledgerOptionsOf(this.context.getNodeParameter('ledgerOptions.path', itemIndex, '')),
		);
	}

	migrationIdOf(itemIndex: number): string {
		return migrationNameOf(this.context.getNodeParameter('migrationId', itemIndex, ''));
	}

	parametersOf(itemIndex: number): RoutingParameters {
		const parameter = (name: string, fallback: unknown = '') =>
			this.context.getNodeParameter(name, itemIndex, fallback);
		return {
			migrationId: this.migrationIdOf(itemIndex),
			user: parameter('user'),
			wave: parameter('wave'),
			entryLookup: parameter('entryLookup', 'search'),
			dnTemplate: parameter('dnTemplate'),
			baseDn: parameter('baseDn'),
			filterTemplate: parameter('filterTemplate'),
			templateValues: parameter('templateValues.values', []) as RoutingParameters['templateValues'],
			routingAttributes: parameter(
				'routingAttributes.attribute',
				[],
			) as RoutingParameters['routingAttributes'],
		};
	}

	async close(): Promise<void> {
		const directory = await this.directory?.catch(() => undefined);
		await directory?.close();
		await this.ledgers.close();
	}
}
