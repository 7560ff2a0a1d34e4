/**
 * The fields of Migrate and Verify, in the order the editor shows them; Mode and Oversize Messages are Migrate's
 * only (see their displayOptions). Defaults come from the library's, so the editor shows what the engine does.
 */
import type { INodeProperties } from 'n8n-workflow';

import {
	DEFAULT_FAILED_ITEMS_LISTED,
	DEFAULT_MAILBOXES_IN_PARALLEL,
	DEFAULT_MAX_CONNECTIONS_PER_HOST,
	DEFAULT_PROFILE_MAX_CONNECTIONS,
	DEFAULT_TUNING,
} from '../../../lib/defaults';
import { ledgerFileOption, migrationNameProperty } from '../../../common/ledgerParameters';

const showFor = { show: { operation: ['migrate', 'verify'] } };

// n8n's lint finds a default only in a literal or a plain name, not in `DEFAULT_TUNING.connections`.
const { batchMessages, connections, pipelineDepth } = DEFAULT_TUNING;

export const executionFields: INodeProperties[] = [
	{
		displayName: 'Mode',
		name: 'mode',
		type: 'options',
		displayOptions: { show: { operation: ['migrate'] } },
		options: [
			{
				name: 'Full',
				value: 'full',
				description: 'Copy everything not yet copied. Safe to rerun: nothing is copied twice.',
			},
			{
				name: 'Delta',
				value: 'delta',
				description:
					'Copy what arrived since the last pass and carry flag changes (read, flagged...)',
			},
			{
				name: 'Dry Run',
				value: 'dryRun',
				description: 'Plan folders and count what would be copied, without writing anything',
			},
		],
		default: 'full',
	},
	migrationNameProperty(showFor),
	{
		displayName: 'Folders',
		name: 'folderOptions',
		type: 'collection',
		placeholder: 'Add Folder Option',
		default: {},
		displayOptions: showFor,
		options: [
			{
				displayName: 'Include Folders',
				name: 'include',
				type: 'string',
				default: '',
				placeholder: 'INBOX, Projects/*',
				description:
					'Comma-separated patterns of folders to migrate (* matches anything, % one level; /regex/ for a regular expression). Empty migrates all.',
			},
			{
				displayName: 'Exclude Folders',
				name: 'exclude',
				type: 'string',
				default: '',
				placeholder: 'Trash, Junk, Archive/*',
				description:
					'Comma-separated patterns of folders to leave out, matched like Include Folders',
			},
			{
				displayName: 'Map Special Folders',
				name: 'specialUse',
				type: 'boolean',
				default: true,
				description:
					"Whether to map Sent, Drafts, Trash, Junk and Archive (by server flags or their usual names in many languages) onto the target's own special folders",
			},
			{
				displayName: 'Rename Rules',
				name: 'renames',
				type: 'fixedCollection',
				typeOptions: { multipleValues: true },
				default: {},
				options: [
					{
						displayName: 'Rule',
						name: 'rule',
						values: [
							{
								displayName: 'From (Regular Expression)',
								name: 'from',
								type: 'string',
								default: '',
								placeholder: '^Old Projects/(.*)$',
								description: "Matched against the folder's path with / between levels",
							},
							{
								displayName: 'To',
								name: 'to',
								type: 'string',
								default: '',
								placeholder: 'Archive/Projects/$1',
							},
						],
					},
				],
			},
		],
	},
	{
		displayName: 'Performance',
		name: 'performance',
		type: 'collection',
		placeholder: 'Add Performance Option',
		default: {},
		displayOptions: showFor,
		options: [
			{
				displayName: 'Batches in Flight',
				name: 'pipelineDepth',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 64 },
				default: pipelineDepth,
				description: 'APPEND commands sent ahead of the answers, per connection',
			},
			{
				displayName: 'Connections per Mailbox',
				name: 'connections',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 16 },
				default: connections,
				description: 'Folders copied at once, each over its own pair of connections',
			},
			{
				displayName: 'Mailboxes in Parallel',
				name: 'mailboxes',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 64 },
				default: DEFAULT_MAILBOXES_IN_PARALLEL,
				description: 'Input items (mailboxes) migrated at the same time',
			},
			{
				displayName: 'Max Connections per Server',
				name: 'maxConnectionsPerServer',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 256 },
				default: DEFAULT_MAX_CONNECTIONS_PER_HOST,
				description:
					'Cap on connections to each server over all mailboxes of the execution, whenever no throttle profile sets one',
			},
			{
				displayName: 'Messages per Batch',
				name: 'batchMessages',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 500 },
				default: batchMessages,
				description:
					'Messages per APPEND command when the target supports MULTIAPPEND (fewer server transactions)',
			},
		],
	},
	{
		displayName: 'Oversize Messages',
		name: 'oversizeOptions',
		type: 'collection',
		placeholder: 'Add Oversize Option',
		default: {},
		displayOptions: { show: { operation: ['migrate'] } },
		options: [
			{
				displayName: 'Max Message Size (MB)',
				name: 'maxMessageMegabytes',
				type: 'number',
				typeOptions: { minValue: 0, numberPrecision: 1 },
				default: 0,
				description:
					"Largest message to send. 0 uses the target's own limit (its APPENDLIMIT) when it announces one.",
			},
			{
				displayName: 'Zip Attachments to Fit',
				name: 'zipAttachments',
				type: 'boolean',
				default: true,
				description:
					'Whether to pack the attachments of a message over the limit into one attachments.zip (text and headers unchanged, with a note) so it fits. A message that still does not fit is skipped as oversize and listed with its size.',
			},
		],
	},
	{
		displayName: 'Schedule and Stop Conditions',
		name: 'stopOptions',
		type: 'collection',
		placeholder: 'Add Condition',
		default: {},
		displayOptions: showFor,
		description:
			'Apply to the whole execution (all input mailboxes). A mailbox stopped by one of them ends as paused, with the reason and when it may go on; the next execution resumes from the last item.',
		options: [
			{
				displayName: 'Maintenance Windows',
				name: 'blackoutWindows',
				type: 'string',
				default: '',
				placeholder: 'Sat 22:00-Sun 04:00',
				description:
					'Never copy inside these windows, e.g. planned maintenance of either server. Same format as Run Windows.',
			},
			{
				displayName: 'Run Windows',
				name: 'runWindows',
				type: 'string',
				default: '',
				placeholder: 'Mon-Fri 20:00-06:00; Weekends 00:00-24:00',
				description:
					'Copy only inside these windows; empty copies at any time. Days (Mon-Fri, Weekdays, Weekends, Daily...) and times, entries separated by ; — a window may cross midnight.',
			},
			{
				displayName: 'Stop After Copying (MB)',
				name: 'maxMegabytes',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 0,
				description:
					'Pause once this much has been copied in the execution (never exceeded, except by a single message larger than it). 0 for no limit.',
			},
			{
				displayName: 'Stop After Errors in Total',
				name: 'maxErrorsPerBatch',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 0,
				description:
					'Pause every mailbox of the execution after this many failed items or folders across all of them. 0 for no limit.',
			},
			{
				displayName: 'Stop After Errors per Mailbox',
				name: 'maxErrorsPerMailbox',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 0,
				description:
					'Pause a mailbox after this many failed items or folders; the others go on. 0 for no limit.',
			},
			{
				displayName: 'Time Budget (Minutes)',
				name: 'timeBudgetMinutes',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 0,
				description: 'Stop copying after this long; 0 for no limit',
			},
			{
				displayName: 'Time Zone',
				name: 'timeZone',
				type: 'string',
				default: '',
				placeholder: 'Europe/Paris',
				description:
					"IANA time zone of every window (here and in the throttle profiles). Empty uses the workflow's time zone.",
			},
		],
	},
	{
		displayName: 'Throttle Profiles',
		name: 'throttleProfiles',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true, sortable: true },
		placeholder: 'Add Throttle Profile',
		default: {},
		displayOptions: showFor,
		description:
			'Limits per server, shared by all mailboxes of the execution. The first profile whose windows contain the current time applies; a profile without windows applies at all other times. A running copy switches profile at the boundary.',
		options: [
			{
				displayName: 'Profile',
				name: 'profile',
				values: [
					{
						displayName: 'Applies To',
						name: 'side',
						type: 'options',
						options: [
							{
								name: 'Both Servers',
								value: 'both',
							},
							{
								name: 'Source Server',
								value: 'source',
							},
							{
								name: 'Target Server',
								value: 'target',
							},
						],
						default: 'both',
					},
					{
						displayName: 'Max Connections per Server',
						name: 'maxConnections',
						type: 'number',
						default: DEFAULT_PROFILE_MAX_CONNECTIONS,
						description:
							'Connections to the server at once, over all mailboxes (each folder being copied uses one on each side)',
					},
					{
						displayName: 'Megabytes per Second',
						name: 'megabytesPerSecond',
						type: 'number',
						default: 0,
						description: 'Most megabytes per second to or from the server;	0 for no limit',
					},
					{
						displayName: 'Messages per Second',
						name: 'messagesPerSecond',
						type: 'number',
						default: 0,
						description: 'Most messages per second to or from the server;	0 for no limit',
					},
					{
						displayName: 'Name',
						name: 'name',
						type: 'string',
						default: '',
						placeholder: 'Office hours',
					},
					{
						displayName: 'Windows',
						name: 'windows',
						type: 'string',
						default: '',
						placeholder: 'Mon-Fri 08:00-20:00',
						description:
							'When this profile applies, in the time zone of Schedule and Stop Conditions. Empty:	whenever no profile above applies.',
					},
				],
			},
		],
	},
	{
		displayName: 'Ledger',
		name: 'ledgerOptions',
		type: 'collection',
		placeholder: 'Add Ledger Option',
		default: {},
		displayOptions: showFor,
		options: [
			ledgerFileOption,
			{
				displayName: 'Failed Items Listed',
				name: 'maxFailedItems',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: DEFAULT_FAILED_ITEMS_LISTED,
				description:
					'Most failed items listed in the output per mailbox; the ledger keeps all of them',
			},
		],
	},
];
