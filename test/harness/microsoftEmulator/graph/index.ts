/**
 * The Graph side of the Microsoft emulator (issue 12): users, mail folders, messages, attachments, upload sessions and
 * $batch under /v1.0 on the emulator's HTTPS server, with Outlook's limits, injectable faults and an inspection API for
 * tests. Point MicrosoftApp.graphUrl at the emulator's baseUrl.
 */
import type { Router } from '../server';
import type { TokenSigner } from '../tokens';
import { addAttachmentRoutes, UploadSessions } from './attachmentRoutes';
import { addBatchRoute } from './batchRoute';
import { propertiesOf } from './extendedProperties';
import { FaultInjector, type FaultRule, type Hold, type RequestMatch } from './faults';
import { addFolderRoutes } from './folderRoutes';
import { TokenRevocations } from './graphAuth';
import { GraphService, type GraphCounters } from './graphService';
import { MailboxLimiter, type GraphLimits } from './limits';
import { MailboxStore, type ExtendedProperty, type StoredMessage } from './mailboxStore';
import { addMessageRoutes } from './messageRoutes';

export type { FaultRule, Fault, Hold, RequestMatch } from './faults';
export type { GraphCounters } from './graphService';
export type { GraphLimits } from './limits';
export { GRAPH_DEFAULT_LIMITS } from './limits';

export interface InspectedFolder {
	id: string;
	displayName: string;
	/** Display names from the top of the tree, e.g. 'Inbox/Projects'. */
	path: string;
	parentFolderId: string;
	wellKnownName: string | null;
	isHidden: boolean;
	totalItemCount: number;
	unreadItemCount: number;
}

/** A stored message as Exchange holds it: derived MAPI properties included, attachments with their bytes. */
export type InspectedMessage = Omit<StoredMessage, 'extendedProperties'> & {
	extendedProperties: ExtendedProperty[];
};

export class GraphEmulator {
	private readonly store = new MailboxStore();

	private readonly limiter = new MailboxLimiter();

	private readonly faults = new FaultInjector();

	private readonly uploads = new UploadSessions();

	private readonly revocations = new TokenRevocations();

	private readonly service: GraphService;

	constructor(signer: TokenSigner, tenantId: () => string, baseUrl: () => string) {
		this.service = new GraphService({
			store: this.store,
			limiter: this.limiter,
			faults: this.faults,
			signer,
			revocations: this.revocations,
			tenantId,
			baseUrl,
		});
		addFolderRoutes(this.service, this.store);
		addMessageRoutes(this.service, this.store);
		addAttachmentRoutes(this.service, this.store, this.uploads, tenantId);
		addBatchRoute(this.service);
	}

	/** Serves /v1.0/… and the upload-session URLs on the emulator's router. */
	mount(router: Router): void {
		for (const method of ['GET', 'POST', 'PATCH', 'PUT', 'DELETE']) {
			router.add(method, /^\/v1\.0\//, (request) =>
				this.service.handle(request, request.path.slice('/v1.0'.length), true),
			);
			router.add(method, /^\/api\/v2\.0\//, (request) =>
				this.service.handle(request, request.path, true),
			);
		}
	}

	/** Creates a user with a mailbox; `ready: false` models one Exchange has not provisioned yet. */
	provisionMailbox(userPrincipalName: string, options: { ready?: boolean } = {}): { id: string } {
		const mailbox = this.store.provision(userPrincipalName, options.ready ?? true);
		return { id: mailbox.id };
	}

	/** The largest message the mailbox takes (Set-Mailbox -MaxReceiveSize); Exchange Online's default is 36 MB. */
	setMaxMessageSize(userPrincipalName: string, bytes: number): void {
		this.mailbox(userPrincipalName).maxMessageBytes = bytes;
	}

	setReady(userPrincipalName: string, ready = true): void {
		this.mailbox(userPrincipalName).ready = ready;
	}

	folders(userPrincipalName: string): InspectedFolder[] {
		const mailbox = this.mailbox(userPrincipalName);
		const pathOf = (id: string): string => {
			const folder = mailbox.folders.get(id);
			if (!folder || folder.id === mailbox.rootFolderId) return '';
			const parent = pathOf(folder.parentFolderId);
			return parent ? `${parent}/${folder.displayName}` : folder.displayName;
		};
		return [...mailbox.folders.values()]
			.filter((folder) => folder.id !== mailbox.rootFolderId)
			.map((folder) => {
				const messages = this.store.messagesIn(mailbox, folder.id);
				return {
					id: folder.id,
					displayName: folder.displayName,
					path: pathOf(folder.id),
					parentFolderId: folder.parentFolderId,
					wellKnownName: folder.wellKnownName,
					isHidden: folder.isHidden,
					totalItemCount: messages.length,
					unreadItemCount: messages.filter((message) => !message.isRead).length,
				};
			});
	}

	/** The messages of one folder (id, well-known name or display path like 'Inbox/Projects'), or of the whole mailbox. */
	messages(userPrincipalName: string, folder?: string): InspectedMessage[] {
		const mailbox = this.mailbox(userPrincipalName);
		let messages = [...mailbox.messages.values()];
		if (folder !== undefined) {
			const found =
				this.store.folder(mailbox, folder) ??
				this.folders(userPrincipalName).find((candidate) => candidate.path === folder);
			if (!found) throw new Error(`no folder ${folder} in ${userPrincipalName}`);
			messages = messages.filter((message) => message.folderId === found.id);
		}
		return messages.map((message) => ({
			...message,
			flag: { ...message.flag },
			categories: [...message.categories],
			extendedProperties: propertiesOf(message),
			attachments: message.attachments.map((attachment) => ({
				...attachment,
				content: Buffer.from(attachment.content),
			})),
		}));
	}

	/** Replaces some of Outlook's limits (scaled down for tests and the bench). */
	setLimits(limits: Partial<GraphLimits>): void {
		this.limiter.set(limits);
	}

	get limits(): GraphLimits {
		return { ...this.limiter.limits };
	}

	injectFaults(...rules: FaultRule[]): void {
		this.faults.inject(rules);
	}

	/** Faults not yet fired. */
	pendingFaults(): number {
		return this.faults.pending();
	}

	/** Holds matching requests in flight (after admission) until released. */
	hold(match: RequestMatch): Hold {
		return this.faults.hold(match);
	}

	/**
	 * Graph refuses every token it was shown so far, though unexpired (a revocation enforced by continuous access
	 * evaluation): 401 InvalidAuthenticationToken until the client gets a new token.
	 */
	revokeTokens(): void {
		this.revocations.revokeSeen();
	}

	/** While on, Graph refuses every token, new ones too (a Conditional Access policy blocking the app). */
	refuseTokens(refuse = true): void {
		this.revocations.refuseAll = refuse;
	}

	/** Lifetime of upload sessions created from now on (default one hour). */
	setUploadSessionLifetime(ms: number): void {
		this.uploads.lifetimeMs = ms;
	}

	/** Expires every open upload session now. */
	expireUploadSessions(): void {
		this.uploads.expireAll();
	}

	counters(): GraphCounters {
		return this.service.counters();
	}

	/** Forgets mailboxes, sessions, faults, counters and limit state; limits back to Outlook's defaults. */
	reset(): void {
		this.store.clear();
		this.limiter.reset();
		this.faults.reset();
		this.uploads.reset();
		this.revocations.reset();
		this.service.resetCounters();
	}

	private mailbox(userPrincipalName: string) {
		const mailbox = this.store.find(userPrincipalName);
		if (!mailbox) throw new Error(`no mailbox ${userPrincipalName} is provisioned in the emulator`);
		return mailbox;
	}
}
