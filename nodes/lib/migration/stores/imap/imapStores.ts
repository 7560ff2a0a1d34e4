/**
 * The IMAP sides of a migration: `ImapMailSource` reads a mailbox read-only (EXAMINE), `ImapMailTarget` writes one
 * (SELECT first: Dovecot appends into a selected folder much more cheaply) with one MULTIAPPEND per batch.
 * A failure that ends the connection becomes `SessionLostError`, so the engine reconnects and resumes; a server
 * refusing one command stays an `ImapError` (or a failed `AppendResult`).
 */
import { flagList, internalDateArg, uidSetOf } from '../../../imap/commandEncoding';
import { describeEndpoint, type ImapEndpoint } from '../../../imap/endpoint';
import { CONNECTION_KINDS, ImapError } from '../../../imap/imapErrors';
import {
	ImapSession,
	type AppendMessage,
	type FetchedMessage,
	type ImapSessionOptions,
	type ListEntry,
	type SelectedMailbox,
} from '../../../imap/ImapSession';
import { suggestedBackoffMs } from '../../backoff';
import {
	ServerBusyError,
	SessionLostError,
	type AppendItem,
	type AppendResult,
	type FolderStatus,
	type MailSource,
	type MailTarget,
	type MessageBody,
	type MessageMeta,
	type StoreFolder,
	type StoreNamespace,
	type TargetFolderStatus,
} from '../../mailStore';
import { messageIdFromHeader } from '../../messageIdentity';

/** Response codes that say "not now" rather than "never" (RFC 5530 and common practice). */
const TRANSIENT_CODES = new Set(['THROTTLED', 'UNAVAILABLE', 'LIMIT', 'INUSE', 'SERVERBUG']);

/** UIDs per FETCH command: keeps command lines short even when the UIDs are scattered. */
const UIDS_PER_FETCH = 500;

const SCAN_ITEMS = [
	'UID',
	'RFC822.SIZE',
	'INTERNALDATE',
	'FLAGS',
	'BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]',
];

function storeFolder(entry: ListEntry): StoreFolder {
	return {
		rawName: entry.name,
		delimiter: entry.delimiter,
		attributes: entry.attributes,
		specialUse: entry.specialUse,
		subscribed: entry.subscribed,
	};
}

function chunks<T>(items: readonly T[], size: number): T[][] {
	const result: T[][] = [];
	for (let start = 0; start < items.length; start += size)
		result.push(items.slice(start, start + size));
	return result;
}

function metaOf(message: FetchedMessage): MessageMeta {
	return {
		uid: message.uid,
		size: message.size ?? 0,
		internalDate: message.internalDate ?? '',
		flags: message.flags ?? [],
		messageId: messageIdFromHeader(message.header),
		modseq: message.modseq ?? null,
	};
}

/** Shared by both sides: the session, error translation and the read commands. */
abstract class ImapStore {
	protected openedFolder: string | null = null;

	protected constructor(
		protected readonly session: ImapSession,
		protected readonly endpoint: ImapEndpoint,
	) {}

	get capabilities(): ReadonlySet<string> {
		return this.session.capabilities;
	}

	/** Runs a session call; a failure that cost the connection becomes SessionLostError. */
	protected async guarded<T>(work: () => Promise<T>): Promise<T> {
		try {
			return await work();
		} catch (error) {
			throw this.translate(error);
		}
	}

	protected translate(error: unknown): unknown {
		if (error instanceof SessionLostError) return error;
		if (error instanceof ImapError && (CONNECTION_KINDS.has(error.kind) || this.session.isClosed)) {
			return new SessionLostError(
				`${describeEndpoint(this.endpoint)}: ${error.message}`,
				busyOf(error),
			);
		}
		return error;
	}

	async namespace(): Promise<StoreNamespace> {
		const namespaces = await this.guarded(() => this.session.namespace());
		return namespaces.personal[0] ?? { prefix: '', delimiter: null };
	}

	async listFolders(): Promise<StoreFolder[]> {
		const entries = await this.guarded(() => this.session.list());
		return entries.map(storeFolder);
	}

	protected requireOpenFolder(): string {
		if (this.openedFolder === null) throw new Error('no folder is open on this IMAP session');
		return this.openedFolder;
	}

	async scan(fromUid = 1, toUid?: number): Promise<MessageMeta[]> {
		this.requireOpenFolder();
		const items = this.session.enabled.has('CONDSTORE') ? [...SCAN_ITEMS, 'MODSEQ'] : SCAN_ITEMS;
		const first = Math.max(1, fromUid);
		const last = toUid ?? Number.POSITIVE_INFINITY;
		const metas: MessageMeta[] = [];
		await this.guarded(() =>
			this.session.uidFetch(`${first}:${toUid ?? '*'}`, items, (message) => {
				// `n:*` also returns the last message when n is above every UID.
				if (message.uid >= first && message.uid <= last) metas.push(metaOf(message));
			}),
		);
		return metas.sort((a, b) => a.uid - b.uid);
	}

