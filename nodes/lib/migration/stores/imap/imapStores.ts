/**
 * The IMAP sides of a migration: `ImapMailSource` reads a mailbox read-only (EXAMINE), `ImapMailTarget` writes one
 * (SELECT first: Dovecot appends into a selected folder much more cheaply) with one MULTIAPPEND per batch.
 * A failure that ends the connection becomes `SessionLostError`, so the engine reconnects and resumes; a server
 * refusing one command stays an `ImapError` (or a failed `AppendResult`).
 */
import { flagList, internalDateArg, uidSetOf } from '../../../imap/commandEncoding';
import { describeEndpoint, type ImapEndpoint } from '../../../imap/endpoint';
import { CONNECTION_KINDS, ImapError, isTokenExpiry } from '../../../imap/imapErrors';
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
	AppendInterruptedError,
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
	type UnreadableMessage,
} from '../../mailStore';
import { messageIdFromHeader } from '../../messageIdentity';

/** Response codes that say "not now" rather than "never" (RFC 5530 and common practice). */
const TRANSIENT_CODES = new Set(['THROTTLED', 'UNAVAILABLE', 'LIMIT', 'INUSE', 'SERVERBUG']);

/** UIDs per FETCH command: keeps command lines short even when the UIDs are scattered. */
const UIDS_PER_FETCH = 500;

/**
 * Refused FETCHes one fetchBodies call answers by splitting the UID set to find the messages the server will not
 * read out; past that, what is left of a refused set is unreadable as a whole (a server refusing every FETCH).
 */
const MAX_REFUSED_FETCHES = 32;

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
				isTokenExpiry(error.serverText),
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

	async fetchBodies(
		uids: readonly number[],
		onBody: (body: MessageBody) => void,
	): Promise<UnreadableMessage[]> {
		this.requireOpenFolder();
		// UIDs not answered yet: each is handed on once, also when a refused set is fetched again in halves.
		const wanted = new Set(uids);
		const read: BodyRead = { wanted, onBody, unreadable: [], refusalsLeft: MAX_REFUSED_FETCHES };
		for (const group of chunks(
			[...wanted].sort((a, b) => a - b),
			UIDS_PER_FETCH,
		)) {
			await this.fetchBodyGroup(group, read);
		}
		return read.unreadable;
	}

	/**
	 * One UID FETCH of bodies. A tagged NO is about one message as often as about the set (a corrupt file, a message
	 * the server cannot parse): the set is fetched again in halves until the refused messages stand alone.
	 */
	private async fetchBodyGroup(group: readonly number[], read: BodyRead): Promise<void> {
		const { wanted, unreadable } = read;
		try {
			await this.guarded(() =>
				this.session.uidFetch(uidSetOf(group), ['UID', 'BODY.PEEK[]'], (message) => {
					if (!wanted.delete(message.uid)) return;
					if (message.body && message.body.length > 0) {
						read.onBody({ uid: message.uid, raw: message.body });
					} else {
						const reason =
							message.body === null
								? 'the source answered BODY[] NIL: it has no content for this message'
								: 'the source answered an empty message';
						unreadable.push({ uid: message.uid, reason });
					}
				}),
			);
		} catch (error) {
			if (!(error instanceof ImapError) || error.kind !== 'no' || busyOf(error)) throw error;
			const left = group.filter((uid) => wanted.has(uid));
			read.refusalsLeft--;
			if (left.length === 1 || read.refusalsLeft <= 0) {
				const reason = error.serverText || error.message;
				for (const uid of left) {
					wanted.delete(uid);
					unreadable.push({ uid, reason });
				}
				return;
			}
			const half = Math.ceil(left.length / 2);
			await this.fetchBodyGroup(left.slice(0, half), read);
			await this.fetchBodyGroup(left.slice(half), read);
		}
	}

	async existing(uids: readonly number[]): Promise<Set<number>> {
		this.requireOpenFolder();
		if (uids.length === 0) return new Set();
		const found = new Set<number>();
		for (const group of chunks(
			[...uids].sort((a, b) => a - b),
			UIDS_PER_FETCH,
		)) {
			const listed = await this.guarded(() => this.session.uidSearch(`UID ${uidSetOf(group)}`));
			for (const uid of listed) found.add(uid);
		}
		return found;
	}

	async close(): Promise<void> {
		this.openedFolder = null;
		await this.session.logout();
	}
}

