/**
 * A Microsoft 365 mailbox as the engine's MailTarget, through Graph. Graph has no UIDs: a session numbers the messages
 * of a folder as it lists them (UIDs valid for that session only, under a UIDVALIDITY no other session has), and an
 * APPEND reports no UID, so the ledger never keeps one. What identifies a copy for good is its source key (the source
 * message's fingerprint, see graphProperties): reconciliation, Verify and flag sync go by it (`sourceKeyed`).
 */
import { randomInt } from 'node:crypto';

import {
	GraphClient,
	GraphRequestError,
	type GraphClientOptions,
} from '../../../graph/graphClient';
import type { GraphMailboxLimits } from '../../../graph/mailboxLimits';
import { flagsAsGraphKeepsThem, graphFlagState, imapFlagsOf } from '../../../graph/graphFlags';
import {
	IF_IT_STAYS_SO,
	isMailboxNotReady,
	NOT_READY_BECAUSE,
} from '../../../graph/mailboxReadiness';
import { planGraphMessage } from '../../../graph/mimeToGraph';
import type { MicrosoftApp } from '../../../microsoft/microsoftApp';
import { MicrosoftTokenError } from '../../../microsoft/tokenErrors';
import {
	SessionLostError,
	TargetNotReadyError,
	type AppendItem,
	type AppendResult,
	type MailTarget,
	type MessageBody,
	type MessageMeta,
	type StoreFolder,
	type StoreNamespace,
	type TargetFolderStatus,
	type UnreadableMessage,
} from '../../mailStore';
import { fingerprintOf } from '../../messageIdentity';
import { GRAPH_DELIMITER, GraphFolderTree } from './graphFolders';
import { createMessage } from './graphMessageCopy';
import { VERB_FORWARD, VERB_REPLY_TO_SENDER } from '../../../graph/graphProperties';
import {
	LAST_VERB_PROPERTY,
	LISTED_PROPERTIES_EXPAND,
	MESSAGE_SIZE_PROPERTY,
	propertyValue,
	SOURCE_KEY_PROPERTY,
	type ExtendedProperty,
} from './graphProperties';

/** 150 MB as Exchange counts them (2^20 bytes each). */
const GRAPH_MESSAGE_CEILING_BYTES = 150 * 1024 * 1024;

/**
 * Outlook's answer to a message larger than the mailbox takes: "The message exceeds the maximum supported size."
 * (microsoft-graph-docs-contrib #2561), HTTP 400.
 */
const MESSAGE_SIZE_EXCEEDED = 'ErrorMessageSizeExceeded';

export interface GraphTargetOptions {
	app: MicrosoftApp;
	/** UPN or user id. */
	mailbox: string;
	/** Graph's per-mailbox limits, scaled down by tests and the bench; Graph's own when omitted. */
	limits?: GraphMailboxLimits;
}

interface GraphMessage {
	id: string;
	internetMessageId?: string | null;
	receivedDateTime?: string | null;
	isRead?: boolean;
	isDraft?: boolean;
	flag?: { flagStatus?: string } | null;
	categories?: string[];
	singleValueExtendedProperties?: ExtendedProperty[];
}

const LIST_SELECT = 'id,internetMessageId,receivedDateTime,isRead,isDraft,flag,categories';
/** Graph's largest page of messages. */
const LIST_PAGE = 1000;

/**
 * Flags as the target keeps them (see graphFlags): read state, follow-up flag, draft state, replied as the last verb,
 * and keywords as categories.
 */
const PERMANENT_FLAGS = ['\\Seen', '\\Flagged', '\\Answered', '\\Draft', '\\*'];

function flagsOf(message: GraphMessage): string[] {
	const verb = Number(propertyValue(message.singleValueExtendedProperties, LAST_VERB_PROPERTY));
	return imapFlagsOf({
		isRead: message.isRead === true,
		isDraft: message.isDraft === true,
		flagged: message.flag?.flagStatus === 'flagged',
		answered: verb === VERB_REPLY_TO_SENDER,
		forwarded: verb === VERB_FORWARD,
		categories: message.categories ?? [],
	});
}

/** The open folder's messages as this session numbered them. */
class ListedFolder {
	readonly uidValidity = randomInt(1, 2 ** 32 - 1);

	private readonly uidById = new Map<string, number>();

	private byUid = new Map<number, { id: string; meta: MessageMeta }>();

	private nextUid = 1;

	listed = false;

	constructor(readonly id: string) {}

