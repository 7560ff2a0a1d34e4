/**
 * The Microsoft 365 provider: each item's parameters → the library's user spec, the Microsoft 365 (App) credential →
 * MicrosoftApp, and the batch provisioned in one go (its mailboxes awaited together).
 */
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { ledgerOptionsOf, migrationNameOf, NodeLedgers } from '../../common/ledgerParameters';
import {
	MICROSOFT_APP_CREDENTIAL,
	microsoftAppFromCredential,
} from '../../common/microsoftCredentials';
import {
	provisionMicrosoft365Users,
	type Microsoft365Item,
} from '../../lib/provisioning/microsoft365/provisionUsers';
import type { Microsoft365UserSpec } from '../../lib/provisioning/microsoft365/userSpec';
import { DEFAULT_PASSWORD_LENGTH } from '../../lib/provisioning/password';
import { DEFAULT_MAILBOX_WAIT_SECONDS } from './fields/microsoft365.description';
import { accountIdentityOf, provideBatch } from './providerBatch';
import type { ProvisioningResult } from './provisioningOutput';

const text = (value: unknown): string => String(value ?? '');

/** The roster values of one item as the library takes them (checked there). */
export function userSpecOf(context: IExecuteFunctions, itemIndex: number): Microsoft365UserSpec {
	const parameter = (name: string, fallback: unknown = '') =>
		context.getNodeParameter(name, itemIndex, fallback);
	const extra = parameter('additionalFields', {}) as IDataObject;
	const options = parameter('options', {}) as IDataObject;
	return {
		userPrincipalName: text(parameter('userPrincipalName')),
		displayName: text(parameter('displayName')),
		usageLocation: text(parameter('usageLocation')),
		mailNickname: text(extra.mailNickname),
		givenName: text(extra.givenName) || null,
		surname: text(extra.surname) || null,
		signIn:
			parameter('signIn', 'password') === 'immutableId'
				? { kind: 'immutableId', immutableId: text(parameter('immutableId')) }
				: { kind: 'password', length: Number(options.passwordLength ?? DEFAULT_PASSWORD_LENGTH) },
		skuPartNumber: text(parameter('skuPartNumber')) || null,
	};
}

export async function execute(
	this: IExecuteFunctions,
	itemIndexes: number[],
	ledgers: NodeLedgers,
): Promise<ProvisioningResult[]> {
	const app = microsoftAppFromCredential(await this.getCredentials(MICROSOFT_APP_CREDENTIAL));
	return await provideBatch(
		this,
		itemIndexes,
		async (itemIndex): Promise<Microsoft365Item> => ({
			spec: userSpecOf(this, itemIndex),
			ledger: await ledgers.of(
				ledgerOptionsOf(
					(this.getNodeParameter('ledgerOptions', itemIndex, {}) as IDataObject).path,
				),
			),
			migrationId: migrationNameOf(this.getNodeParameter('migrationId', itemIndex, '')),
		}),
		(item) => accountIdentityOf(item.ledger, item.migrationId, item.spec.userPrincipalName),
		async (items) => {
			// Options that shape the batch as a whole come from its first item.
			const options = this.getNodeParameter('options', itemIndexes[0], {}) as IDataObject;
			return await provisionMicrosoft365Users(app, items, {
				waitForMailbox: options.waitForMailbox !== false,
				waitBudgetMs: Number(options.maxWaitSeconds ?? DEFAULT_MAILBOX_WAIT_SECONDS) * 1000,
				findByAddress: options.findByAddress !== false,
				stopAtFirstFailure: !this.continueOnFail(),
				signal: this.getExecutionCancelSignal?.(),
			});
		},
	);
}
