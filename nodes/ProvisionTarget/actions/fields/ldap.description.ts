/** The fields of the LDAP directory provider, shown when Directory is LDAP Directory. */
import type { INodeProperties } from 'n8n-workflow';

import { ledgerCollection, migrationNameProperty } from '../../../common/ledgerParameters';
import { DEFAULT_PASSWORD_LENGTH } from '../../../lib/provisioning/password';

const showFor = { show: { directory: ['ldap'] } };
const setsPassword = { show: { directory: ['ldap'], passwordSource: ['generate', 'given'] } };

const PLACEHOLDERS =
	' Placeholders {name} take the value of the attribute of that name below (e.g. {uid}) or the Login ({login}), each escaped for LDAP. Not an expression: roster values enter only through the attributes, so they can never change the DN or filter.';

export const ldapFields: INodeProperties[] = [
	{
		displayName: 'Login',
		name: 'login',
		type: 'string',
		default: '',
		required: true,
		placeholder: '={{ $json.uid }}',
		displayOptions: showFor,
		description:
			"The user's login on the mail platform (a uid or an address): the output's account, the ledger's key and the IMAP login of Verify Login",
	},
	{
		displayName: 'DN Template',
		name: 'dnTemplate',
		type: 'string',
		noDataExpression: true,
		default: '',
		required: true,
		placeholder: 'uid={uid},ou=people,dc=example,dc=com',
		displayOptions: showFor,
		description:
			'Where a new entry is created, and where an existing one is looked for.' + PLACEHOLDERS,
	},
	{
		displayName: 'Object Classes',
		name: 'objectClasses',
		type: 'string',
		default: 'inetOrgPerson, inetLocalMailRecipient',
		required: true,
		displayOptions: showFor,
		description:
			'Comma-separated. A new entry gets them; an existing entry gets those it lacks (none is ever removed).',
	},
	{
		displayName: 'Attributes',
		name: 'attributes',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true, sortable: true },
		placeholder: 'Add Attribute',
		default: {},
		displayOptions: showFor,
		description:
			'The attributes the entry holds; an existing entry is corrected to these values, and attributes not named here are left alone',
		options: [
			{
				name: 'attribute',
				displayName: 'Attribute',
				values: [
					{
						displayName: 'Name',
						name: 'name',
						type: 'string',
						default: '',
						placeholder: 'mail',
						description:
							'E.g. uid, cn, sn, mail, mailLocalAddress, mailHost; name one twice (or give a list) for several values.',
					},
					{
						displayName: 'Value',
						name: 'value',
						type: 'string',
						default: '',
						placeholder: '={{ $json.email }}',
						description: 'See Empty Values in Options for what an empty value does',
					},
				],
			},
		],
	},
	{
		displayName: 'Password',
		name: 'passwordSource',
		type: 'options',
		default: 'generate',
		displayOptions: showFor,
		options: [
			{
				name: 'Generated',
				value: 'generate',
				description:
					'A strong password, output once, in the field "password" of the run that sets it',
			},
			{
				name: 'Given',
				value: 'given',
				description: 'The password from an expression (never output)',
			},
			{
				name: 'Not Set',
				value: 'none',
				description: 'The entry gets no password from this node (e.g. another system sets it)',
			},
		],
	},
	{
		displayName: 'Password Value',
		name: 'password',
		type: 'string',
		typeOptions: { password: true },
		default: '',
		required: true,
		displayOptions: { show: { directory: ['ldap'], passwordSource: ['given'] } },
	},
	{
		displayName: 'Password Storage',
		name: 'passwordStorage',
		type: 'options',
		default: 'ssha',
		displayOptions: setsPassword,
		options: [
			{
				name: 'Hashed {SSHA}',
				value: 'ssha',
				description:
					'Salted SHA-1 in userPassword, hashed by the node: every slapd and Dovecot accept it',
			},
			{
				name: 'Hashed {SSHA512}',
				value: 'ssha512',
				description: 'Salted SHA-512 in userPassword: slapd needs its pw-sha2 module loaded',
			},
			{
				name: 'Hashed {CRYPT} SHA-512',
				value: 'sha512crypt',
				description:
					"SHA-512-crypt ($6$) in userPassword: slapd checks it with the system's crypt(3) (glibc), Dovecot natively",
			},
			{
				name: 'Password Modify Operation',
				value: 'passwordModify',
				description:
					'The server sets and hashes it by its own policy (RFC 3062); the bind DN needs the right to',
			},
		],
	},
	{
		displayName: 'Reset Password',
		name: 'resetPassword',
		type: 'boolean',
		default: false,
		displayOptions: setsPassword,
		description:
			'Whether an existing entry gets a new password too. Off: only a new entry gets one (and an entry this node created whose password never reached the output), so reruns leave passwords alone.',
	},
	{
		displayName: 'Verify Login',
		name: 'verifyLogin',
		type: 'boolean',
		default: false,
		displayOptions: setsPassword,
		description:
			"Whether to log in to the target over IMAP as the user with the password (servers and certificates of the Mail Target credential; its own login is not used): the output says loginVerified, or the item fails with the server's answer",
	},
	migrationNameProperty(showFor),
	{
		displayName: 'Options',
		name: 'ldapOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: showFor,
		options: [
			{
				displayName: 'Empty Values',
				name: 'emptyValues',
				type: 'options',
				default: 'leave',
				options: [
					{
						name: 'Leave the Attribute',
						value: 'leave',
						description:
							'An attribute whose values are all empty is not set on a new entry and left as it is on an existing one',
					},
					{
						name: 'Remove the Attribute',
						value: 'remove',
						description:
							'An attribute whose values are all empty is removed from an existing entry',
					},
				],
			},
			{
				displayName: 'Filter Template',
				name: 'filterTemplate',
				noDataExpression: true,
				type: 'string',
				default: '',
				placeholder: '(mail={mail})',
				description:
					'With Search Base: finds an existing entry that lives elsewhere than the DN Template says (exactly one must match; none: the DN is tried).' +
					PLACEHOLDERS,
			},
			{
				displayName: 'Password Length',
				name: 'passwordLength',
				type: 'number',
				typeOptions: { minValue: 12, maxValue: 128 },
				default: DEFAULT_PASSWORD_LENGTH,
			},
			{
				displayName: 'Search Base',
				name: 'searchBase',
				noDataExpression: true,
				type: 'string',
				default: '',
				placeholder: 'ou=people,dc=example,dc=com',
				description: 'Where the Filter Template searches (the whole subtree)',
			},
		],
	},
	ledgerCollection(showFor),
];
