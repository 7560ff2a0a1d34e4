/**
 * The migration's name and ledger file, shared by every node of the package: Provision Target, Set Routing, Notify
 * CRM and Report read and write the same ledger as Migrate Mailbox, so a wave is one record across its steps.
 */
import type { IDisplayOptions, INodeProperties } from 'n8n-workflow';

import {
	defaultLedgerPath,
	openLedger,
	resolveLedgerPath,
	type LedgerOptions,
	type LedgerStore,
} from '../lib/ledger';

export const DEFAULT_MIGRATION_NAME = 'default';

export function migrationNameProperty(displayOptions?: IDisplayOptions): INodeProperties {
	return {
		displayName: 'Migration Name',
		name: 'migrationId',
		type: 'string',
		default: DEFAULT_MIGRATION_NAME,
		required: true,
		...(displayOptions ? { displayOptions } : {}),
		description:
			'Groups the ledger records of one migration project or wave; use the same name in every node of the wave. Reruns with the same name resume; a new name starts afresh.',
	};
}

/** The Ledger File option (`path`) of a node's Ledger collection. */
export const ledgerFileOption: INodeProperties = {
	displayName: 'Ledger File',
	name: 'path',
	type: 'string',
	default: '',
	placeholder: '~/.n8n/mailbox-migration/ledger.sqlite',
	description:
		'SQLite file recording every migrated item (never its content), readable by its owner only. Read per item: items naming the same file share it; ~/ is the home folder. Empty uses mailbox-migration/ledger.sqlite in the n8n user folder.',
};

/** A Ledger collection holding only the Ledger File: the nodes whose ledger has no other setting. */
export function ledgerCollection(displayOptions?: IDisplayOptions): INodeProperties {
	return {
		displayName: 'Ledger',
		name: 'ledgerOptions',
		type: 'collection',
		placeholder: 'Add Ledger Option',
		default: {},
		...(displayOptions ? { displayOptions } : {}),
		options: [ledgerFileOption],
	};
}

/** The trimmed Migration Name of one item; an empty one is the default name. */
export function migrationNameOf(value: unknown): string {
	return String(value ?? '').trim() || DEFAULT_MIGRATION_NAME;
}

/** A Ledger File value as store options: empty is the default file in the n8n user folder. */
export function ledgerOptionsOf(path: unknown): LedgerOptions {
	const file = String(path ?? '').trim();
	return { kind: 'sqlite', path: file || defaultLedgerPath() };
}

/**
 * The ledgers one node execution uses, opened on first use and shared by the items naming the same file (`~/a` and
 * `/home/me/a` are one file); `close` once the execution is done. An open that failed is remembered, so every item
 * naming that file gets the same error and the others go on.
 */
export class NodeLedgers {
	private readonly opened = new Map<string, Promise<LedgerStore>>();

	async of(options: LedgerOptions): Promise<LedgerStore> {
		const key =
			options.kind === 'sqlite'
				? `sqlite:${resolveLedgerPath(options.path)}`
				: JSON.stringify(options);
		let store = this.opened.get(key);
		if (!store) {
			store = openLedger(options);
			// Kept as a rejected promise for the other items; this handler only stops Node reporting it as unhandled.
			store.catch(() => undefined);
			this.opened.set(key, store);
		}
		return await store;
	}

	async close(): Promise<void> {
		const stores = await Promise.allSettled(this.opened.values());
		this.opened.clear();
		for (const store of stores) if (store.status === 'fulfilled') await store.value.close();
	}
}
