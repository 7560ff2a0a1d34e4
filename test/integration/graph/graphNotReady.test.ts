/**
 * A Microsoft 365 mailbox Exchange has not provisioned yet (Graph answers 404 MailboxNotEnabledForRESTAPI), migrated
 * through the node's Migrate operation beside a ready one: it ends paused, saying why, with nothing copied and nothing
 * failed, and the other mailbox is copied; once it is ready, the next run copies all of it, exactly once.
 */
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import type { MicrosoftApp } from '../../../nodes/lib/microsoft/microsoftApp';
import { MigrateMailbox } from '../../../nodes/MigrateMailbox/MigrateMailbox.node';
import { sourceKeyOf } from '../../harness/graphStandIn';
import { makeMessage } from '../../harness/imap-fixtures';
import { microsoft365AppData, migrateNode } from '../../harness/n8nNodeFixtures';
import { PASSWORD, tempLedgerPath } from '../engine/engineFixtures';
import { graphSuite, sha256, type SourceCorpus } from './graphFixtures';

/** The create of a message in a folder, as the emulator counts it. */
const CREATED = 'POST /users/{id}/mailFolders/{id}/messages 201';

describe('a Microsoft 365 mailbox not ready yet, in Migrate through Graph', () => {
	const suite = graphSuite();

	/** Migrate with Target Type Microsoft 365 (Graph): one item per row, all rows in one ledger file. */
	function migrateContext(
		rows: { sourceMailbox: string; targetMailbox: string }[],
		app: MicrosoftApp,
		ledgerPath: string,
	): IExecuteFunctions {
		const credentials: Record<string, unknown> = {
			mailSourceImap: {
				host: suite.source.host,
				port: suite.source.port,
				security: 'none',
				allowSelfSigned: false,
				loginMode: 'user',
				user: '',
				password: PASSWORD,
			},
			microsoft365App: microsoft365AppData(app),
		};
		const parameters = (itemIndex: number): Record<string, unknown> => ({
			operation: 'migrate',
			mode: 'full',
			targetType: 'graph',
			...rows[itemIndex],
			ledgerOptions: { path: ledgerPath },
		});
		const quiet = () => undefined;
		return {
			getInputData: () => rows.map((row) => ({ json: row as unknown as IDataObject })),
			getNodeParameter: (name: string, itemIndex: number, fallback?: unknown) =>
				parameters(itemIndex)[name] ?? fallback,
			getCredentials: async (type: string) => credentials[type],
			getNode: () => migrateNode,
			getTimezone: () => 'UTC',
			getExecutionId: () => 'graph-not-ready',
			getMode: () => 'trigger',
			logger: { debug: quiet, info: quiet, warn: quiet, error: quiet },
			continueOnFail: () => false,
		} as unknown as IExecuteFunctions;
	}

	const corpusOf = (name: string): SourceCorpus => ({
		INBOX: [1, 2, 3].map((n) => ({
			raw: makeMessage({ subject: `${name} ${n}` }),
			flags: n === 1 ? ['\\Seen'] : [],
		})),
		'Projects/Alpha': [{ raw: makeMessage({ subject: `${name} project` }) }],
	});

	it('pauses it with nothing copied and nothing failed, copies the other; the next run copies it all once it is ready', async () => {
		const { emulator } = suite;
		const readyCorpus = corpusOf('ready');
		const waitingCorpus = corpusOf('waiting');
		const ready = await suite.seedSource('gnrsrc', readyCorpus);
		const waiting = await suite.seedSource('gnwsrc', waitingCorpus);
		const readyMailbox = suite.mailbox('gnrdst');
		const waitingMailbox = suite.mailbox('gnwdst', { ready: false });
		const foldersWhenProvisioned = emulator.graph.folders(waitingMailbox);
		const rows = [
			{ sourceMailbox: ready.user, targetMailbox: readyMailbox },
			{ sourceMailbox: waiting.user, targetMailbox: waitingMailbox },
		];
		const context = migrateContext(rows, suite.app(), tempLedgerPath());
		const created = () => emulator.graph.counters().requests[CREATED] ?? 0;
		const refused = () =>
			Object.entries(emulator.graph.counters().requests)
				.filter(([key]) => key.endsWith(' 404'))
				.reduce((total, [, count]) => total + count, 0);

		const [first] = await new MigrateMailbox().execute.call(context);
		expect(first.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		const [readyFirst, waitingFirst] = first.map((item) => item.json as Record<string, unknown>);
		expect(readyFirst).toMatchObject({
			targetMailbox: readyMailbox,
			status: 'completed',
			counts: { copied: 4, failed: 0 },
		});
		expect(waitingFirst).toMatchObject({
			mailbox: waiting.user,
			targetMailbox: waitingMailbox,
			status: 'paused',
			resumesAt: null,
			counts: { sourceItems: 0, copied: 0, failed: 0 },
			failedItems: [],
			folders: [],
		});
		expect(waitingFirst.reason).toMatch(
			/^the Microsoft 365 mailbox is not ready yet: .*up to 24 hours; the next run copies it\./,
		);
		expect(waitingFirst).not.toHaveProperty('error');
		// Graph refused the one request that opens the mailbox, and nothing was created in it: only the ready
		// mailbox's messages were, and no request for the waiting one got past its readiness.
		expect(refused()).toBe(1);
		expect(created()).toBe(4);
		expect(emulator.graph.messages(waitingMailbox)).toEqual([]);
		expect(emulator.graph.folders(waitingMailbox)).toEqual(foldersWhenProvisioned);
		expect(emulator.graph.counters().mailboxes[waitingMailbox]).toBeUndefined();

		emulator.graph.setReady(waitingMailbox);
		const [second] = await new MigrateMailbox().execute.call(context);
		const [readySecond, waitingSecond] = second.map((item) => item.json as Record<string, unknown>);
		expect(readySecond).toMatchObject({ status: 'completed', counts: { copied: 0, failed: 0 } });
		expect(waitingSecond).toMatchObject({
			status: 'completed',
			reason: null,
			counts: { sourceItems: 4, copied: 4, failed: 0 },
		});
		expect(created()).toBe(8);

		// Exactly its source: each message once, by its source key, in its folder, a non-draft.
		const folders = emulator.graph.folders(waitingMailbox);
		const inbox = folders.find((folder) => folder.wellKnownName === 'inbox')?.path;
		const stored = emulator.graph.messages(waitingMailbox).map((message) => ({
			key: sourceKeyOf(message),
			folder: folders.find((folder) => folder.id === message.folderId)?.path,
			isDraft: message.isDraft,
			isRead: message.isRead,
		}));
		const expected = Object.entries(waitingCorpus).flatMap(([folder, messages]) =>
			messages.map((message) => ({
				key: sha256(message.raw),
				folder: folder === 'INBOX' ? inbox : folder,
				isDraft: false,
				isRead: (message.flags ?? []).includes('\\Seen'),
			})),
		);
		const byKey = (a: { key: string | null }, b: { key: string | null }) =>
			String(a.key).localeCompare(String(b.key));
		expect(stored.sort(byKey)).toEqual(expected.sort(byKey));
	}, 180_000);
});
