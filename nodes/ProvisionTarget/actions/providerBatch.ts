/**
 * What every provider does around its batch: read each item's parameters (an item whose parameters or ledger fail
 * fails alone, or ends the run without Continue On Fail before anything is written), refuse an item that names an
 * account an earlier item of the batch names already, provision the others together, and map the batch's positions
 * back to the node's.
 *
 * A repeated account fails rather than repeating the first item's outcome: the first item's output carries the
 * account's one generated password, and a second output for the same account would invite a second welcome message.
 */
import type { IExecuteFunctions } from 'n8n-workflow';

import { ProvisioningItemError } from '../../lib/provisioning/types';
import type { ProvisioningResult } from './provisioningOutput';

/** Where an item's account is recorded: its ledger, and the account's key within it (migration and account). */
export interface AccountIdentity {
	ledger: object;
	key: string;
}

/** The identity both providers use: the ledger, the migration and the account as its ledger key spells it. */
export function accountIdentityOf(
	ledger: object,
	migrationId: string,
	account: unknown,
): AccountIdentity | null {
	const name =
		typeof account === 'string' || typeof account === 'number'
			? String(account).trim().toLowerCase()
			: '';
	return name === '' ? null : { ledger, key: `${migrationId}\n${name}` };
}

export class DuplicateAccountError extends Error {
	constructor(firstItemIndex: number) {
		super(
			`the same account as item ${firstItemIndex}: each account is provisioned once per batch, so this item was skipped (see item ${firstItemIndex}'s output)`,
		);
		this.name = 'DuplicateAccountError';
	}
}

export async function provideBatch<Item>(
	context: IExecuteFunctions,
	itemIndexes: number[],
	readItem: (itemIndex: number) => Promise<Item>,
	/** null: the item names no account (its own check fails it). */
	identityOf: (item: Item) => AccountIdentity | null,
	provision: (items: Item[]) => Promise<ProvisioningResult[]>,
): Promise<ProvisioningResult[]> {
	const items: Item[] = [];
	const readFailures = new Map<number, Error>();
	const firstItemOf = new Map<object, Map<string, number>>();
	for (const [position, itemIndex] of itemIndexes.entries()) {
		let item: Item;
		try {
			item = await readItem(itemIndex);
		} catch (error) {
			readFailures.set(position, error as Error);
			continue;
		}
		const identity = identityOf(item);
		if (!identity) {
			items.push(item);
			continue;
		}
		const { ledger, key } = identity;
		const seen = firstItemOf.get(ledger) ?? new Map<string, number>();
		firstItemOf.set(ledger, seen);
		const first = seen.get(key);
		if (first !== undefined) {
			readFailures.set(position, new DuplicateAccountError(first));
			continue;
		}
		seen.set(key, itemIndex);
		items.push(item);
	}
	const firstFailure = [...readFailures][0];
	if (firstFailure && !context.continueOnFail()) {
		throw new ProvisioningItemError(firstFailure[0], firstFailure[1]);
	}
	const positions = itemIndexes
		.map((_, position) => position)
		.filter((position) => !readFailures.has(position));
	const results = await provision(items).catch((error: unknown) => {
		// The batch's positions are those of the items it got: back to the node's.
		if (error instanceof ProvisioningItemError) {
			throw new ProvisioningItemError(positions[error.position], error.cause);
		}
		throw error;
	});
	return itemIndexes.map(
		(_, position) => readFailures.get(position) ?? results[positions.indexOf(position)],
	);
}
