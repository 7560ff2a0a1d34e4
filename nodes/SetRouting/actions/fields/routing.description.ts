import type { INodeProperties } from 'n8n-workflow';

import { ledgerCollection, migrationNameProperty } from '../../../common/ledgerParameters';

/** Switch and Verify find the entry and name the attributes; Rollback takes both from the snapshot. */
const findsEntry = { show: { operation: ['switch', 'verify'] } };

const PLACEHOLDERS =
	'Placeholders {name} take the Template Values below (and {user} the User), each escaped for LDAP. Not an expression: roster values enter only through Template Values, so they can never change the DN or filter.';

export const routingFields: INodeProperties[] = [
	{
		displayName: 'Rollback Scope',
		name: 'rollbackScope',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { operation: ['rollback'] } },
		options: [
			{
				name: 'One User per Item',
				value: 'user',
				description: "Restore each item's user to the values before its first Switch",
			},
			{
				name: 'Whole Wave',
				value: 'wave',
				description:
					'Restore every user switched in the wave the item names (once per wave, one output item per user)',
			},
		],
		default: 'user',
	},
	{
		displayName: 'User',
		name: 'user',
		type: 'string',
		default: '={{ $json.email }}',
		required: true,
		displayOptions: {
			show: { operation: ['switch', 'verify', 'rollback'] },
			hide: { rollbackScope: ['wave'] },
		},
		description:
			"Who is routed, typically the user's email address as the roster gives it: the ledger keeps the snapshot under it",
	},
	{
		displayName: 'Wave',
		name: 'wave',
		type: 'string',
		default: '',
		displayOptions: { show: { operation: ['switch'] } },
		placeholder: 'wave-1',
		description:
			'Label of the migration wave, so a whole wave can be rolled back at once (optional)',
	},
	{
		displayName: 'Wave',
		name: 'rollbackWave',
		type: 'string',
		default: '',
		required: true,
		displayOptions: { show: { operation: ['rollback'], rollbackScope: ['wave'] } },
		placeholder: 'wave-1',
		description: 'The wave whose users are rolled back',
	},
	{
		displayName: 'Find Entry By',
		name: 'entryLookup',
		type: 'options',
		noDataExpression: true,
		displayOptions: findsEntry,
		options: [
			{ name: 'DN Template', value: 'dn', description: "Build the entry's DN from a pattern" },
			{
				name: 'Search',
				value: 'search',
				description: 'Search under a base DN with a filter; exactly one entry must match',
			},
		],
		default: 'search',
	},
	{
		displayName: 'DN Template',
		name: 'dnTemplate',
		type: 'string',
		noDataExpression: true,
		default: '',
		required: true,
		displayOptions: { show: { operation: ['switch', 'verify'], entryLookup: ['dn'] } },
		placeholder: 'uid={uid},ou=people,dc=example,dc=com',
		description: PLACEHOLDERS,
	},
	{
		displayName: 'Base DN',
		name: 'baseDn',
		type: 'string',
		noDataExpression: true,
		default: '',
		required: true,
		displayOptions: { show: { operation: ['switch', 'verify'], entryLookup: ['search'] } },
		placeholder: 'ou=people,dc=example,dc=com',
		description: 'Where to search (the whole subtree)',
	},
	{
		displayName: 'Filter Template',
		name: 'filterTemplate',
		type: 'string',
		noDataExpression: true,
		default: '(mail={user})',
		required: true,
		displayOptions: { show: { operation: ['switch', 'verify'], entryLookup: ['search'] } },
		description: PLACEHOLDERS,
	},
	{
		displayName: 'Template Values',
		name: 'templateValues',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Template Value',
		default: {},
		displayOptions: findsEntry,
		options: [
			{
				name: 'values',
				displayName: 'Value',
				values: [
					{
						displayName: 'Placeholder',
						name: 'name',
						type: 'string',
						default: '',
						placeholder: 'uid',
						description: 'Used as {uid} in the DN or filter template',
					},
					{
						displayName: 'Value',
						name: 'value',
						type: 'string',
						default: '',
						placeholder: '={{ $json.uid }}',
						description: 'Escaped for LDAP wherever the placeholder stands',
					},
				],
			},
		],
	},
	{
		displayName: 'Routing Attributes',
		name: 'routingAttributes',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Routing Attribute',
		default: {},
		displayOptions: findsEntry,
		description:
			'The attributes the MTA routes by and their new values; Verify compares the entry with them',
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
						placeholder: 'mailHost',
						description: 'E.g. mailHost, mailRoutingAddress; name one twice for several values.',
					},
					{
						displayName: 'Value',
						name: 'value',
						type: 'string',
						default: '',
						placeholder: 'new-mail.example.com',
						description: 'Empty removes the attribute',
					},
				],
			},
		],
	},
	migrationNameProperty(),
	ledgerCollection(),
];
