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
import { TenantDirectory, type EmulatedSku, type VerifiedDomain } from './tenantDirectory';
import { addUserRoutes } from './userRoutes';

export type { FaultRule, Fault, Hold, RequestMatch } from './faults';
export type { GraphCounters } from './graphService';
export type { GraphLimits } from './limits';
export { GRAPH_DEFAULT_LIMITS } from './limits';
export type { EmulatedSku, VerifiedDomain } from './tenantDirectory';

/** A directory user as tests inspect it; `password` only through passwordOf. */
export interface InspectedUser {
	id: string;
	userPrincipalName: string;
	displayName: string;
	mailNickname: string;
	usageLocation: string | null;
	givenName: string | null;
	surname: string | null;
	onPremisesImmutableId: string | null;
	/** SKU part numbers. */
	licences: string[];
	mailboxReady: boolean;
	forceChangePasswordNextSignIn: boolean;
}

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

	private readonly directory: TenantDirectory;

	constructor(
		signer: TokenSigner,
		tenantId: () => string,
		baseUrl: () => string,
		tenantDomains: () => string[] = () => [],
	) {
		this.directory = new TenantDirectory(this.store, tenantDomains);
		this.service = new GraphService({
			store: this.store,
			limiter: this.limiter,
			faults: this.faults,
			mailboxPolled: (mailbox) => this.directory.mailboxPolled(mailbox),
			signer,
			revocations: this.revocations,
			tenantId,
			baseUrl,
		});
		addUserRoutes(this.service, this.store, this.directory);
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

	/** The tenant's subscriptions (subscribedSkus); `exchange` (default true) gives licensed users a mailbox. */
	setSkus(
		skus: { skuPartNumber: string; enabled: number; skuId?: string; exchange?: boolean }[],
	): void {
		this.directory.setSkus(skus);
	}

	/** The subscriptions with the units their users consume now. */
	licences(): (EmulatedSku & { consumedUnits: number })[] {
		return this.directory.skuList();
	}

	/** A further verified domain of the tenant; `federated` ones need onPremisesImmutableId. */
	addDomain(domain: VerifiedDomain): void {
		this.directory.addDomain(domain);
	}

	/**
	 * A user already in the directory, as an admin made it: with `licences` (part numbers) their mailbox is ready at
	 * once (it was provisioned long ago), without any it has none.
	 */
	addUser(user: {
		userPrincipalName: string;
		displayName: string;
		usageLocation?: string;
		licences?: string[];
		proxyAddresses?: string[];
	}): { id: string } {
		const mailbox = this.directory.createUser(user.userPrincipalName, {
			accountEnabled: true,
			displayName: user.displayName,
			mailNickname: user.userPrincipalName.split('@')[0],
			usageLocation: user.usageLocation ?? null,
			givenName: null,
			surname: null,
			onPremisesImmutableId: null,
			password: null,
			forceChangePasswordNextSignIn: false,
		});
		const skuIds = (user.licences ?? []).map((partNumber) => this.skuIdOf(partNumber));
		this.directory.license(mailbox, skuIds);
		if (user.proxyAddresses)
			this.directory.recordOf(mailbox).proxyAddresses = [...user.proxyAddresses];
		mailbox.ready = skuIds.length > 0;
		return { id: mailbox.id };
	}

	/** Changes a user's attributes behind the node's back (an admin's edit). */
	editUser(
		userPrincipalName: string,
		changes: { displayName?: string; usageLocation?: string | null },
	): void {
		const mailbox = this.mailbox(userPrincipalName);
		const record = this.directory.recordOf(mailbox);
		if (changes.displayName !== undefined) {
			record.displayName = changes.displayName;
			mailbox.displayName = changes.displayName;
		}
		if (changes.usageLocation !== undefined) record.usageLocation = changes.usageLocation;
	}

	users(): InspectedUser[] {
		return this.store.all().map((mailbox) => {
			const record = this.directory.recordOf(mailbox);
			return {
				id: mailbox.id,
				userPrincipalName: mailbox.userPrincipalName,
				displayName: record.displayName,
				mailNickname: record.mailNickname,
				usageLocation: record.usageLocation,
				givenName: record.givenName,
				surname: record.surname,
				onPremisesImmutableId: record.onPremisesImmutableId,
				licences: record.assignedLicenses.map(
					(skuId) => this.directory.sku(skuId)?.skuPartNumber ?? skuId,
				),
				mailboxReady: mailbox.ready,
				forceChangePasswordNextSignIn: record.forceChangePasswordNextSignIn,
			};
		});
	}

	/** The password a user was created (or last reset) with: proof of what the node handed out. */
	passwordOf(userPrincipalName: string): string | null {
		return this.directory.recordOf(this.mailbox(userPrincipalName)).password;
	}

	/**
	 * The licensed mailbox of `userPrincipalName` (existing or not yet) answers MailboxNotEnabledForRESTAPI to this
	 * many mail requests before it is ready; Infinity keeps it waiting until makeMailboxReady.
	 */
	setMailboxReadyAfterPolls(userPrincipalName: string, polls: number): void {
		this.directory.setPollsBeforeReady(userPrincipalName, polls);
	}

	makeMailboxReady(userPrincipalName: string): void {
		this.setReady(userPrincipalName, true);
	}

	/** Mail requests a not-ready mailbox refused so far. */
	mailboxPolls(userPrincipalName: string): number {
		return this.directory.pollsOf(userPrincipalName);
	}

	private skuIdOf(partNumber: string): string {
		const sku = this.directory
			.skuList()
			.find((candidate) => candidate.skuPartNumber === partNumber);
		if (!sku) throw new Error(`no SKU ${partNumber} in the emulator (setSkus first)`);
		return sku.skuId;
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

	/** Forgets mailboxes, users, licences, sessions, faults, counters and limit state; limits back to Outlook's defaults. */
	reset(): void {
		this.store.clear();
		this.directory.clear();
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