	async scanUids(uids: readonly number[]): Promise<MessageMeta[]> {
		this.requireOpenFolder();
		const items = this.session.enabled.has('CONDSTORE') ? [...SCAN_ITEMS, 'MODSEQ'] : SCAN_ITEMS;
		const wanted = new Set(uids);
		const metas: MessageMeta[] = [];
		for (const group of chunks(
			[...wanted].sort((a, b) => a - b),
			UIDS_PER_FETCH,
		)) {
			await this.guarded(() =>
				this.session.uidFetch(uidSetOf(group), items, (message) => {
					if (wanted.has(message.uid)) metas.push(metaOf(message));
				}),
			);
		}
		return metas;
	}

	async uids(): Promise<number[]> {
		this.requireOpenFolder();
		const uids = await this.guarded(() => this.session.uidSearch('ALL'));
		return [...uids].sort((a, b) => a - b);
	}

	async fetchBodies(uids: readonly number[], onBody: (body: MessageBody) => void): Promise<void> {
		this.requireOpenFolder();
		const wanted = new Set(uids);
		for (const group of chunks(
			[...wanted].sort((a, b) => a - b),
			UIDS_PER_FETCH,
		)) {
			await this.guarded(() =>
				this.session.uidFetch(uidSetOf(group), ['UID', 'BODY.PEEK[]'], (message) => {
					if (message.body && wanted.has(message.uid))
						onBody({ uid: message.uid, raw: message.body });
				}),
			);
		}
	}

	async close(): Promise<void> {
		this.openedFolder = null;
		await this.session.logout();
	}
}

/** What SELECT or EXAMINE says about a folder, as the engine reads it on either side. */
function folderStatusOf(selected: SelectedMailbox): FolderStatus {
	return {
		uidValidity: selected.uidValidity,
		uidNext: selected.uidNext,
		exists: selected.exists,
		highestModseq: selected.highestModseq,
	};
}

export class ImapMailSource extends ImapStore implements MailSource {
	static async open(
		endpoint: ImapEndpoint,
		options: ImapSessionOptions = {},
	): Promise<ImapMailSource> {
		const session = await connectSession(endpoint, options);
		try {
			if (session.has('CONDSTORE') && session.has('ENABLE')) await session.enable(['CONDSTORE']);
		} catch (error) {
			await session.close();
			throw error;
		}
		return new ImapMailSource(session, endpoint);
	}

	async status(rawName: string): Promise<FolderStatus> {
		const status = await this.guarded(() => this.session.status(rawName));
		return {
			uidValidity: status.uidValidity ?? 0,
			uidNext: status.uidNext ?? 0,
			exists: status.messages ?? 0,
			highestModseq: status.highestModseq ?? null,
		};
	}

	async openFolder(rawName: string): Promise<FolderStatus> {
		this.openedFolder = null;
		const selected = await this.guarded(() => this.session.examine(rawName));
		this.openedFolder = rawName;
		return folderStatusOf(selected);
	}

	async flagChangesSince(
		modseq: string,
	): Promise<{ uid: number; flags: string[]; modseq: string | null }[]> {
		this.requireOpenFolder();
		const changes: { uid: number; flags: string[]; modseq: string | null }[] = [];
		await this.guarded(() =>
			this.session.uidFetch(
				'1:*',
				['UID', 'FLAGS', 'MODSEQ'],
				(message) =>
					changes.push({
						uid: message.uid,
						flags: message.flags ?? [],
						modseq: message.modseq ?? null,
					}),
				{ changedSince: modseq },
			),
		);
		return changes;
	}
}

type Prepared = { index: number; message: AppendMessage } | { index: number; result: AppendResult };

export class ImapMailTarget extends ImapStore implements MailTarget {
	static async open(
		endpoint: ImapEndpoint,
		options: ImapSessionOptions = {},
	): Promise<ImapMailTarget> {
		return new ImapMailTarget(await connectSession(endpoint, options), endpoint);
	}

	get appendLimit(): number | null {
		return this.session.appendLimit;
	}

	async createFolder(rawName: string): Promise<void> {
		try {
			await this.guarded(() => this.session.create(rawName));
		} catch (error) {
			const exists =
				error instanceof ImapError &&
				error.kind === 'no' &&
				(error.code === 'ALREADYEXISTS' || /already exists/i.test(error.serverText ?? ''));
			if (!exists) throw error;
		}
	}

	async subscribe(rawName: string): Promise<void> {
		await this.guarded(() => this.session.subscribe(rawName));
	}

	async openFolder(rawName: string): Promise<TargetFolderStatus> {
		this.openedFolder = null;
		const selected = await this.guarded(() => this.session.select(rawName));
		this.openedFolder = rawName;
		return { ...folderStatusOf(selected), permanentFlags: selected.permanentFlags };
	}

