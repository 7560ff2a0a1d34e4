/**
 * A loopback emulator of the Microsoft identity platform (and, from issue 12, Microsoft Graph on the same server):
 * HTTPS on 127.0.0.1 with a harness certificate, because MSAL refuses authorities that are not https.
 *
 * Use `baseUrl` as MicrosoftApp.loginUrl and `caPem` as MicrosoftApp.trustedCaPem; point Dovecot's oauth2 passdb at
 * `introspectionUrl` (plain HTTP on loopback, see introspection.ts for the settings it is made for).
 */
import type { MicrosoftApp } from '../../../nodes/lib/microsoft/microsoftApp';
import { generateServerTls } from './certificates';
import { Directory, EXCHANGE_RESOURCE, type AppRegistration } from './directory';
import { GraphEmulator } from './graph';
import { addIdentityRoutes } from './identityRoutes';
import { addIntrospectionRoutes, introspect, type Introspection } from './introspection';
import { listen, Router, type Listener, type LoggedRequest } from './server';
import { decodeJwt, TokenSigner } from './tokens';

export { EXCHANGE_RESOURCE, GRAPH_RESOURCE, type AppRegistration } from './directory';
export { EXCHANGE_IMAP_ROLE, type Introspection } from './introspection';
export type { LoggedRequest } from './server';
export { generateAppCertificate, type AppCertificate } from './certificates';
export {
	GRAPH_DEFAULT_LIMITS,
	GraphEmulator,
	type Fault,
	type FaultRule,
	type GraphCounters,
	type GraphLimits,
	type Hold,
	type InspectedFolder,
	type InspectedMessage,
	type InspectedUser,
	type EmulatedSku,
	type VerifiedDomain,
	type RequestMatch,
} from './graph';

export interface MicrosoftEmulatorOptions {
	/** The tenant's primary domain; mailbox UPNs end in it (default contoso.example). */
	tenantDomain?: string;
	/** Access-token lifetime in seconds (default 3600, as Entra's 60–90 min default). */
	tokenLifetimeSeconds?: number;
}

/** A StartedService: `services.add(await startMicrosoftEmulator())` stops it with the rest. */
export class MicrosoftEmulator {
	readonly name = 'microsoft emulator';

	/** The HTTPS origin, e.g. https://127.0.0.1:40123 — the login host of the emulated cloud. */
	baseUrl = '';

	/** Plain-HTTP introspection endpoint for Dovecot's oauth2 passdb. */
	introspectionUrl = '';

	/** Routes on the HTTPS server; Graph routes (issue 12) are added here. */
	readonly router = new Router();

	readonly caPem: string;

	private readonly directory: Directory;

	private readonly signer = new TokenSigner();

	/** Microsoft Graph on the same origin (`${baseUrl}/v1.0/…`): mailboxes, limits, faults and inspection. */
	readonly graph: GraphEmulator;

	private readonly log: LoggedRequest[] = [];

	private lifetimeSeconds: number;

	private listeners: Listener[] = [];

	private readonly keyPem: string;

	constructor(options: MicrosoftEmulatorOptions = {}) {
		this.directory = new Directory(options.tenantDomain ?? 'contoso.example');
		this.lifetimeSeconds = options.tokenLifetimeSeconds ?? 3600;
		this.graph = new GraphEmulator(
			this.signer,
			() => this.directory.tenant.id,
			() => this.baseUrl,
			() => this.directory.tenant.domains,
		);
		const tls = generateServerTls();
		this.caPem = tls.certPem;
		this.keyPem = tls.keyPem;
	}

	get tenantId(): string {
		return this.directory.tenant.id;
	}

	get tenantDomain(): string {
		return this.directory.tenant.domains[0];
	}

	async start(): Promise<void> {
		addIdentityRoutes(this.router, {
			directory: this.directory,
			signer: this.signer,
			baseUrl: () => this.baseUrl,
			tokenLifetimeSeconds: () => this.lifetimeSeconds,
		});
		this.graph.mount(this.router);
		const introspection = new Router();
		addIntrospectionRoutes(introspection, this.directory, this.signer);
		const record = (entry: LoggedRequest) => this.log.push(entry);
		const https = await listen(this.router, { certPem: this.caPem, keyPem: this.keyPem }, record);
		this.listeners.push(https);
		const http = await listen(introspection, undefined, record);
		this.listeners.push(http);
		this.baseUrl = `https://127.0.0.1:${https.port}`;
		this.introspectionUrl = `http://127.0.0.1:${http.port}/introspect`;
	}

	/** The MicrosoftApp of a client id of this tenant (registered or not) with its login host here, trusting its CA. */
	appFor(clientId: string, clientSecret?: string): MicrosoftApp {
		return {
			tenant: this.tenantId,
			clientId,
			clientSecret,
			cloud: 'global',
			loginUrl: this.baseUrl,
			trustedCaPem: this.caPem,
		};
	}

	/** Registers an app in the tenant; `roles` are its consented application permissions on Exchange Online. */
	addApp(registration: AppRegistration): void {
		this.directory.addApp(registration);
	}

	/** Replaces an app's consented permissions (default on Exchange Online), e.g. to revoke consent mid-run. */
	setRoles(clientId: string, roles: string[], resource = EXCHANGE_RESOURCE): void {
		this.directory.setRoles(clientId, roles, resource);
	}

	/** Add-MailboxPermission -AccessRights FullAccess for the app's service principal on one mailbox. */
	grantMailbox(clientId: string, mailbox: string): void {
		this.directory.grantMailbox(clientId, mailbox);
	}

	grantAllMailboxes(clientId: string): void {
		this.directory.grantAllMailboxes(clientId);
	}

	isMailboxGranted(clientId: string, mailbox: string): boolean {
		return this.directory.isMailboxGranted(clientId, mailbox);
	}

	/** Issues tokens for `resource` (its scope is `<resource>/.default`) too, e.g. a Dataverse environment URL. */
	addResource(resource: string): void {
		this.directory.resources.add(resource);
	}

	/** Lifetime of tokens issued from now on. */
	setTokenLifetime(seconds: number): void {
		this.lifetimeSeconds = seconds;
	}

	/** The expiry (epoch ms) of a token this emulator issued, else undefined. */
	expiryOf(accessToken: string): number | undefined {
		const claims = this.signer.verify(accessToken);
		return claims ? claims.exp * 1000 : undefined;
	}

	/** The claims of a token, as a resource would read them (undefined when it is not a JWT). */
	claimsOf(accessToken: string): Record<string, unknown> | undefined {
		return decodeJwt(accessToken)?.payload;
	}

	/** What the introspection endpoint answers for a token. */
	introspect(accessToken: string): Introspection {
		return introspect(accessToken, this.directory, this.signer);
	}

	/** Every request so far, oldest first (method, path, status, grant type, client id; never a credential). */
	requests(): LoggedRequest[] {
		return [...this.log];
	}

	/** Token requests that were answered with a token. */
	issuedTokenCount(clientId?: string): number {
		return this.log.filter(
			(entry) =>
				entry.grantType !== undefined &&
				entry.status === 200 &&
				(clientId === undefined || entry.clientId === clientId),
		).length;
	}

	async stop(): Promise<void> {
		await Promise.all(this.listeners.map((listener) => listener.close()));
		this.listeners = [];
	}
}

export async function startMicrosoftEmulator(
	options: MicrosoftEmulatorOptions = {},
): Promise<MicrosoftEmulator> {
	const emulator = new MicrosoftEmulator(options);
	await emulator.start();
	return emulator;
}
