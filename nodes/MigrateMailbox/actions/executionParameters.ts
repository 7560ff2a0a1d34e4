/** Translates the parameters of Migrate and Verify into the execution's plain options (see fields/execution.description.ts). */
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import {
	DEFAULT_FAILED_ITEMS_LISTED,
	DEFAULT_MAILBOXES_IN_PARALLEL,
	DEFAULT_MAX_CONNECTIONS_PER_HOST,
	DEFAULT_PROFILE_MAX_CONNECTIONS,
	DEFAULT_TUNING,
	EXCHANGE_ONLINE_DEFAULTS,
	GRAPH_DEFAULTS,
} from '../../lib/defaults';
import type { ControlSettings, ProfileSide } from '../../lib/limits/executionControls';
import { parseWindows } from '../../lib/limits/schedule';
import type { MailboxJob } from '../../lib/migration/execution/runExecution';
import type { OversizePolicy } from '../../lib/migration/types';
import type { TargetType } from './mailboxPair';
import { migrationNameOf } from '../../common/ledgerParameters';

/** What the operation itself decides for an item: Migrate has a Mode and Oversize Messages, Verify neither. */
export type OperationChoices = Pick<MailboxJob, 'mode' | 'oversize'>;

/** One item's parameters: its mailbox job without the stores, and the settings of the whole execution. */
export interface ItemSettings {
	job: Omit<MailboxJob, 'position' | 'source' | 'target'>;
	mailboxesInParallel: number;
	ledgerPath: string;
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
				maxConnections: Number(profile.maxConnections ?? DEFAULT_PROFILE_MAX_CONNECTIONS),
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

/** The defaults of a Microsoft 365 target type; an IMAP target has the engine's own. */
const MICROSOFT_DEFAULTS: Partial<
	Record<TargetType, { connections: number; maxMessageBytes: number }>
> = { exchangeOnline: EXCHANGE_ONLINE_DEFAULTS, graph: GRAPH_DEFAULTS };

/**
 * Oversize Messages of Migrate (Verify never sends a message). A size the user left out is the target type's default:
 * Microsoft 365's limit (either path), or for IMAP the target's own APPENDLIMIT; an explicit 0 always means the
 * target's own limit.
 */
export function oversizePolicyOf(options: IDataObject, targetType: TargetType): OversizePolicy {
	const unset = options.maxMessageMegabytes === undefined;
	const microsoft = MICROSOFT_DEFAULTS[targetType];
	return {
		maxMessageBytes:
			unset && microsoft
				? microsoft.maxMessageBytes
				: (positiveOrUndefined(options.maxMessageMegabytes, 1e6) ?? null),
		zipAttachments: options.zipAttachments !== false,
	};
}

/** Connections per mailbox the user left out: the Microsoft 365 path's default, else the engine's. */
function defaultConnections(targetType: TargetType): number {
	return MICROSOFT_DEFAULTS[targetType]?.connections ?? DEFAULT_TUNING.connections;
}

/** Reads the parameters of one item into plain options; `choices` come from the operation. */
export function readItemSettings(
	this: IExecuteFunctions,
	itemIndex: number,
	choices: OperationChoices,
	targetType: TargetType,
): ItemSettings {
	const folders = this.getNodeParameter('folderOptions', itemIndex, {}) as IDataObject;
	const performance = this.getNodeParameter('performance', itemIndex, {}) as IDataObject;
	const ledger = this.getNodeParameter('ledgerOptions', itemIndex, {}) as IDataObject;
	const stop = this.getNodeParameter('stopOptions', itemIndex, {}) as IDataObject;
	const profiles = ((
		this.getNodeParameter('throttleProfiles', itemIndex, {}) as IDataObject | undefined
	)?.profile ?? []) as IDataObject[];
	const renames = ((folders.renames as IDataObject | undefined)?.rule ?? []) as IDataObject[];
	return {
		job: {
			...choices,
			migrationId: migrationNameOf(this.getNodeParameter('migrationId', itemIndex, '')),
			folderRules: {
				include: patterns(folders.include),
				exclude: patterns(folders.exclude),
				specialUse: folders.specialUse !== false,
				renames: renames
					.filter((rule) => String(rule.from ?? '').length > 0)
					.map((rule) => ({ from: String(rule.from), to: String(rule.to ?? '') })),
			},
			tuning: {
				connections: Number(performance.connections ?? defaultConnections(targetType)),
				pipelineDepth: Number(performance.pipelineDepth ?? DEFAULT_TUNING.pipelineDepth),
				batchMessages: Number(performance.batchMessages ?? DEFAULT_TUNING.batchMessages),
			},
			maxFailedItemsReported: Number(ledger.maxFailedItems ?? DEFAULT_FAILED_ITEMS_LISTED),
		},
		mailboxesInParallel: Number(performance.mailboxes ?? DEFAULT_MAILBOXES_IN_PARALLEL),
		ledgerPath: String(ledger.path ?? '').trim(),
		controls: controlSettingsOf(
			stop,
			profiles,
			Number(performance.maxConnectionsPerServer ?? DEFAULT_MAX_CONNECTIONS_PER_HOST),
			this.getTimezone(),
		),
	};
}