	async append(items: readonly AppendItem[]): Promise<AppendResult[]> {
		const folder = this.requireOpenFolder();
		const results: AppendResult[] = new Array(items.length);
		const sendable: { index: number; message: AppendMessage }[] = [];
		for (const prepared of items.map((item, index) => this.prepare(item, index))) {
			if ('result' in prepared) results[prepared.index] = prepared.result;
			else sendable.push(prepared);
		}
		if (sendable.length > 1 && this.session.has('MULTIAPPEND')) {
			try {
				const appended = await this.session.append(
					folder,
					sendable.map((entry) => entry.message),
				);
				sendable.forEach((entry, position) => {
					results[entry.index] = { ok: true, ...appended[position] };
				});
				return results;
			} catch (error) {
				const translated = this.translate(error);
				if (!(translated instanceof ImapError)) throw translated;
				// A busy server refuses the batch, not a message: answering with more commands would only add load.
				if (busyOf(translated)) {
					const failure = failureOf(translated);
					for (const entry of sendable) results[entry.index] = failure;
					return results;
				}
				// RFC 3502: nothing of the batch was stored. One by one, each message gets its own answer.
			}
		}
		const outcomes = await Promise.allSettled(
			sendable.map((entry) => this.session.append(folder, [entry.message])),
		);
		outcomes.forEach((outcome, position) => {
			const { index } = sendable[position];
			if (outcome.status === 'fulfilled') {
				results[index] = { ok: true, ...outcome.value[0] };
				return;
			}
			const translated = this.translate(outcome.reason);
			if (!(translated instanceof ImapError)) throw translated;
			results[index] = failureOf(translated);
		});
		return results;
	}

	/** Checks an item locally, so one bad flag or date fails that item rather than its whole batch. */
	private prepare(item: AppendItem, index: number): Prepared {
		const limit = this.appendLimit;
		if (limit !== null && item.raw.length > limit) {
			return {
				index,
				result: {
					ok: false,
					code: 'TOOBIG',
					message: `message of ${item.raw.length} bytes exceeds the target's APPENDLIMIT of ${limit} bytes`,
					permanent: true,
					tooBig: true,
				},
			};
		}
		try {
			flagList(item.flags);
			if (item.internalDate) internalDateArg(item.internalDate);
		} catch (error) {
			return { index, result: failureOf(error as ImapError) };
		}
		return {
			index,
			message: {
				raw: item.raw,
				flags: item.flags,
				internalDate: item.internalDate ? item.internalDate : undefined,
			},
		};
	}

	async setFlags(uid: number, flags: string[]): Promise<void> {
		this.requireOpenFolder();
		await this.guarded(() => this.session.uidStore(String(uid), 'FLAGS', flags));
	}
}

/** The server's "not now" (BYE [UNAVAILABLE], NO [THROTTLED]...), or null for any other failure. */
function busyOf(error: ImapError): { code: string; hintMs: number | null } | null {
	if (!error.code || !TRANSIENT_CODES.has(error.code) || isSizeRefusal(error)) return null;
	return { code: error.code, hintMs: suggestedBackoffMs(error.serverText ?? error.message) };
}

/** Opens a session; a server turning the login away for now becomes ServerBusyError so the engine retries later. */
async function connectSession(
	endpoint: ImapEndpoint,
	options: ImapSessionOptions,
): Promise<ImapSession> {
	try {
		return await ImapSession.connect(endpoint, options);
	} catch (error) {
		const busy = error instanceof ImapError ? busyOf(error) : null;
		if (busy) throw new ServerBusyError((error as Error).message, busy);
		throw error;
	}
}

/**
 * Dovecot's quota_max_mail_size answers `NO [LIMIT] Mail size is larger than the maximum size allowed...`, others
 * TOOBIG or a bare NO: a size refusal is permanent for that message, unlike the [LIMIT] of a busy server.
 */
const SIZE_REFUSAL = /\b(size|too (large|big)|exceeds)\b/i;

/** Refused for its size: TOOBIG, or a [LIMIT] (or bare NO) whose text is about size rather than load or quota. */
function isSizeRefusal(error: ImapError): boolean {
	if (error.code === 'TOOBIG') return true;
	const text = error.serverText || error.message;
	return (
		error.kind === 'no' &&
		(error.code === 'LIMIT' || !error.code) &&
		SIZE_REFUSAL.test(text) &&
		!/quota/i.test(text)
	);
}

function failureOf(error: ImapError): AppendResult {
	const tooBig = isSizeRefusal(error);
	const busy = busyOf(error);
	return {
		ok: false,
		code: error.code ?? null,
		message: error.serverText || error.message,
		permanent: tooBig || !busy,
		...(tooBig ? { tooBig } : {}),
		...(busy ? { hintMs: busy.hintMs } : {}),
	};
}
