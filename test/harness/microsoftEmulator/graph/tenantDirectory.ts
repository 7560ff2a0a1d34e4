/**
 * The emulated tenant's directory beyond mailboxes: user attributes (user resource type), verified domains, the
 * subscribed SKUs with their units and each user's licences, and when a newly licensed mailbox becomes ready. Mailbox
 * readiness is driven by polls or by the test, never by time: Exchange Online provisions the mailbox of a user some
 * time after an Exchange licence is assigned (see mailboxReadiness in the library, KB 4462988), here after the
 * number of refused mail requests a test set (default none), or when the test says so.
 */
import crypto from 'node:crypto';

import type { Mailbox, MailboxStore } from './mailboxStore';

export interface EmulatedSku {
	skuId: string;
	skuPartNumber: string;
	/** prepaidUnits.enabled. */
	enabled: number;
	/** Whether the SKU has an Exchange Online plan, so its users get a mailbox (EXCHANGE_S_ENTERPRISE…). */
	exchange: boolean;
}

export interface DirectoryRecord {
	accountEnabled: boolean;
	displayName: string;
	mailNickname: string;
	usageLocation: string | null;
	givenName: string | null;
	surname: string | null;
	onPremisesImmutableId: string | null;
	mail: string | null;
	proxyAddresses: string[];
	/** skuIds. */
	assignedLicenses: string[];
	/** Kept so tests can prove which password the user got; never logged or answered. */
	password: string | null;
	forceChangePasswordNextSignIn: boolean;
}

export interface VerifiedDomain {
	name: string;
	/** A federated domain signs its users in at another identity provider (they need onPremisesImmutableId). */
	federated: boolean;
}

/** Mailboxes wait this many refused polls after licensing unless a test sets another count (Infinity: until told). */
const DEFAULT_POLLS_BEFORE_READY = 0;

export class TenantDirectory {
	private readonly records = new Map<string, DirectoryRecord>();

	private skus: EmulatedSku[] = [];

	private readonly extraDomains: VerifiedDomain[] = [];

	/** UPN (lower case) → refused polls still to come once licensed; set by tests before or after the user exists. */
	private readonly pollsBeforeReady = new Map<string, number>();

	private readonly polls = new Map<string, number>();

	constructor(
		private readonly store: MailboxStore,
		private readonly primaryDomains: () => string[],
	) {}

	domains(): VerifiedDomain[] {
		return [
			...this.primaryDomains().map((name) => ({ name, federated: false })),
			...this.extraDomains,
		];
	}

	addDomain(domain: VerifiedDomain): void {
		this.extraDomains.push({ name: domain.name.toLowerCase(), federated: domain.federated });
	}

	/** The record of a mailbox's user; mailboxes provisioned directly (issue 12's tests) get a licensed default. */
	recordOf(mailbox: Mailbox): DirectoryRecord {
		let record = this.records.get(mailbox.id);
		if (!record) {
			record = {
				accountEnabled: true,
				displayName: mailbox.displayName,
				mailNickname: mailbox.userPrincipalName.split('@')[0],
				usageLocation: null,
				givenName: null,
				surname: null,
				onPremisesImmutableId: null,
				mail: mailbox.userPrincipalName,
				proxyAddresses: [`SMTP:${mailbox.userPrincipalName}`],
				assignedLicenses: [],
				password: null,
				forceChangePasswordNextSignIn: false,
			};
			this.records.set(mailbox.id, record);
		}
		return record;
	}

	/** A user created in the directory (POST /users or a test): no mailbox until an Exchange licence is assigned. */
	createUser(
		userPrincipalName: string,
		record: Omit<DirectoryRecord, 'mail' | 'proxyAddresses' | 'assignedLicenses'>,
	): Mailbox {
		const mailbox = this.store.provision(userPrincipalName, false);
		mailbox.displayName = record.displayName;
		this.records.set(mailbox.id, {
			...record,
			mail: null,
			proxyAddresses: [],
			assignedLicenses: [],
		});
		return mailbox;
	}

	/** The user holding an address as UPN, mail or proxy address (case-insensitive), if any. */
	holderOf(address: string): Mailbox | undefined {
		const wanted = address.toLowerCase();
		return this.store.all().find((mailbox) => {
			const record = this.recordOf(mailbox);
			return (
				mailbox.userPrincipalName.toLowerCase() === wanted ||
				record.mail?.toLowerCase() === wanted ||
				record.proxyAddresses.some((proxy) => proxy.toLowerCase() === `smtp:${wanted}`)
			);
		});
	}

	setSkus(
		skus: { skuPartNumber: string; enabled: number; skuId?: string; exchange?: boolean }[],
	): void {
		this.skus = skus.map((sku) => ({
			skuId: sku.skuId ?? crypto.randomUUID(),
			skuPartNumber: sku.skuPartNumber,
			enabled: sku.enabled,
			exchange: sku.exchange ?? true,
		}));
	}

	sku(skuId: string): EmulatedSku | undefined {
		return this.skus.find((sku) => sku.skuId.toLowerCase() === skuId.toLowerCase());
	}

	skuList(): (EmulatedSku & { consumedUnits: number })[] {
		return this.skus.map((sku) => ({ ...sku, consumedUnits: this.consumed(sku.skuId) }));
	}

	consumed(skuId: string): number {
		return [...this.records.values()].filter((record) => record.assignedLicenses.includes(skuId))
			.length;
	}

	/** Adds licences to a user; an Exchange one gives the user a mailbox (addresses now, REST readiness after polls). */
	license(mailbox: Mailbox, skuIds: string[]): void {
		const record = this.recordOf(mailbox);
		for (const skuId of skuIds) {
			if (!record.assignedLicenses.includes(skuId)) record.assignedLicenses.push(skuId);
		}
		if (this.hasExchange(record) && record.mail === null) {
			record.mail = mailbox.userPrincipalName;
			record.proxyAddresses = [`SMTP:${mailbox.userPrincipalName}`];
		}
	}

	unlicense(mailbox: Mailbox, skuIds: string[]): void {
		const record = this.recordOf(mailbox);
		record.assignedLicenses = record.assignedLicenses.filter((skuId) => !skuIds.includes(skuId));
	}

	private hasExchange(record: DirectoryRecord): boolean {
		return record.assignedLicenses.some((skuId) => this.sku(skuId)?.exchange);
	}

	setPollsBeforeReady(userPrincipalName: string, polls: number): void {
		this.pollsBeforeReady.set(userPrincipalName.toLowerCase(), polls);
	}

	/** A mail request reached a mailbox that is not ready: it is refused (and counted) or is the one that makes it ready. */
	mailboxPolled(mailbox: Mailbox): void {
		const upn = mailbox.userPrincipalName.toLowerCase();
		const record = this.records.get(mailbox.id);
		const remaining = this.pollsBeforeReady.get(upn) ?? DEFAULT_POLLS_BEFORE_READY;
		if (record && this.hasExchange(record) && remaining <= 0) {
			mailbox.ready = true;
			return;
		}
		if (record && this.hasExchange(record)) this.pollsBeforeReady.set(upn, remaining - 1);
		this.polls.set(upn, (this.polls.get(upn) ?? 0) + 1);
	}

	/** Mail requests refused because the mailbox was not ready. */
	pollsOf(userPrincipalName: string): number {
		return this.polls.get(userPrincipalName.toLowerCase()) ?? 0;
	}

	clear(): void {
		this.records.clear();
		this.skus = [];
		this.extraDomains.length = 0;
		this.pollsBeforeReady.clear();
		this.polls.clear();
	}
}
