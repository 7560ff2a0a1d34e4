import type { MicrosoftApp } from '../../nodes/lib/microsoft/microsoftApp';
import type { DovecotServer } from '../harness/dovecot';
import { microsoft365AppData } from '../harness/n8nNodeFixtures';
import { appendMessages, makeMessage, snapshotMailbox } from '../harness/imap-fixtures';
import {
	loadTemplate,
	n8nHomeWithCredentials,
	runWorkflow,
	type CredentialImport,
	type N8nHome,
	type WorkflowRun,
} from './n8nRuntime';

export interface TemplateNode {
	name: string;
	parameters: Record<string, unknown>;
}

/** The shipped template with its mailbox list replaced: what an integration team does in the editor. */
export function withMailboxes(
	template: Record<string, unknown>,
	mailboxes: Record<string, string>[],
) {
	const workflow = structuredClone(template);
	const list = (workflow.nodes as TemplateNode[]).find(
		(node) => node.name === 'Mailboxes to check',
	);
	if (!list) throw new Error('template has no "Mailboxes to check" node');
	list.parameters.jsonOutput = JSON.stringify({ mailboxes });
	return workflow;
}

/** A migration template (Migrate, then Verify) with its wave list and a private ledger file: what a team edits. */
export function migrationWorkflow(
	templateName: string,
	mailboxes: Record<string, string>[],
	ledgerPath: string,
): Record<string, unknown> {
	const workflow = structuredClone(loadTemplate(templateName));
	const nodes = workflow.nodes as TemplateNode[];
	const byName = (name: string) => {
		const node = nodes.find((candidate) => candidate.name === name);
		if (!node) throw new Error(`template has no "${name}" node`);
		return node;
	};
	byName('Mailboxes to migrate').parameters.jsonOutput = JSON.stringify({ mailboxes });
	for (const name of ['Migrate', 'Verify'])
		byName(name).parameters.ledgerOptions = { path: ledgerPath };
	return workflow;
}

export function imapCredential(
	id: string,
	name: string,
	type: string,
	server: DovecotServer,
	extra = {},
) {
	return {
		id,
		name,
		type,
		data: {
			host: server.host,
			port: server.port,
			security: 'none',
			allowSelfSigned: false,
			loginMode: 'dovecotMaster',
			user: server.master?.user ?? '',
			password: server.master?.password ?? '',
			masterSeparator: '*',
			testMailbox: '',
			...extra,
		},
	};
}

/**
 * One output item of a node, as n8n's run data gives it: JSON whose shape each assertion knows for itself, so its
 * fields are read without declaring every report type again here.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type OutputItem = Record<string, any>;

/** The Microsoft 365 (App) credential of an app by secret, with its override URLs (login, Graph, IMAP) and trusted CA. */
export function microsoft365Credential(id: string, app: MicrosoftApp): CredentialImport {
	return {
		id,
		name: 'Microsoft 365 (App)',
		type: 'microsoft365App',
		data: microsoft365AppData(app),
	};
}

/** An n8n home with what the Microsoft 365 template uses: the source's IMAP credential and the app's. */
export async function microsoft365Home(source: DovecotServer, app: MicrosoftApp): Promise<N8nHome> {
	return await n8nHomeWithCredentials([
		imapCredential('mailSource', 'Mail Source (IMAP)', 'mailSourceImap', source),
		microsoft365Credential('microsoft365', app),
	]);
}

/**
 * The Microsoft 365 template run once over the wave, each user into `upn(user)`, with a ledger file of its own;
 * `edit` changes the workflow first, as a team would in the editor.
 */
export async function runMicrosoft365Wave(
	home: N8nHome,
	ledgerPath: string,
	upn: (user: string) => string,
	edit: (nodes: TemplateNode[]) => void = () => undefined,
): Promise<WorkflowRun> {
	const workflow = migrationWorkflow(
		'migrate-microsoft365.json',
		Object.keys(waveCorpora).map((user) => ({ sourceMailbox: user, targetMailbox: upn(user) })),
		ledgerPath,
	);
	edit(workflow.nodes as TemplateNode[]);
	return await runWorkflow(home, workflow);
}

/** The run ended without error and Migrate copied every message of each wave mailbox into `upn(user)`. */
export function expectWaveMigrated(run: WorkflowRun, upn: (user: string) => string): OutputItem[] {
	expect(run.error).toBeNull();
	const reports = run.nodes.Migrate as OutputItem[];
	expect(reports.map((report) => [report.mailbox, report.targetMailbox, report.status])).toEqual(
		Object.keys(waveCorpora).map((user) => [user, upn(user), 'completed']),
	);
	for (const report of reports) {
		expect(report.counts.copied).toBe(messagesIn(waveCorpora[report.mailbox as string]));
		expect(report.counts.failed).toBe(0);
	}
	return reports;
}

/** Verify found each wave mailbox clean and sent them all to the template's verified branch. */
export function expectWaveVerified(run: WorkflowRun): void {
	const verified = run.nodes.Verify as OutputItem[];
	expect(verified).toHaveLength(Object.keys(waveCorpora).length);
	for (const report of verified) {
		expect(report.status).toBe('completed');
		expect(report.differences).toEqual([]);
		expect(report.counts.failed).toBe(0);
	}
	const [complete, needsAttention] = run.outputs['All verified?'];
	expect(complete.map((report) => report.mailbox)).toEqual(Object.keys(waveCorpora));
	expect(needsAttention ?? []).toEqual([]);
}

