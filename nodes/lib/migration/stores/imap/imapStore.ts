/**
 * What both IMAP sides share: the session, the translation of a lost connection into `SessionLostError` (so the
 * engine reconnects and resumes; a server refusing one command stays an `ImapError`), and the read commands
 * (namespace, LIST, scans, body fetches) that the source and the target's verification both use.
 */
import { uidSetOf } from '../../../imap/commandEncoding';
import { describeEndpoint, type ImapEndpoint } from '../../../imap/endpoint';
import { CONNECTION_KINDS, ImapError, isTokenExpiry } from '../../../imap/imapErrors';
import {
	ImapSession,
	type FetchedMessage,
	type ImapSessionOptions,
	type ListEntry,
	type SelectedMailbox,
} from '../../../imap/ImapSession';
import {
	ServerBusyError,
	SessionLostError,
	type FolderStatus,
	type MessageBody,
	type MessageMeta,
	type StoreFolder,
	type StoreNamespace,
	type UnreadableMessage,
} from '../../mailStore';
import { messageIdFromHeader } from '../../messageIdentity';
import { busyOf } from './serverRefusals';

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
export abstract class ImapStore {
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
		// Usually ascending already (ESEARCH ranges are); sorting a million in place costs nothing then.
		return uids.sort((a, b) => a - b);
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
export function folderStatusOf(selected: SelectedMailbox): FolderStatus {
	return {
		uidValidity: selected.uidValidity,
		uidNext: selected.uidNext,
		exists: selected.exists,
		highestModseq: selected.highestModseq,
	};
}

/** Opens a session; a server turning the login away for now becomes ServerBusyError so the engine retries later. */
export async function connectSession(
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
