import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { FolderRules } from '../../shared/engine/imap/folderRouting';
import { runImapMigration } from '../../shared/engine/imap/runImapMigration';
import { newOwnerId } from '../../shared/engine/migrateMailbox';
import type { CopyTuning, MigrationMode, MigrationProgress } from '../../shared/engine/types';
import { defaultLedgerPath, openLedger } from '../../shared/ledger';
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
				displayName: 'Mailboxes in Parallel',
				name: 'mailboxes',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 64 },
				default: 2,
				description: 'Input items (mailboxes) migrated at the same time',
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
				displayName: 'Batches in Flight',
				name: 'pipelineDepth',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 64 },
				default: 8,
				description: 'APPEND commands sent ahead of the answers, per connection',
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
	const settings = itemIndexes.map((itemIndex) => readSettings.call(this, itemIndex));
	const parallel = Math.max(1, Math.min(...settings.map((setting) => setting.mailboxesInParallel)));
	const ledgerPath = settings[0]?.ledgerPath || defaultLedgerPath();
	const ledger = await openLedger({ kind: 'sqlite', path: ledgerPath });
	const owner = newOwnerId(`n8n-execution-${this.getExecutionId()}`);
	const results: Array<IDataObject | Error> = new Array(itemIndexes.length);
	let next = 0;
	const worker = async () => {
		while (next < itemIndexes.length) {
			const position = next++;
			const itemIndex = itemIndexes[position];
			try {
				const { source, target } = await mailboxPairFor.call(this, itemIndex);
				const setting = settings[position];
				const mailboxReport = await runImapMigration({
					source,
					target,
					migrationId: setting.migrationId,
					mode: setting.mode,
					folderRules: setting.folderRules,
					tuning: setting.tuning,
					maxFailedItemsReported: setting.maxFailedItems,
					ledger,
					owner,
					logger: {
						debug: (message, meta) => this.logger.debug(message, meta),
						info: (message, meta) => this.logger.info(message, meta),
						warn: (message, meta) => this.logger.warn(message, meta),
					},
					onProgress: throttledProgress(report),
				});
				report(
					`${mailboxReport.mailbox}: ${mailboxReport.status}, ${mailboxReport.counts.copied} copied, ${mailboxReport.counts.failed} failed`,
				);
				results[position] = mailboxReport as unknown as IDataObject;
			} catch (error) {
				results[position] = error instanceof Error ? error : new Error(String(error));
			}
		}
	};
	try {
		await Promise.all(Array.from({ length: Math.min(parallel, itemIndexes.length) }, worker));
	} finally {
		await ledger.close();
	}
	return results;
}

/** At most one progress line per mailbox every few seconds: enough to watch, not enough to flood the log. */
function throttledProgress(report: ProgressReporter): (progress: MigrationProgress) => void {
	let last = 0;
	return (progress) => {
		const now = Date.now();
		if (now - last < 5000) return;
		last = now;
		report(
			`${progress.mailbox}: ${progress.folder} ${progress.copied}/${progress.sourceItems} copied, ${(progress.bytes / 1e6).toFixed(1)} MB so far`,
		);
	};
}