/** Messages per folder of one mailbox. */
export type Corpus = Record<string, { raw: Buffer; flags?: string[]; internalDate?: Date }[]>;

export const messagesIn = (corpus: Corpus) =>
	Object.values(corpus).reduce((sum, messages) => sum + messages.length, 0);

/** Each user's corpus into its source mailbox, and an empty target mailbox (`targetMailbox(user)`) to copy into. */
export async function seedMailboxes(
	corpora: Record<string, Corpus>,
	password: string,
	source: DovecotServer,
	target: DovecotServer,
	targetMailbox = (user: string) => user,
): Promise<void> {
	for (const [user, corpus] of Object.entries(corpora)) {
		await source.addUser(user, password);
		await target.addUser(targetMailbox(user), password);
		for (const [folder, messages] of Object.entries(corpus)) {
			await appendMessages(source, user, password, folder, messages);
		}
	}
}

const waveDay = (n: number) => new Date(Date.UTC(2021, 2, n, 8, 15, 0));

/**
 * A wave of two mailboxes with what real ones hold: umlauts, nesting, spaces, flags, keywords, an attachment, a
 * message without Message-ID.
 */
export const waveCorpora: Record<string, Corpus> = {
	alice: {
		INBOX: [
			{
				raw: makeMessage({ subject: 'Angebot', date: waveDay(1) }),
				flags: ['\\Seen'],
				internalDate: waveDay(1),
			},
			{
				raw: makeMessage({ subject: 'Rückfrage', date: waveDay(2) }),
				flags: ['\\Flagged', '$Forwarded'],
				internalDate: waveDay(2),
			},
			{ raw: makeMessage({ subject: 'Neu', date: waveDay(3) }), internalDate: waveDay(3) },
		],
		Entwürfe: [
			{
				raw: makeMessage({ subject: 'Entwurf', date: waveDay(4) }),
				flags: ['\\Draft'],
				internalDate: waveDay(4),
			},
		],
		'Kunden/Müller GmbH': [
			{
				raw: makeMessage({
					subject: 'Vertrag',
					date: waveDay(5),
					attachments: [{ name: 'vertrag.pdf', bytes: Buffer.alloc(120_000, 3) }],
				}),
				flags: ['\\Seen', '\\Answered'],
				internalDate: waveDay(5),
			},
		],
		'Projekte/2021/Alpha': [
			{
				raw: makeMessage({ subject: 'Plan', date: waveDay(6) }),
				flags: ['Wichtig'],
				internalDate: waveDay(6),
			},
		],
	},
	bob: {
		INBOX: [
			{
				raw: makeMessage({ subject: 'Hallo Bob', date: waveDay(7) }),
				flags: ['\\Seen'],
				internalDate: waveDay(7),
			},
			{
				raw: makeMessage({ subject: 'ohne ID', messageId: null, date: waveDay(8) }),
				internalDate: waveDay(8),
			},
		],
		Entwürfe: [
			{
				raw: makeMessage({ subject: 'Notiz', date: waveDay(9) }),
				flags: ['\\Draft', '\\Seen'],
				internalDate: waveDay(9),
			},
		],
		'Archiv/2020': [
			{
				raw: makeMessage({ subject: 'Alt', date: waveDay(10) }),
				flags: ['\\Seen'],
				internalDate: waveDay(10),
			},
		],
	},
};

export type Snapshot = Awaited<ReturnType<typeof snapshotMailbox>>;

/** Per folder, the sorted (bytes hash, flags, internal date) of every message: what a migration must keep. */
export function comparable(snapshot: Snapshot): Record<string, string[]> {
	return Object.fromEntries(
		Object.entries(snapshot).map(([folder, messages]) => [
			folder,
			messages
				.map(
					(message) =>
						`${message.sha256} ${[...message.flags].sort().join(',')} ${message.internalDate}`,
				)
				.sort(),
		]),
	);
}

/** Every folder of the corpus is in the target where the Migrate report routed it, equal to its source folder. */
export function expectFoldersCopied(
	report: OutputItem,
	corpus: Corpus,
	source: Snapshot,
	target: Snapshot,
): void {
	const sourceFolders = comparable(source);
	const targetFolders = comparable(target);
	const routes = report.folders as Array<{ source: string; target: string }>;
	for (const folder of Object.keys(corpus)) {
		const route = routes.find((candidate) => candidate.source === folder);
		expect(route).toBeDefined();
		expect({ folder, messages: targetFolders[route!.target] }).toEqual({
			folder,
			messages: sourceFolders[folder],
		});
		expect(sourceFolders[folder]).toHaveLength(corpus[folder].length);
	}
}

/** Neither these secrets nor anything shaped like a bearer token (a JWT) in what the runs printed. */
export function expectNoSecretsPrinted(runs: WorkflowRun[], secrets: string[]): void {
	for (const output of runs.flatMap((run) => [run.stdout, run.stderr])) {
		for (const secret of secrets) expect(output).not.toContain(secret);
		expect(output).not.toMatch(/eyJ[\w-]{10,}\.[\w-]{10,}\./);
	}
}
