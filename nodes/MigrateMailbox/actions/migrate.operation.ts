import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeProperties,
} from 'n8n-workflow';

import {
	DEFAULT_MAX_CONNECTIONS_PER_HOST,
	ExecutionControls,
	type ControlSettings,
	type ProfileSide,
} from '../../lib/limits/executionControls';
import { parseWindows, ScheduleError } from '../../lib/limits/schedule';
import { formatBytes } from '../../lib/format';

import type { FolderRules } from '../../lib/migration/stores/imap/folderRouting';
import { runImapExecutionIsolated } from '../../lib/migration/execution/isolatedExecution';
import type { MailboxJob } from '../../lib/migration/execution/runImapExecution';
import { MailboxSetupError, newOwnerId } from '../../lib/migration/migrateMailbox';
import type {
	CopyTuning,
	MailboxReport,
	MigrationMode,
	MigrationProgress,
	OversizePolicy,
} from '../../lib/migration/types';
import { defaultLedgerPath } from '../../lib/ledger';
import { mailboxPairFor } from './mailboxFields';

const showFor = { show: { operation: ['migrate', 'verify'] } };

export const description: INodeProperties[] = [
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
	{
		displayName: 'Migration Name',
		name: 'migrationId',
		type: 'string',
		default: 'default',
		required: true,
		displayOptions: showFor,
		description:
			'Groups the ledger records of one migration project or wave. Reruns with the same name resume; a new name starts afresh (items already in the target are still found and not duplicated).',
	},
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
				default: 8,
				description: 'APPEND commands sent ahead of the answers, per connection',
			},
			{
				displayName: 'Connections per Mailbox',
				name: 'connections',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 16 },
				default: 2,
				description: 'Folders copied at once, each over its own pair of connections',
			},
			{
				displayName: 'Mailboxes in Parallel',
				name: 'mailboxes',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 64 },
				default: 2,
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
				default: 50,
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
						default: 4,
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
			{
				displayName: 'Ledger File',
				name: 'path',
				type: 'string',
				default: '',
				placeholder: '~/.n8n/mailbox-migration/ledger.sqlite',
				description:
					'SQLite file recording every migrated item (never its content). Empty uses mailbox-migration/ledger.sqlite in the n8n user folder.',
			},
			{
				displayName: 'Failed Items Listed',
				name: 'maxFailedItems',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 200,
				description:
					'Most failed items listed in the output per mailbox; the ledger keeps all of them',
			},
		],
	},
];

export interface MigrateSettings {
	mode: MigrationMode;
	migrationId: string;
	folderRules: FolderRules;
	tuning: Partial<CopyTuning>;
	mailboxesInParallel: number;
	ledgerPath: string;
	maxFailedItems: number;
	oversize: OversizePolicy;
	controls: ControlSettings;
}

/** 0 or empty means "no limit" in the editor. */
function positiveOrUndefined(value: unknown, scale = 1): number | undefined {
	const number = Number(value ?? 0);
	return Number.isFinite(number) && number > 0 ? number * scale : undefined;
}

/** Reads a window text, naming the parameter in any error. */
function windowsOf(label: string, value: unknown) {
	return parseWindows(String(value ?? ''), label);
}

function controlSettingsOf(
	stop: IDataObject,
	profiles: IDataObject[],
	defaultMaxConnections: number,
	workflowTimeZone: string,
): ControlSettings {
	return {
		timeZone: String(stop.timeZone ?? '').trim() || workflowTimeZone,
		defaultMaxConnections,
		profiles: profiles.map((profile, index) => {
			const name = String(profile.name ?? '').trim() || `profile ${index + 1}`;
			return {
				name,
				side: String(profile.side ?? 'both') as ProfileSide,
				windows: windowsOf(`Throttle profile "${name}"`, profile.windows),
				maxConnections: Number(profile.maxConnections ?? 4),
				messagesPerSecond: positiveOrUndefined(profile.messagesPerSecond),
				bytesPerSecond: positiveOrUndefined(profile.megabytesPerSecond, 1e6),
			};
		}),
		stop: {
			runWindows: windowsOf('Run Windows', stop.runWindows),
			blackoutWindows: windowsOf('Maintenance Windows', stop.blackoutWindows),
			timeBudgetMs: positiveOrUndefined(stop.timeBudgetMinutes, 60_000),
			maxErrorsPerMailbox: positiveOrUndefined(stop.maxErrorsPerMailbox),
			maxErrorsPerBatch: positiveOrUndefined(stop.maxErrorsPerBatch),
			maxBytesPerExecution: positiveOrUndefined(stop.maxMegabytes, 1e6),
		},
	};
}

