/**
 * What the content engine needs from each side of a migration, independent of the protocol. IMAP implements both
 * sides now; a Microsoft Graph target implements `MailTarget` later without touching the engine.
 */

export interface StoreFolder {
	/** The name exactly as the server lists it (modified UTF-7 on IMAP). */
	rawName: string;
	delimiter: string | null;
	/** LIST attributes such as \Noselect, \HasChildren. */
	attributes: string[];
	/** \Sent, \Drafts, \Trash, \Junk, \Archive... when the server says. */
	specialUse: string | null;
	subscribed: boolean;
}

export interface StoreNamespace {
	prefix: string;
	delimiter: string | null;
	/** Folder names are plain Unicode, not modified UTF-7 (a store that is not IMAP, such as Graph's display names). */
	utf8Names?: boolean;
}

export interface FolderStatus {
	uidValidity: number;
	uidNext: number;
	exists: number;
	/** Decimal string; null without CONDSTORE. */
	highestModseq: string | null;
}

/** What identifies a message without its bytes. */
export interface MessageMeta {
	uid: number;
	size: number;
	/** The server's INTERNALDATE string, kept verbatim so the target gets the same date and zone. */
	internalDate: string;
	flags: string[];
	messageId: string | null;
	modseq: string | null;
	/** A source-keyed target's (see MailTarget.sourceKeyed): the fingerprint of the source message it was made from. */
	sourceKey?: string | null;
}

export interface MessageBody {
	uid: number;
	raw: Buffer;
}

/** A message the server would not read out: it refused the FETCH (tagged NO) or sent no content (NIL, empty). */
export interface UnreadableMessage {
	uid: number;
	/** The server's text, or what was wrong with its answer. */
	reason: string;
}

export interface MailSource {
	readonly capabilities: ReadonlySet<string>;
	namespace(): Promise<StoreNamespace>;
	listFolders(): Promise<StoreFolder[]>;
	status(rawName: string): Promise<FolderStatus>;
	/** Opens a folder read-only; the following calls work in it. */
	openFolder(rawName: string): Promise<FolderStatus>;
	/** Metadata of the open folder's messages with fromUid <= UID <= toUid (all when omitted). */
	scan(fromUid?: number, toUid?: number): Promise<MessageMeta[]>;
	/** Every UID of the open folder, ascending: lets the engine walk large folders in windows. */
	uids(): Promise<number[]>;
	/** UID and flags of messages whose flags changed since `modseq` (CONDSTORE). */
	flagChangesSince(
		modseq: string,
	): Promise<{ uid: number; flags: string[]; modseq: string | null }[]>;
	/**
	 * Streams the bodies of the given UIDs of the open folder, in any order. Returns those the server would not read
	 * out; UIDs it did not answer for at all (expunged meanwhile, or a server fault) are simply absent.
	 */
	fetchBodies(
		uids: readonly number[],
		onBody: (body: MessageBody) => void,
	): Promise<UnreadableMessage[]>;
	/** Which of these UIDs the open folder still holds (UID SEARCH): tells an expunged message from a lost answer. */
	existing(uids: readonly number[]): Promise<Set<number>>;
	close(): Promise<void>;
}

export interface AppendItem {
	raw: Buffer;
	flags: string[];
	internalDate: string;
	/**
	 * The fingerprint of the source message, when `raw` is not its bytes (a zipped copy): a source-keyed target keys
	 * the copy by it, as the ledger does.
	 */
	sourceFingerprint?: string;
}

export type AppendResult =
	| {
			ok: true;
			uid: number | null;
			uidValidity: number | null;
			/** Keywords the target refused: the message was stored without them. */
			flagsDropped?: string[];
			/** The message could not be rebuilt part by part (S/MIME signed, say) and was carried as this says. */
			rebuiltAs?: string;
	  }
	| {
			ok: false;
			code: string | null;
			message: string;
			permanent: boolean;
			/** Refused for its size (the target's limit, announced or not): a zipped copy may fit. */
			tooBig?: boolean;
			/** The pause the server suggested before trying again, when it said. */
			hintMs?: number | null;
	  };