	/** Takes a new listing; messages seen before keep their UIDs. */
	take(messages: readonly GraphMessage[]): void {
		const byUid = new Map<number, { id: string; meta: MessageMeta }>();
		for (const message of messages) {
			let uid = this.uidById.get(message.id);
			if (uid === undefined) {
				uid = this.nextUid++;
				this.uidById.set(message.id, uid);
			}
			const properties = message.singleValueExtendedProperties;
			byUid.set(uid, {
				id: message.id,
				meta: {
					uid,
					size: Number(propertyValue(properties, MESSAGE_SIZE_PROPERTY) ?? 0),
					internalDate: message.receivedDateTime ?? new Date(0).toISOString(),
					flags: flagsOf(message),
					messageId: message.internetMessageId ?? null,
					modseq: null,
					sourceKey: propertyValue(properties, SOURCE_KEY_PROPERTY) || null,
				},
			});
		}
		this.byUid = byUid;
		this.listed = true;
	}

	get nextUidValue(): number {
		return this.nextUid;
	}

	uids(): number[] {
		return [...this.byUid.keys()].sort((a, b) => a - b);
	}

	metas(filter: (uid: number) => boolean): MessageMeta[] {
		return this.uids()
			.filter(filter)
			.map((uid) => (this.byUid.get(uid) as { meta: MessageMeta }).meta);
	}

	idOf(uid: number): string | null {
		return this.byUid.get(uid)?.id ?? null;
	}
}

export class GraphMailTarget implements MailTarget {
	readonly capabilities: ReadonlySet<string> = new Set(['X-MICROSOFT-GRAPH']);

	/**
	 * Exchange Online's ceiling: no mailbox takes a larger message (MaxReceiveSize is configurable up to 150 MB,
	 * learn.microsoft.com/office365/servicedescriptions/exchange-online-service-description/exchange-online-limits),
	 * and no attachment is larger than an upload session takes (150 MB, learn.microsoft.com/graph/
	 * outlook-large-attachments). Compared with the source's size, whose base64 is larger than what Exchange stores.
	 * A mailbox's own, lower limit cannot be read through Graph: a message over it is refused (tooBig below) and the
	 * engine zips or skips it then.
	 */
	readonly appendLimit = GRAPH_MESSAGE_CEILING_BYTES;

	readonly sourceKeyed = true;

	private readonly folders: GraphFolderTree;

	private open: ListedFolder | null = null;

	private backoffs = 0;

	private constructor(private readonly graph: GraphClient) {
		this.folders = new GraphFolderTree(graph);
	}

	static async open(options: GraphTargetOptions): Promise<GraphMailTarget> {
		const clientOptions: GraphClientOptions = { limits: options.limits };
		let target: GraphMailTarget | null = null;
		clientOptions.onServerBackoff = () => {
			if (target) target.backoffs++;
		};
		target = new GraphMailTarget(new GraphClient(options.app, options.mailbox, clientOptions));
		// Proves the mailbox answers before any folder work; one not provisioned yet waits for the next run.
		try {
			await sessionCall(() => target.graph.get(`/mailFolders/inbox?$select=id`));
		} catch (error) {
			if (isMailboxNotReady(error)) {
				throw new TargetNotReadyError(
					`the Microsoft 365 mailbox is not ready yet: ${NOT_READY_BECAUSE}; the next run copies it. ${IF_IT_STAYS_SO}`,
				);
			}
			throw error;
		}
		return target;
	}

	/** Keywords as Outlook keeps them (see graphFlags): what Verify and Delta compare the target's flags with. */
	storedFlags(flags: readonly string[]): string[] {
		return flagsAsGraphKeepsThem(flags);
	}

	takeServerBackoffs(): number {
		const count = this.backoffs;
		this.backoffs = 0;
		return count;
	}

	async namespace(): Promise<StoreNamespace> {
		// Display names are Unicode: a folder made for "Müller" must be called that, not its modified UTF-7.
		return { prefix: '', delimiter: GRAPH_DELIMITER, utf8Names: true };
	}

	async listFolders(): Promise<StoreFolder[]> {
		return await sessionCall(() => this.folders.storeFolders());
	}

	async createFolder(rawName: string): Promise<void> {
		await sessionCall(() => this.folders.create(rawName));
	}

	/** Graph has no subscriptions: every folder shows. */
	async subscribe(): Promise<void> {}

	async openFolder(rawName: string): Promise<TargetFolderStatus> {
		const id = await sessionCall(() => this.folders.idOf(rawName));
		const folder = await sessionCall(() =>
			this.graph.get<{ totalItemCount?: number }>(
				`/mailFolders/${encodeURIComponent(id)}?$select=totalItemCount`,
			),
		);
		this.open = new ListedFolder(id);
		return {
			uidValidity: this.open.uidValidity,
			uidNext: 1,
			exists: folder.totalItemCount ?? 0,
			highestModseq: null,
			permanentFlags: PERMANENT_FLAGS,
		};
	}