function patterns(value: unknown): string[] {
	return String(value ?? '')
		.split(',')
		.map((pattern) => pattern.trim())
		.filter(Boolean);
}

/** Reads the node's migration settings for one item into plain engine options. */
export function readSettings(this: IExecuteFunctions, itemIndex: number): MigrateSettings {
	const operation = this.getNodeParameter('operation', itemIndex) as string;
	const mode = (
		operation === 'verify' ? 'verify' : this.getNodeParameter('mode', itemIndex, 'full')
	) as MigrationMode;
	const folders = this.getNodeParameter('folderOptions', itemIndex, {}) as IDataObject;
	const performance = this.getNodeParameter('performance', itemIndex, {}) as IDataObject;
	const ledger = this.getNodeParameter('ledgerOptions', itemIndex, {}) as IDataObject;
	const oversize =
		operation === 'migrate'
			? (this.getNodeParameter('oversizeOptions', itemIndex, {}) as IDataObject)
			: {};
	const stop = this.getNodeParameter('stopOptions', itemIndex, {}) as IDataObject;
	const profiles = ((
		this.getNodeParameter('throttleProfiles', itemIndex, {}) as IDataObject | undefined
	)?.profile ?? []) as IDataObject[];
	const renames = ((folders.renames as IDataObject | undefined)?.rule ?? []) as IDataObject[];
	return {
		mode,
		migrationId:
			String(this.getNodeParameter('migrationId', itemIndex, 'default')).trim() || 'default',
		folderRules: {
			include: patterns(folders.include),
			exclude: patterns(folders.exclude),
			specialUse: folders.specialUse !== false,
			renames: renames
				.filter((rule) => String(rule.from ?? '').length > 0)
				.map((rule) => ({ from: String(rule.from), to: String(rule.to ?? '') })),
		},
		tuning: {
			connections: Number(performance.connections ?? 2),
			pipelineDepth: Number(performance.pipelineDepth ?? 8),
			batchMessages: Number(performance.batchMessages ?? 50),
		},
		mailboxesInParallel: Number(performance.mailboxes ?? 2),
		ledgerPath: String(ledger.path ?? '').trim(),
		maxFailedItems: Number(ledger.maxFailedItems ?? 200),
		oversize: {
			maxMessageBytes: positiveOrUndefined(oversize.maxMessageMegabytes, 1e6) ?? null,
			zipAttachments: oversize.zipAttachments !== false,
		},
		controls: controlSettingsOf(
			stop,
			profiles,
			Number(performance.maxConnectionsPerServer ?? DEFAULT_MAX_CONNECTIONS_PER_HOST),
			this.getTimezone(),
		),
	};
}

/** How far one mailbox got, for the n8n log and, on manual runs, the editor. */
export type ProgressReporter = (message: string) => void;

/**
 * Runs Migrate/Verify for every item, several mailboxes at once; results keep the input order and pairing. A
 * failure of one mailbox is returned as an Error in its slot and never stops the others.
 */
