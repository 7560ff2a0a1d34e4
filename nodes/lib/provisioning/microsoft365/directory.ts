/**
 * The Microsoft Graph calls of provisioning, tenant-wide (paths from the v1.0 root, not a mailbox's): users
 * (user-get, user-list, user-post-users, user-update), licences (subscribedsku-list, user-assignlicense) and the mail
 * folder that shows a mailbox is ready. Through GraphClient, so 429/503 Retry-After, token renewal and retries of
 * idempotent requests apply; a POST that met a fault is never repeated blindly (see Microsoft365Provisioner).
 */
import { GraphClient, GraphRequestError } from '../../graph/graphClient';
import { isMailboxNotReady } from '../../graph/mailboxReadiness';
import { userPathOf } from '../../graph/userPath';
import type { MicrosoftApp } from '../../microsoft/microsoftApp';
import type { SubscribedSku } from './licencePool';

export interface DirectoryUser {
	id: string;
	userPrincipalName: string;
	displayName: string | null;
	mailNickname: string | null;
	usageLocation: string | null;
	givenName: string | null;
	surname: string | null;
	mail: string | null;
	proxyAddresses: string[];
	assignedLicenses: { skuId: string }[];
}

const USER_FIELDS =
	'id,userPrincipalName,displayName,mailNickname,usageLocation,givenName,surname,mail,proxyAddresses,assignedLicenses';

/** The writable user properties provisioning sets (user resource type). */
export interface UserProperties {
	accountEnabled?: boolean;
	displayName?: string;
	mailNickname?: string;
	userPrincipalName?: string;
	usageLocation?: string;
	givenName?: string;
	surname?: string;
	onPremisesImmutableId?: string;
	passwordProfile?: { password: string; forceChangePasswordNextSignIn: boolean };
}

/** OData string literal: a single quote is doubled (OData ABNF, `SQUOTE-in-string`). */
const odataString = (value: string): string => `'${value.replace(/'/g, "''")}'`;

/** The key the tenant-wide calls share a limiter under (Graph's directory limits are per tenant, not mailbox). */
const DIRECTORY_LIMITER_KEY = 'directory';

export class Microsoft365Directory {
	private readonly graph: GraphClient;

	private readonly mailboxes = new Map<string, GraphClient>();

	constructor(private readonly app: MicrosoftApp) {
		this.graph = new GraphClient(app, DIRECTORY_LIMITER_KEY);
	}

	/** By object id or UPN; null when the directory has none (404 Request_ResourceNotFound). */
	async user(idOrUpn: string): Promise<DirectoryUser | null> {
		try {
			return normalUser(
				await this.graph.get<Record<string, unknown>>(
					`${userPathOf(idOrUpn)}?$select=${USER_FIELDS}`,
				),
			);
		} catch (error) {
			if (error instanceof GraphRequestError && error.status === 404) return null;
			throw error;
		}
	}

	/**
	 * Users whose primary address or one of whose proxy addresses is `address` (resources/user: `mail` and
	 * `proxyAddresses` support $filter eq, the latter through any()).
	 */
	async usersHoldingAddress(address: string): Promise<DirectoryUser[]> {
		const filters = [
			`mail eq ${odataString(address)}`,
			`proxyAddresses/any(p:p eq ${odataString(`smtp:${address}`)})`,
		];
		const found = new Map<string, DirectoryUser>();
		for (const filter of filters) {
			const users = await this.graph.list<Record<string, unknown>>(
				`users?$filter=${encodeURIComponent(filter)}&$select=${USER_FIELDS}`,
			);
			for (const user of users.map(normalUser)) found.set(user.id, user);
		}
		return [...found.values()];
	}

	async createUser(properties: UserProperties): Promise<DirectoryUser> {
		return normalUser(await this.graph.post<Record<string, unknown>>('users', properties));
	}

	async updateUser(id: string, properties: UserProperties): Promise<void> {
		await this.graph.patch(`users/${encodeURIComponent(id)}`, properties);
	}

	async assignLicence(id: string, skuId: string): Promise<void> {
		await this.graph.post(`users/${encodeURIComponent(id)}/assignLicense`, {
			addLicenses: [{ skuId, disabledPlans: [] }],
			removeLicenses: [],
		});
	}

	async subscribedSkus(): Promise<SubscribedSku[]> {
		const skus = await this.graph.list<{
			skuId: string;
			skuPartNumber: string;
			consumedUnits?: number;
			prepaidUnits?: { enabled?: number };
		}>('subscribedSkus?$select=skuId,skuPartNumber,consumedUnits,prepaidUnits');
		return skus.map((sku) => ({
			skuId: sku.skuId,
			skuPartNumber: sku.skuPartNumber,
			enabled: sku.prepaidUnits?.enabled ?? 0,
			consumedUnits: sku.consumedUnits ?? 0,
		}));
	}

	/**
	 * True once Exchange serves the user's mailbox to REST: its Inbox answers (mailfolder-get); false while Graph says
	 * MailboxNotEnabledForRESTAPI (see graph/mailboxReadiness). Through the mailbox's own limiter.
	 */
	async mailboxReady(userPrincipalName: string): Promise<boolean> {
		try {
			let mailbox = this.mailboxes.get(userPrincipalName);
			if (!mailbox) {
				mailbox = new GraphClient(this.app, userPrincipalName);
				this.mailboxes.set(userPrincipalName, mailbox);
			}
			await mailbox.get('/mailFolders/inbox?$select=id');
			return true;
		} catch (error) {
			if (isMailboxNotReady(error)) return false;
			throw error;
		}
	}
}

function normalUser(raw: Record<string, unknown>): DirectoryUser {
	const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : null);
	return {
		id: String(raw.id),
		userPrincipalName: String(raw.userPrincipalName),
		displayName: text(raw.displayName),
		mailNickname: text(raw.mailNickname),
		usageLocation: text(raw.usageLocation),
		givenName: text(raw.givenName),
		surname: text(raw.surname),
		mail: text(raw.mail),
		proxyAddresses: Array.isArray(raw.proxyAddresses) ? raw.proxyAddresses.map(String) : [],
		assignedLicenses: Array.isArray(raw.assignedLicenses)
			? (raw.assignedLicenses as { skuId: string }[]).map((licence) => ({
					skuId: String(licence.skuId),
				}))
			: [],
	};
}
