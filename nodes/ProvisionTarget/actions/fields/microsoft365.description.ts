/** The fields of the Microsoft 365 provider, shown when Directory is Microsoft 365. */
import type { INodeProperties } from 'n8n-workflow';

import { ledgerCollection, migrationNameProperty } from '../../../common/ledgerParameters';
import { DEFAULT_PASSWORD_LENGTH } from '../../../lib/provisioning/password';

const showFor = { show: { directory: ['microsoft365'] } };

/** The default wait for new mailboxes, for the whole batch: enough for a fast tenant, short enough for a schedule. */
export const DEFAULT_MAILBOX_WAIT_SECONDS = 120;

export const microsoft365Fields: INodeProperties[] = [
	{
		displayName: 'User Principal Name',
		name: 'userPrincipalName',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'anna@contoso.com',
		displayOptions: showFor,
		description:
			"The user's sign-in name and address in Microsoft 365; its domain must be a verified domain of the tenant",
	},
	{
		displayName: 'Display Name',
		name: 'displayName',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'Anna Schmidt',
		displayOptions: showFor,
	},
	{
		displayName: 'Usage Location',
		name: 'usageLocation',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'DE',
		displayOptions: showFor,
		description:
			'Two-letter country code (ISO 3166) where the user uses the services; Microsoft 365 requires it before a license is assigned',
	},
	{
		displayName: 'License SKU',
		name: 'skuPartNumber',
		type: 'string',
		default: '',
		placeholder: 'ENTERPRISEPACK',
		displayOptions: showFor,
		description:
			"The license's SKU part number (e.g. ENTERPRISEPACK for Office 365 E3, O365_BUSINESS_PREMIUM for Business Standard). Empty assigns none (group-based licensing).",
	},
	{
		displayName: 'Sign-In',
		name: 'signIn',
		type: 'options',
		default: 'password',
		displayOptions: showFor,
		options: [
			{
				name: 'Generated Password',
				value: 'password',
				description:
					'A strong password, to be changed at the first sign-in; output once, in the field "password" of the run that sets it',
			},
			{
				name: 'Federated (Immutable ID)',
				value: 'immutableId',
				description:
					"The user's domain is federated: their identity provider signs them in, matched by the immutable ID",
			},
		],
	},
	{
		displayName: 'Immutable ID',
		name: 'immutableId',
		type: 'string',
		default: '',
		required: true,
		displayOptions: { show: { directory: ['microsoft365'], signIn: ['immutableId'] } },
		description:
			"The user's onPremisesImmutableId, as the federated identity provider knows them (often the base64 of the on-premises objectGUID)",
	},
	{
		displayName: 'Additional Fields',
		name: 'additionalFields',
		type: 'collection',
		placeholder: 'Add Field',
		default: {},
		displayOptions: showFor,
		options: [
			{
				displayName: 'First Name',
				name: 'givenName',
				type: 'string',
				default: '',
			},
			{
				displayName: 'Last Name',
				name: 'surname',
				type: 'string',
				default: '',
			},
			{
				displayName: 'Mail Nickname',
				name: 'mailNickname',
				type: 'string',
				default: '',
				description: 'The mail alias; empty uses the part of the UPN before the @',
			},
		],
	},
	migrationNameProperty(showFor),
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: showFor,
		options: [
			{
				displayName: 'Find by Address',
				name: 'findByAddress',
				type: 'boolean',
				default: true,
				description:
					'Whether to refuse creating a user whose address another user already holds as mail or proxy address (that item fails naming the holder)',
			},
			{
				displayName: 'Password Length',
				name: 'passwordLength',
				type: 'number',
				typeOptions: { minValue: 12, maxValue: 128 },
				default: DEFAULT_PASSWORD_LENGTH,
			},
			{
				displayName: 'Wait for Mailbox',
				name: 'waitForMailbox',
				type: 'boolean',
				default: true,
				description:
					'Whether to wait until Exchange Online has made the mailbox (needs Mail.Read); one still not ready ends "provisioning" and the next run picks it up',
			},
			{
				displayName: 'Wait at Most (Seconds)',
				name: 'maxWaitSeconds',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: DEFAULT_MAILBOX_WAIT_SECONDS,
				description: 'For the mailboxes of all users of the run together, polled side by side',
			},
		],
	},
	ledgerCollection(showFor),
];