export async function executeMigrations(
	this: IExecuteFunctions,
	itemIndexes: number[],
	report: ProgressReporter,
): Promise<Array<IDataObject | Error>> {
	const results: Array<IDataObject | Error> = new Array(itemIndexes.length);
	const settings = itemIndexes.map((itemIndex, position) => {
		try {
			return readSettings.call(this, itemIndex);
		} catch (error) {
			results[position] = settingsError(this, error, itemIndex);
			return null;
		}
	});
	const first = settings.find((setting) => setting !== null);
	if (!first) return results;
	// Limits, windows and budgets are the execution's: they come from the first item's settings.
	try {
		validateControls(first.controls);
	} catch (error) {
		// Shared by every mailbox, so every item fails with it (each goes to the error output under Continue On Fail).
		return itemIndexes.map((itemIndex) => settingsError(this, error, itemIndex));
	}
	const jobs: MailboxJob[] = [];
	for (const [position, setting] of settings.entries()) {
		if (!setting) continue;
		try {
			const { source, target } = await mailboxPairFor.call(this, itemIndexes[position]);
			jobs.push({
				position,
				source,
				target,
				migrationId: setting.migrationId,
				mode: setting.mode,
				folderRules: setting.folderRules,
				tuning: setting.tuning,
				oversize: setting.oversize,
				maxFailedItemsReported: setting.maxFailedItems,
			});
		} catch (error) {
			results[position] = error instanceof Error ? error : new Error(String(error));
		}
	}
	if (jobs.length === 0) return results;
	const progress = throttledProgress(report);
	await runImapExecutionIsolated(
		{
			jobs,
			mailboxesInParallel: Math.max(
				1,
				Math.min(...settings.map((setting) => setting?.mailboxesInParallel ?? Infinity)),
			),
			controls: first.controls,
			ledgerPath: first.ledgerPath || defaultLedgerPath(),
			owner: newOwnerId(`n8n-execution-${this.getExecutionId()}`),
		},
		(event) => {
			switch (event.type) {
				case 'log':
					this.logger[event.level](event.message, event.meta);
					break;
				case 'progress':
					progress(event.progress);
					break;
				case 'profile':
					report(`Throttle profile "${event.profile}" now applies to ${event.host}`);
					break;
				case 'report':
					report(summaryLine(event.report));
					results[event.position] = event.report as unknown as IDataObject;
					break;
				case 'failure':
					results[event.position] =
						event.failure.side === null
							? new Error(event.failure.message)
							: new MailboxSetupError(event.failure.message, event.failure.side);
					break;
			}
		},
		this.getExecutionCancelSignal?.(),
	).catch((error: unknown) => {
		// The execution as a whole broke (the ledger could not be opened, the worker ran out of memory): every
		// mailbox without a result gets that error; those that finished keep theirs.
		for (const job of jobs) {
			results[job.position] ??= error instanceof Error ? error : new Error(String(error));
		}
	});
	for (const job of jobs) {
		results[job.position] ??= new Error('the migration ended without a result for this mailbox');
	}
	return results;
}

/** Throws ScheduleError for controls that make no sense, before any mailbox is touched. */
function validateControls(controls: ControlSettings): void {
	new ExecutionControls(controls).dispose().catch(() => undefined);
}

function settingsError(
	context: IExecuteFunctions,
	error: unknown,
	itemIndex: number,
): NodeOperationError {
	if (error instanceof NodeOperationError) return error;
	const message = error instanceof Error ? error.message : String(error);
	return new NodeOperationError(context.getNode(), message, {
		itemIndex,
		description:
			error instanceof ScheduleError
				? 'Check the Schedule and Stop Conditions and the Throttle Profiles.'
				: undefined,
	});
}

function summaryLine(mailboxReport: MailboxReport): string {
	const { mailbox, status, counts, bytes, reason, resumesAt } = mailboxReport;
	const line = `${mailbox}: ${status}, ${counts.copied} copied (${formatBytes(bytes)}), ${counts.failed} failed`;
	if (status !== 'paused') return line;
	return `${line}; paused: ${reason ?? 'stopped'}${resumesAt ? `, may go on from ${resumesAt}` : ''}`;
}

/** At most one progress line per mailbox every few seconds: enough to watch, not enough to flood the log. */
function throttledProgress(report: ProgressReporter): (progress: MigrationProgress) => void {
	const last = new Map<string, number>();
	return (progress) => {
		const now = Date.now();
		if (now - (last.get(progress.mailbox) ?? 0) < 5000) return;
		last.set(progress.mailbox, now);
		report(
			`${progress.mailbox}: ${progress.folder} ${progress.copied}/${progress.sourceItems} copied, ${(progress.bytes / 1e6).toFixed(1)} MB so far`,
		);
	};
}