	/** Lists the open folder again (paged), so the UIDs answer for what it holds now. */
	async uids(): Promise<number[]> {
		const folder = this.openFolderOrThrow();
		const messages = await sessionCall(() =>
			this.graph.list<GraphMessage>(
				`/mailFolders/${encodeURIComponent(folder.id)}/messages?$select=${LIST_SELECT}&$expand=${encodeURIComponent(LISTED_PROPERTIES_EXPAND)}&$top=${LIST_PAGE}`,
			),
		);
		folder.take(messages);
		return folder.uids();
	}

	async scan(fromUid = 1, toUid = Number.MAX_SAFE_INTEGER): Promise<MessageMeta[]> {
		const folder = this.openFolderOrThrow();
		if (!folder.listed) await this.uids();
		return folder.metas((uid) => uid >= fromUid && uid <= toUid);
	}

	async scanUids(uids: readonly number[]): Promise<MessageMeta[]> {
		const folder = this.openFolderOrThrow();
		if (!folder.listed) await this.uids();
		const wanted = new Set(uids);
		return folder.metas((uid) => wanted.has(uid));
	}

	/** The MIME Graph makes of each message (`$value`): not the source's bytes, Graph rebuilt them. */
	async fetchBodies(
		uids: readonly number[],
		onBody: (body: MessageBody) => void,
	): Promise<UnreadableMessage[]> {
		const folder = this.openFolderOrThrow();
		const unreadable: UnreadableMessage[] = [];
		for (const uid of uids) {
			const id = folder.idOf(uid);
			if (!id) continue;
			try {
				onBody({
					uid,
					raw: await this.graph.getBytes(`/messages/${encodeURIComponent(id)}/$value`),
				});
			} catch (error) {
				unreadable.push({ uid, reason: (error as Error).message });
			}
		}
		return unreadable;
	}

	/** Creates each message (the mailbox limiter bounds how many requests run at once). */
	async append(items: readonly AppendItem[]): Promise<AppendResult[]> {
		const folder = this.openFolderOrThrow();
		return await Promise.all(items.map((item) => this.appendOne(folder, item)));
	}

	private async appendOne(folder: ListedFolder, item: AppendItem): Promise<AppendResult> {
		const sourceKey = item.sourceFingerprint ?? fingerprintOf(item.raw);
		let plan;
		try {
			plan = await planGraphMessage(
				item.raw,
				{ flags: item.flags, internalDate: item.internalDate },
				sourceKey,
			);
		} catch (error) {
			return { ok: false, code: 'CONVERSION', message: (error as Error).message, permanent: true };
		}
		try {
			await createMessage(this.graph, folder.id, plan, sourceKey);
		} catch (error) {
			if (error instanceof MicrosoftTokenError || isRefusedToken(error))
				throw new SessionLostError((error as Error).message);
			if (!(error instanceof GraphRequestError)) throw error;
			return {
				ok: false,
				code: error.code ?? (error.status ? `HTTP ${error.status}` : null),
				message: error.message,
				permanent: !error.transient,
				hintMs: error.retryAfterMs,
				...(error.code === MESSAGE_SIZE_EXCEEDED ? { tooBig: true } : {}),
			};
		}
		return {
			ok: true,
			uid: null,
			uidValidity: null,
			...(plan.fallback ? { rebuiltAs: plan.fallback.reason } : {}),
		};
	}

	/** Read state, follow-up flag and categories: the fields Graph lets a non-draft message change. */
	async setFlags(uid: number, flags: string[]): Promise<void> {
		const id = this.openFolderOrThrow().idOf(uid);
		if (!id) return;
		const state = graphFlagState(flags);
		await sessionCall(() =>
			this.graph.patch(`/messages/${encodeURIComponent(id)}`, {
				isRead: state.isRead,
				flag: { flagStatus: state.flagged ? 'flagged' : 'notFlagged' },
				categories: state.categories,
			}),
		);
	}

	async close(): Promise<void> {
		this.open = null;
	}

	private openFolderOrThrow(): ListedFolder {
		if (!this.open) throw new Error('no target folder is open');
		return this.open;
	}
}

/** Graph refused the app's token, a renewed one too: the mailbox's session is over, not the item's copy. */
const isRefusedToken = (error: unknown): boolean =>
	error instanceof GraphRequestError && error.status === 401;

/**
 * Graph failures outside an item's copy end the session the way a lost IMAP connection does, so the engine resumes
 * later: no answer, Graph busy beyond the bounded pauses, a token refused (by the login service or by Graph). Other
 * answers are errors of their own.
 */
async function sessionCall<T>(call: () => Promise<T>): Promise<T> {
	try {
		return await call();
	} catch (error) {
		if (error instanceof MicrosoftTokenError || isRefusedToken(error))
			throw new SessionLostError((error as Error).message);
		if (error instanceof GraphRequestError && error.transient) {
			throw new SessionLostError(
				error.message,
				error.status === 429 || error.status === 503
					? { code: error.code ?? `HTTP ${error.status}`, hintMs: error.retryAfterMs }
					: null,
			);
		}
		throw error;
	}
}