export interface TargetFolderStatus extends FolderStatus {
	/** Flags the folder stores; `\*` means any keyword may be created. */
	permanentFlags: string[];
}

export interface MailTarget {
	readonly capabilities: ReadonlySet<string>;
	/** Largest message the target takes, in bytes, when known. */
	readonly appendLimit: number | null;
	/**
	 * True when every copy the target holds carries the fingerprint of its source message (`MessageMeta.sourceKey`)
	 * and its UIDs last one session only (Microsoft Graph): copies are then told apart by source key, exactly, never
	 * by Message-ID and date.
	 */
	readonly sourceKeyed?: boolean;
	/**
	 * The flags a copy appended with `flags` reads back with, when the target keeps some another way (Microsoft Graph:
	 * keywords as Outlook categories, some renamed, protocol-state keywords not at all); as given when omitted.
	 */
	storedFlags?(flags: readonly string[]): string[];
	/** Pauses the target's own client took on the server's word since last asked (HTTP 429 Retry-After), for the report. */
	takeServerBackoffs?(): number;
	namespace(): Promise<StoreNamespace>;
	listFolders(): Promise<StoreFolder[]>;
	createFolder(rawName: string): Promise<void>;
	subscribe(rawName: string): Promise<void>;
	/** Opens a folder read-write: appends, scans and flag stores work in it. */
	openFolder(rawName: string): Promise<TargetFolderStatus>;
	/** Metadata of the open folder's messages with fromUid <= UID <= toUid (all when omitted). */
	scan(fromUid?: number, toUid?: number): Promise<MessageMeta[]>;
	/** Metadata of the given UIDs of the open folder; missing UIDs are simply absent. */
	scanUids(uids: readonly number[]): Promise<MessageMeta[]>;
	/** Every UID of the open folder, ascending: lets the engine walk large folders in windows. */
	uids(): Promise<number[]>;
	fetchBodies(
		uids: readonly number[],
		onBody: (body: MessageBody) => void,
	): Promise<UnreadableMessage[]>;
	/**
	 * Appends a batch to the open folder. A batch that the server refuses as a whole (one bad message fails a
	 * MULTIAPPEND atomically) is retried one message at a time, so each result says what happened to its message.
	 */
	append(items: readonly AppendItem[]): Promise<AppendResult[]>;
	setFlags(uid: number, flags: string[]): Promise<void>;
	close(): Promise<void>;
}

/** What a server said when it turned work away for now: its response code and any back-off it suggested. */
export interface ServerBusy {
	code: string;
	hintMs: number | null;
}

/** Thrown for failures that end the session (connection lost, server gone): the mailbox run may resume later. */
export class SessionLostError extends Error {
	constructor(
		message: string,
		/** Set when the server closed the session to shed load (e.g. BYE [UNAVAILABLE]). */
		readonly busy: ServerBusy | null = null,
		/** The server ended the session because its OAuth token expired: a new login with a fresh token goes on. */
		readonly tokenExpired = false,
	) {
		super(message);
		this.name = 'SessionLostError';
	}
}

/**
 * The session ended while a batch of APPENDs was under way: per item (same order as given) what the server answered
 * before, null where no answer came (the outcome is unknown, the item stays pending for the resumed pass to find).
 */
export class AppendInterruptedError extends SessionLostError {
	constructor(
		lost: SessionLostError,
		readonly results: readonly (AppendResult | null)[],
	) {
		super(lost.message, lost.busy);
		this.name = 'AppendInterruptedError';
	}
}

/**
 * The target mailbox exists but cannot take mail yet (still being provisioned): not a failure of this run, but a
 * mailbox to pause, nothing copied, so that the next run goes on once it is ready.
 */
export class TargetNotReadyError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'TargetNotReadyError';
	}
}

/** A login or connection refused for now ([THROTTLED], [UNAVAILABLE]...): worth retrying after a pause. */
export class ServerBusyError extends Error {
	constructor(
		message: string,
		readonly busy: ServerBusy,
	) {
		super(message);
		this.name = 'ServerBusyError';
	}
}
