/** What the emulated Exchange Online holds: mailboxes, their folder trees, messages and attachments. */
import crypto from 'node:crypto';

export interface StoredAttachment {
	id: string;
	name: string;
	contentType: string;
	size: number;
	isInline: boolean;
	contentId: string | null;
	lastModifiedDateTime: string;
	content: Buffer;
}

export interface ExtendedProperty {
	id: string;
	value: string;
}

export interface StoredMessage {
	id: string;
	folderId: string;
	createdDateTime: string;
	lastModifiedDateTime: string;
	receivedDateTime: string;
	sentDateTime: string;
	isDraft: boolean;
	isRead: boolean;
	subject: string;
	body: { contentType: string; content: string };
	internetMessageId: string;
	importance: string;
	from: unknown;
	sender: unknown;
	toRecipients: unknown[];
	ccRecipients: unknown[];
	bccRecipients: unknown[];
	replyTo: unknown[];
	flag: { flagStatus: string; [key: string]: unknown };
	categories: string[];
	internetMessageHeaders: { name: string; value: string }[];
	/** Every singleValueExtendedProperty as set at creation or by PATCH (PR_MESSAGE_FLAGS and the dates are derived). */
	extendedProperties: ExtendedProperty[];
	attachments: StoredAttachment[];
	/** The MIME the message was created from (MIME create path), kept for inspection. */
	mime: Buffer | null;
}

export interface StoredFolder {
	id: string;
	displayName: string;
	parentFolderId: string;
	wellKnownName: string | null;
	isHidden: boolean;
	extendedProperties: ExtendedProperty[];
}

/** Exchange Online's default MaxReceiveSize, 36 MB (Exchange's MB are 2^20 bytes). */
export const DEFAULT_MAX_MESSAGE_BYTES = 36 * 1024 * 1024;

export interface Mailbox {
	id: string;
	userPrincipalName: string;
	displayName: string;
	/** false until Exchange has provisioned the mailbox: mail paths answer MailboxNotEnabledForRESTAPI. */
	ready: boolean;
	/**
	 * The largest message the mailbox holds (Set-Mailbox -MaxReceiveSize): Exchange Online's default 36 MB unless set,
	 * at most 150 MB (learn.microsoft.com/office365/servicedescriptions/exchange-online-service-description/
	 * exchange-online-limits, "Message limits": 35 MB sending, 36 MB receiving by default, configurable up to 150 MB).
	 */
	maxMessageBytes: number;
	rootFolderId: string;
	folders: Map<string, StoredFolder>;
	messages: Map<string, StoredMessage>;
}

/**
 * Well-known folder names Graph resolves in paths (learn.microsoft.com/graph/api/resources/mailfolder "Well-known folder
 * names"), with the display names Exchange gives the default folders of an English mailbox. `msgfolderroot` is the
 * Top of Information Store, the parent of the top-level folders.
 */
export const DEFAULT_FOLDERS: { wellKnownName: string; displayName: string }[] = [
	{ wellKnownName: 'inbox', displayName: 'Inbox' },
	{ wellKnownName: 'drafts', displayName: 'Drafts' },
	{ wellKnownName: 'sentitems', displayName: 'Sent Items' },
	{ wellKnownName: 'deleteditems', displayName: 'Deleted Items' },
	{ wellKnownName: 'junkemail', displayName: 'Junk Email' },
	{ wellKnownName: 'archive', displayName: 'Archive' },
	{ wellKnownName: 'outbox', displayName: 'Outbox' },
	{ wellKnownName: 'conversationhistory', displayName: 'Conversation History' },
];

/** Exchange item ids are opaque base64 strings starting AAMk; ours are random and of the same alphabet. */
export const newItemId = (): string =>
	`AAMkAG${crypto.randomBytes(30).toString('base64').replace(/\//g, '-').replace(/\+/g, '_')}=`;

export class MailboxStore {
	private readonly mailboxes = new Map<string, Mailbox>();

	provision(userPrincipalName: string, ready: boolean): Mailbox {
		const existing = this.find(userPrincipalName);
		if (existing) {
			existing.ready = ready;
			return existing;
		}
		const rootFolderId = newItemId();
		const mailbox: Mailbox = {
			id: crypto.randomUUID(),
			userPrincipalName,
			displayName: userPrincipalName.split('@')[0],
			ready,
			maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
			rootFolderId,
			folders: new Map(),
			messages: new Map(),
		};
		mailbox.folders.set(rootFolderId, {
			id: rootFolderId,
			displayName: 'Top of Information Store',
			parentFolderId: newItemId(),
			wellKnownName: 'msgfolderroot',
			isHidden: false,
			extendedProperties: [],
		});
		for (const folder of DEFAULT_FOLDERS) {
			const id = newItemId();
			mailbox.folders.set(id, {
				id,
				displayName: folder.displayName,
				parentFolderId: rootFolderId,
				wellKnownName: folder.wellKnownName,
				isHidden: false,
				extendedProperties: [],
			});
		}
		this.mailboxes.set(mailbox.id, mailbox);
		return mailbox;
	}

	/** By object id or UPN, case-insensitively, as Graph resolves `/users/{id | userPrincipalName}`. */
	find(idOrUpn: string): Mailbox | undefined {
		const wanted = idOrUpn.toLowerCase();
		for (const mailbox of this.mailboxes.values()) {
			if (mailbox.id === wanted || mailbox.userPrincipalName.toLowerCase() === wanted)
				return mailbox;
		}
		return undefined;
	}

	/** A folder by id or well-known name (well-known names are case-insensitive in Graph paths). */
	folder(mailbox: Mailbox, idOrWellKnown: string): StoredFolder | undefined {
		const direct = mailbox.folders.get(idOrWellKnown);
		if (direct) return direct;
		const wanted = idOrWellKnown.toLowerCase();
		for (const folder of mailbox.folders.values()) {
			if (folder.wellKnownName === wanted) return folder;
		}
		return undefined;
	}

	childrenOf(mailbox: Mailbox, folderId: string): StoredFolder[] {
		return [...mailbox.folders.values()].filter((folder) => folder.parentFolderId === folderId);
	}

	messagesIn(mailbox: Mailbox, folderId: string): StoredMessage[] {
		return [...mailbox.messages.values()].filter((message) => message.folderId === folderId);
	}

	all(): Mailbox[] {
		return [...this.mailboxes.values()];
	}

	clear(): void {
		this.mailboxes.clear();
	}
}
