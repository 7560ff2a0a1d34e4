/** The user an item stands for, read per item by expression from the roster, and the evaluation options. */
import type { INodeProperties } from 'n8n-workflow';

import { ledgerFileOption, migrationNameProperty } from '../../../common/ledgerParameters';

const planning = { show: { operation: ['send', 'planOnly'] } };

export const recipientFields: INodeProperties[] = [
	migrationNameProperty(),
	{
		displayName: 'Email',
		name: 'email',
		type: 'string',
		default: '={{ $json.email }}',
		required: true,
		placeholder: 'alice@example.com',
		description:
			'The user’s email address: the CRM contact is found by it, and a stage is sent once per address',
	},
	{
		displayName: 'Name',
		name: 'name',
		type: 'string',
		default: '={{ $json.name }}',
		displayOptions: planning,
		description: 'The user’s display name, for the message templates',
	},
	{
		displayName: 'Migration Date',
		name: 'migrationDate',
		type: 'string',
		default: '={{ $json.migrationDate }}',
		required: true,
		displayOptions: planning,
		placeholder: '2025-03-30',
		description:
			'The day the user’s mailbox moves: YYYY-MM-DD, or an ISO 8601 date-time (its date in the user’s time zone counts)',
	},
	{
		displayName: 'Time Zone',
		name: 'timeZone',
		type: 'string',
		default: '={{ $json.timeZone }}',
		required: true,
		displayOptions: planning,
		placeholder: 'Europe/Berlin',
		description: 'The user’s IANA time zone; each stage goes out at its time of day there',
	},
	{
		displayName: 'Stage',
		name: 'stage',
		type: 'string',
		default: '={{ $json.stage }}',
		required: true,
		displayOptions: { show: { operation: ['markSent'] } },
		description: 'The stage that was sent, as Plan Only named it',
	},
	{
		displayName: 'Provider Reference',
		name: 'providerReference',
		type: 'string',
		default: '',
		displayOptions: { show: { operation: ['markSent'] } },
		placeholder: 'e.g. 0a1b2c3d',
		description: 'What the sending node named the message (an ID), kept in the ledger; optional',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Claim For (Minutes)',
				name: 'claimMinutes',
				displayOptions: { show: { '/operation': ['send', 'planOnly'] } },
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 10,
				description:
					'How long a stage handed out (Plan Only, until Mark Sent) keeps other runs off it; for Send, how long a stage stays claimed after its run stops renewing the claim (a run renews it while it sends or waits on the CRM). After that, or when its run died on this host, another run may send it, with the same idempotency key.',
			},
			{
				displayName: 'Evaluate As Of',
				name: 'asOf',
				displayOptions: { show: { '/operation': ['send', 'planOnly'] } },
				type: 'dateTime',
				default: '',
				description:
					'Decide which stages are due as if it were this moment, instead of now: to preview a plan or test it',
			},
			{
				...ledgerFileOption,
				description:
					'SQLite file recording each stage sent (never the message). Use the same file as the other nodes of the wave. Empty uses mailbox-migration/ledger.sqlite in the n8n user folder.',
			},
			{
				displayName: 'Late Stages Go Out Within (Hours)',
				name: 'maxLatenessHours',
				displayOptions: { show: { '/operation': ['send', 'planOnly'] } },
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 24,
				description:
					'A stage found due later than this after its moment is skipped as stale, not sent (a one-week notice found two days before the date would mislead). A stage is also skipped once a later stage is due.',
			},
		],
	},
];