/** One fetchBodies call under way: what is still to come and what the server would not read out. */
interface BodyRead {
	wanted: Set<number>;
	onBody: (body: MessageBody) => void;
	unreadable: UnreadableMessage[];
	refusalsLeft: number;
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

/** A message ready for APPEND, with the flags left out because IMAP cannot carry them. */
type SendableMessage = AppendMessage & { flags: readonly string[]; dropped?: string[] };

type Prepared =
	{ index: number; message: SendableMessage } | { index: number; result: AppendResult };

function keywordsOf(flags: readonly string[]): string[] {
	return flags.filter((flag) => !flag.startsWith('\\'));
}

function isSendableFlag(flag: string): boolean {
	try {
		flagList([flag]);
		return true;
	} catch {
		return false;
	}
}

/** The `flagsDropped` of a stored message whose unsendable flags were left out. */
function dropped(message: SendableMessage): { flagsDropped?: string[] } {
	return message.dropped ? { flagsDropped: message.dropped } : {};
}

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
		const sendable: { index: number; message: SendableMessage }[] = [];
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
					results[entry.index] = { ok: true, ...appended[position], ...dropped(entry.message) };
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
		this.throwIfInterrupted(results, sendable, outcomes);
		const refused: { index: number; message: SendableMessage }[] = [];
		outcomes.forEach((outcome, position) => {
			const { index, message } = sendable[position];
			if (outcome.status === 'fulfilled') {
				results[index] = { ok: true, ...outcome.value[0], ...dropped(message) };
				return;
			}
			const translated = this.translate(outcome.reason);
			if (!(translated instanceof ImapError)) throw translated;
			results[index] = failureOf(translated);
			if (keywordsOf(message.flags).length && !busyOf(translated) && !isSizeRefusal(translated)) {
				refused.push({ index, message });
			}
		});
		for (const { index, message } of refused) {
			results[index] = (await this.appendWithoutKeywords(folder, message)) ?? results[index];
		}
		return results;
	}

	/**
	 * One APPEND of a batch cost the session (a BYE while others were in flight): the batch ends with what the server
	 * acknowledged before, so those are recorded as copied rather than searched for in the target on resuming.
	 */
	private throwIfInterrupted(
		prepared: readonly (AppendResult | undefined)[],
		sendable: readonly { index: number; message: SendableMessage }[],
		outcomes: readonly PromiseSettledResult<{ uid: number | null; uidValidity: number | null }[]>[],
	): void {
		const lost = outcomes
			.map((outcome) => (outcome.status === 'rejected' ? this.translate(outcome.reason) : null))
			.find((error) => error instanceof SessionLostError);
		if (!lost) return;
		const results = Array.from(prepared, (result) => result ?? null);
		outcomes.forEach((outcome, position) => {
			const { index, message } = sendable[position];
			if (outcome.status === 'fulfilled') {
				results[index] = { ok: true, ...outcome.value[0], ...dropped(message) };
			}
		});
		throw new AppendInterruptedError(lost, results);
	}

	/**
	 * A message refused with keywords (a target with a keyword limit, or one that refuses some names) is stored
	 * without them; the keywords are reported as not kept. Null when it is refused without them too.
	 */
	private async appendWithoutKeywords(
		folder: string,
		message: SendableMessage,
	): Promise<AppendResult | null> {
		const keywords = keywordsOf(message.flags);
		const bare = { ...message, flags: message.flags.filter((flag) => flag.startsWith('\\')) };
		delete bare.dropped;
		try {
			const [appended] = await this.session.append(folder, [bare]);
			const earlier = message.dropped ?? [];
			return { ok: true, ...appended, flagsDropped: [...earlier, ...keywords] };
		} catch (error) {
			const translated = this.translate(error);
			if (!(translated instanceof ImapError)) throw translated;
			return null;
		}
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
			if (item.internalDate) internalDateArg(item.internalDate);
		} catch (error) {
			return { index, result: failureOf(error as ImapError) };
		}
		// A keyword IMAP cannot carry (8-bit, specials) is left out and reported, not a reason to fail the message.
		const invalid = item.flags.filter((flag) => !isSendableFlag(flag));
		return {
			index,
			message: {
				raw: item.raw,
				flags: invalid.length ? item.flags.filter(isSendableFlag) : item.flags,
				internalDate: item.internalDate ? item.internalDate : undefined,
				...(invalid.length ? { dropped: invalid } : {}),
			},
		};
	}

	async setFlags(uid: number, flags: string[]): Promise<void> {
		this.requireOpenFolder();
		await this.guarded(() => this.session.uidStore(String(uid), 'FLAGS', flags));
	}
}

/**
 * The server's "not now" (BYE [UNAVAILABLE], NO [THROTTLED]...), or null for any other failure. Exchange Online
 * sends no code: `NO Request is throttled. Suggested Backoff Time: N milliseconds` (imapsync/imapsync#198), so
 * its hint alone says "not now" too.
 */
function busyOf(error: ImapError): { code: string; hintMs: number | null } | null {
	const hintMs = suggestedBackoffMs(error.serverText ?? error.message);
	if (!error.code && hintMs !== null) return { code: 'THROTTLED', hintMs };
	if (!error.code || !TRANSIENT_CODES.has(error.code) || isSizeRefusal(error)) return null;
	return { code: error.code, hintMs };
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
