/**
 * Notify CRM driven as n8n drives it: an execute context whose parameters are what n8n hands the node per item (the
 * plan's subject and body already evaluated against the roster row, as expressions are), over a roster of users.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { NotifyCrm } from '../../../nodes/NotifyCrm/NotifyCrm.node';
import { notifyCrmNode } from '../../harness/n8nNodeFixtures';

export interface UserRow {
	email: string;
	name: string;
	migrationDate: string;
	timeZone: string;
}

/** The plan of the node's defaults, with each message as its expression renders for `row`. */
export function planFor(row: IDataObject): IDataObject[] {
	return [
		{
			name: 'T-7',
			offsetDays: -7,
			timeOfDay: '09:00',
			subject: `Your mailbox moves on ${row.migrationDate}`,
			body: `Hello ${row.name}, in a week.`,
		},
		{
			name: 'T-1',
			offsetDays: -1,
			timeOfDay: '09:00',
			subject: 'Tomorrow: your mailbox moves',
			body: `Hello ${row.name}, tomorrow.`,
		},
		{
			name: 'T+0',
			offsetDays: 0,
			timeOfDay: '08:00',
			subject: 'Your mailbox has moved',
			body: `Hello ${row.name}, it has moved.`,
		},
		{
			name: 'T+1',
			offsetDays: 1,
			timeOfDay: '10:00',
			subject: 'How is your new mailbox?',
			body: `Hello ${row.name}, all well?`,
		},
	];
}

export interface NotifyRunOptions {
	operation: 'send' | 'planOnly' | 'markSent';
	rows: IDataObject[];
	/** Node parameters (the same for every item), e.g. url, provider, options. */
	parameters?: Record<string, unknown>;
	/** Credential data by credential type. */
	credentials?: Record<string, Record<string, unknown>>;
	continueOnFail?: boolean;
	executionId?: string;
}

export function notifyContext(options: NotifyRunOptions): IExecuteFunctions {
	return {
		getInputData: () => options.rows.map((row) => ({ json: row })),
		getNodeParameter: (name: string, itemIndex: number, fallback?: unknown) => {
			const row = options.rows[itemIndex];
			const values: Record<string, unknown> = {
				operation: options.operation,
				migrationId: 'wave-1',
				email: row.email,
				name: row.name,
				migrationDate: row.migrationDate,
				timeZone: row.timeZone,
				stage: row.stage,
				'plan.stages': planFor(row),
				provider: 'webhook',
				method: 'POST',
				authentication: 'none',
				signRequests: false,
				bodyMode: 'message',
				contentType: 'application/json',
				...options.parameters,
			};
			return name in values ? values[name] : fallback;
		},
		getCredentials: async (type: string) => {
			const data = options.credentials?.[type];
			if (!data) throw new Error(`no credential of type ${type} in this test`);
			return data;
		},
		getNode: () => notifyCrmNode,
		getExecutionId: () => options.executionId ?? 'notify-test',
		getExecutionCancelSignal: () => undefined,
		continueOnFail: () => options.continueOnFail ?? false,
		logger: {
			debug: () => undefined,
			info: () => undefined,
			warn: () => undefined,
			error: () => undefined,
		},
	} as unknown as IExecuteFunctions;
}

export async function runNotify(options: NotifyRunOptions): Promise<IDataObject[]> {
	const [output] = (await new NotifyCrm().execute.call(
		notifyContext(options),
	)) as INodeExecutionData[][];
	return output.map((item) => item.json);
}

/** `email stage -> status` of a run's output, for whole-run comparisons. */
export function statusesOf(output: IDataObject[]): Record<string, unknown> {
	return Object.fromEntries(output.map((item) => [`${item.email} ${item.stage}`, item.status]));
}
