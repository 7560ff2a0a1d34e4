/**
 * The LDAP directory provider: each item's parameters → the library's entry input, the LDAP Directory credential →
 * LdapSettings (one connection for the batch), and with Verify Login the Mail Target (IMAP) credential's server.
 */
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { imapAccountFromCredential, TARGET_CREDENTIAL } from '../../common/imapCredentials';
import { LDAP_CREDENTIAL, ldapSettingsFromCredential } from '../../common/ldapCredentials';
import { ledgerOptionsOf, migrationNameOf, NodeLedgers } from '../../common/ledgerParameters';
import { openLdapDirectory } from '../../lib/ldap';
import type { LdapEntryInput } from '../../lib/provisioning/ldap/entrySpec';
import {
	provisionLdapEntries,
	type LdapProvisioningItem,
} from '../../lib/provisioning/ldap/provisionEntries';
import { imapLoginVerifier } from '../../lib/provisioning/ldap/verifyLogin';
import { accountIdentityOf, provideBatch } from './providerBatch';
import type { ProvisioningResult } from './provisioningOutput';

/** The parameters of one item as the library takes them (checked there). */
export function entryInputOf(context: IExecuteFunctions, itemIndex: number): LdapEntryInput {
	const parameter = (name: string, fallback: unknown = '') =>
		context.getNodeParameter(name, itemIndex, fallback);
	const options = parameter('ldapOptions', {}) as IDataObject;
	const source = parameter('passwordSource', 'generate');
	return {
		login: parameter('login'),
		dnTemplate: parameter('dnTemplate'),
		objectClasses: parameter('objectClasses'),
		attributes: parameter('attributes.attribute', []) as LdapEntryInput['attributes'],
		searchBase: options.searchBase,
		filterTemplate: options.filterTemplate,
		emptyValues: options.emptyValues,
		passwordSource: source,
		// Read only when it is used: a hidden field's value is nobody's business.
		password: source === 'given' ? parameter('password') : '',
		passwordLength: options.passwordLength,
		passwordStorage: parameter('passwordStorage', 'ssha'),
		resetPassword: parameter('resetPassword', false),
	};
}

const verifiesLogin = (context: IExecuteFunctions, itemIndex: number) =>
	context.getNodeParameter('passwordSource', itemIndex, 'generate') !== 'none' &&
	context.getNodeParameter('verifyLogin', itemIndex, false) === true;

export async function execute(
	this: IExecuteFunctions,
	itemIndexes: number[],
	ledgers: NodeLedgers,
): Promise<ProvisioningResult[]> {
	return await provideBatch(
		this,
		itemIndexes,
		async (itemIndex): Promise<LdapProvisioningItem> => {
			const input = entryInputOf(this, itemIndex);
			return {
				input,
				ledger: await ledgers.of(
					ledgerOptionsOf(this.getNodeParameter('ledgerOptions.path', itemIndex, '')),
				),
				migrationId: migrationNameOf(this.getNodeParameter('migrationId', itemIndex, '')),
				// Read per item: a missing Mail Target credential fails the items that verify, not the others.
				verifyLogin: verifiesLogin(this, itemIndex)
					? imapLoginVerifier(
							imapAccountFromCredential(await this.getCredentials(TARGET_CREDENTIAL, itemIndex)),
						)
					: null,
			};
		},
		(item) => accountIdentityOf(item.ledger, item.migrationId, item.input.login),
		async (items) => {
			const settings = ldapSettingsFromCredential(await this.getCredentials(LDAP_CREDENTIAL));
			return await provisionLdapEntries(items, {
				openDirectory: () => openLdapDirectory(settings),
				stopAtFirstFailure: !this.continueOnFail(),
			});
		},
	);
}
