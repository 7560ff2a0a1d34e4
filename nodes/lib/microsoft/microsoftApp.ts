/** A Microsoft Entra app registration as the library uses it: plain data, so it can cross into the execution worker. */

export type MicrosoftCloud = 'global' | 'usGov' | 'usGovDod' | 'china';

export interface MicrosoftApp {
	/** Directory (tenant) id, or one of the tenant's verified domains. */
	tenant: string;
	/** Application (client) id. */
	clientId: string;
	clientSecret?: string;
	/** A certificate uploaded to the app registration: its PEM private key and the thumbprint (SHA-1 or SHA-256 hex). */
	certificate?: { privateKeyPem: string; thumbprint: string };
	cloud: MicrosoftCloud;
	/** Overrides the cloud's login host (an emulator or a proxy), e.g. https://127.0.0.1:40123. */
	loginUrl?: string;
	/** Overrides the cloud's Microsoft Graph root, e.g. https://127.0.0.1:40123. */
	graphUrl?: string;
	/** Overrides the cloud's Exchange Online IMAP host. */
	imapHost?: string;
	imapPort?: number;
	/** PEM of a private CA trusted (besides the public roots) for the overridden URLs and hosts. */
	trustedCaPem?: string;
}
