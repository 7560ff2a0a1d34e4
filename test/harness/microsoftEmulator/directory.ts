/** The emulated Entra directory: one tenant, its app registrations, their application permissions and mailbox grants. */
import crypto from 'node:crypto';

import { thumbprintsOf, type CertificateThumbprints } from './certificates';

/** Resource identifiers (the part before `/.default`) the emulator issues tokens for. */
export const EXCHANGE_RESOURCE = 'https://outlook.office365.com';
export const GRAPH_RESOURCE = 'https://graph.microsoft.com';

export interface AppRegistration {
	clientId: string;
	/** Client secret value; absent when the app authenticates by certificate only. */
	secret?: string;
	/** PEM certificate whose public key verifies the app's client assertions. */
	certificatePem?: string;
	/** Application permissions on Exchange Online (EXCHANGE_RESOURCE) that an admin consented, e.g. IMAP.AccessAsApp. */
	roles?: string[];
	/** Application permissions on other resources, keyed by resource identifier (e.g. GRAPH_RESOURCE). */
	resourceRoles?: Record<string, string[]>;
}

interface RegisteredCertificate extends CertificateThumbprints {
	publicKey: crypto.KeyObject;
}

interface RegisteredApp {
	clientId: string;
	secret?: string;
	certificates: RegisteredCertificate[];
	rolesByResource: Map<string, string[]>;
	/** 'all' models an application access policy-free FullAccess on every mailbox (Add-MailboxPermission for each). */
	mailboxes: Set<string> | 'all';
}

export interface Tenant {
	id: string;
	/** Verified domains; the first is the primary (mailbox UPNs end in one of them). */
	domains: string[];
}

export class Directory {
	readonly tenant: Tenant;

	private readonly apps = new Map<string, RegisteredApp>();

	/** Resources tokens are issued for besides Exchange Online and Graph, e.g. a Dataverse environment's URL. */
	readonly resources = new Set<string>();

	constructor(domain: string) {
		this.tenant = { id: crypto.randomUUID(), domains: [domain.toLowerCase()] };
	}

	/** The tenant for a path segment: its id or one of its domains, as login.microsoftonline.com accepts both. */
	findTenant(idOrDomain: string): Tenant | undefined {
		const wanted = idOrDomain.toLowerCase();
		return wanted === this.tenant.id || this.tenant.domains.includes(wanted)
			? this.tenant
			: undefined;
	}

	addApp(registration: AppRegistration): void {
		const rolesByResource = new Map(Object.entries(registration.resourceRoles ?? {}));
		rolesByResource.set(EXCHANGE_RESOURCE, [...(registration.roles ?? [])]);
		const certificates = registration.certificatePem
			? [
					{
						...thumbprintsOf(registration.certificatePem),
						publicKey: new crypto.X509Certificate(registration.certificatePem).publicKey,
					},
				]
			: [];
		this.apps.set(registration.clientId.toLowerCase(), {
			clientId: registration.clientId,
			secret: registration.secret,
			certificates,
			rolesByResource,
			mailboxes: new Set(),
		});
	}

	findApp(clientId: string): RegisteredApp | undefined {
		return this.apps.get(clientId.toLowerCase());
	}

	/** Replaces the consented application permissions of an app on a resource (default Exchange Online). */
	setRoles(clientId: string, roles: string[], resource = EXCHANGE_RESOURCE): void {
		this.requireApp(clientId).rolesByResource.set(resource, [...roles]);
	}

	rolesOf(clientId: string, resource: string): string[] {
		return this.findApp(clientId)?.rolesByResource.get(resource) ?? [];
	}

	grantMailbox(clientId: string, mailbox: string): void {
		const app = this.requireApp(clientId);
		if (app.mailboxes !== 'all') app.mailboxes.add(mailbox.toLowerCase());
	}

	grantAllMailboxes(clientId: string): void {
		this.requireApp(clientId).mailboxes = 'all';
	}

	isMailboxGranted(clientId: string, mailbox: string): boolean {
		const granted = this.findApp(clientId)?.mailboxes;
		return granted === 'all' || (granted?.has(mailbox.toLowerCase()) ?? false);
	}

	private requireApp(clientId: string): RegisteredApp {
		const app = this.findApp(clientId);
		if (!app) throw new Error(`no app ${clientId} is registered in the emulator`);
		return app;
	}
}

export type { RegisteredApp, RegisteredCertificate };
