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
import { provideBatch } from './providerBatch';
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
		async (itemIndex): Promise<LdapProvisioningItem> => ({
			input: entryInputOf(this, itemIndex),
			ledger: await ledgers.of(
				ledgerOptionsOf(this.getNodeParameter('ledgerOptions.path', itemIndex, '')),
			),
			migrationId: migrationNameOf(this.getNodeParameter('migrationId', itemIndex, '')),
			verifyLogin: verifiesLogin(this, itemIndex),
		}),
		async (items) => {
			const loginVerifier = items.some((item) => item.verifyLogin)
				? imapLoginVerifier(imapAccountFromCredential(await this.getCredentials(TARGET_CREDENTIAL)))
				: null;
			const settings = ldapSettingsFromCredential(await this.getCredentials(LDAP_CREDENTIAL));
			return await provisionLdapEntries(items, {
				openDirectory: () => openLdapDirectory(settings),
				loginVerifier,
				stopAtFirstFailure: !this.continueOnFail(),
			});
		},
	);
}
