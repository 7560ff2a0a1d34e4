/**
 * Microsoft Dynamics 365 (Dataverse Web API v9.2) as a communication provider, app-only (server-to-server: an
 * application user of the environment, learn.microsoft.com/power-apps/developer/data-platform/
 * build-web-applications-server-server-s2s-authentication) with a client-credentials token for the scope
 * `<environment URL>/.default`. Per message:
 * 1. the contact: `GET contacts?$filter=emailaddress1 eq '<address>'`, the address an OData string literal with its
 *    single quotes doubled (OData 4.01 ABNF, SQUOTE-in-string; webapi/query/filter-rows);
 * 2. the activity, by an id derived from the stage's idempotency key (`activityIdOf`), looked up first and created
 *    only when absent - an `email` regarding the contact with the contact as its To party (participationtypemask 2,
 *    activityparty-entity "Activity Party Types"), or a `task` regarding the contact;
 * 3. for an email still a draft, the bound action `Microsoft.Dynamics.CRM.SendEmail` with `IssueSend: true`.
 * So a repeat after a crash, a 5xx or a timeout finds what the earlier try created and never creates or sends a second
 * one: each step is repeatable, which is why 5xx and network faults are retried here. Guaranteed: one activity per
 * stage, and SendEmail issued for it at most once unless Dataverse reports it still a draft. A 429 (service
 * protection, webapi api-limits "Retry-After") is waited out as asked, within bounds.
 */
import { acquireAppToken } from '../microsoft/appTokens';
import type { MicrosoftApp } from '../microsoft/microsoftApp';
import { trustedCas } from '../microsoft/trustedCa';
import { activityIdOf } from './idempotencyKey';
import type { HttpExchangeResponse } from './httpExchange';
import {
	exchangeWithWaits,
	ProviderError,
	redactSecrets,
	type CommunicationProvider,
	type OutgoingMessage,
	type ProviderReceipt,
	type SendControl,
} from './provider';

export type DataverseActivity = 'email' | 'task';

export interface DataverseSettings {
	app: MicrosoftApp;
	/** The environment, e.g. https://contoso.crm4.dynamics.com: the token's audience and, by default, the API host. */
	environmentUrl: string;
	/** Where requests go instead of the environment URL (a proxy, an emulator); the token stays for the environment. */
	apiUrl?: string;
	activity: DataverseActivity;
	/** Tasks: due this many days after the stage's moment (null: no due date). */
	taskDueDays: number | null;
}

/** Email status reasons (learn.microsoft.com/power-apps/developer/data-platform/reference/entities/email, StatusCode). */
const EMAIL_DRAFT = 1;
const EMAIL_STATE_COMPLETED = 1;
const EMAIL_STATUS_NAMES: Record<number, string> = {
	1: 'Draft',
	2: 'Completed',
	3: 'Sent',
	4: 'Received',
	5: 'Canceled',
	6: 'Pending Send',
	7: 'Sending',
	8: 'Failed',
};

const API_PATH = '/api/data/v9.2';

/** An OData string literal: single quotes doubled inside single quotes. */
export function odataString(value: string): string {
	return `'${value.replace(/'/g, "''")}'`;
}

function originOf(url: string, what: string): string {
	let parsed: URL;
	try {
		parsed = new URL(url);
	} catch {
		throw new ProviderError(`the ${what} "${url}" is not a URL`, 'not sent', null);
	}
	if (parsed.protocol !== 'https:') {
		throw new ProviderError(`the ${what} must be https (got ${parsed.protocol})`, 'not sent', null);
	}
	return parsed.origin;
}

/** The scope of an app-only Dataverse token: the environment's URL and `/.default`. */
export function dataverseScope(environmentUrl: string): string {
	return `${originOf(environmentUrl, 'environment URL')}/.default`;
}

interface ODataError {
	code?: string;
	message?: string;
}

export class DataverseProvider implements CommunicationProvider {
	private readonly apiRoot: string;
	private readonly scope: string;
	private readonly ca: string[] | undefined;

	constructor(private readonly settings: DataverseSettings) {
		this.scope = dataverseScope(settings.environmentUrl);
		this.apiRoot = `${originOf(settings.apiUrl || settings.environmentUrl, 'Web API URL')}${API_PATH}`;
		this.ca = trustedCas(settings.app.trustedCaPem);
	}

	async send(message: OutgoingMessage, control: SendControl = {}): Promise<ProviderReceipt> {
		const call = new DataverseCall(this.settings, this.apiRoot, this.scope, this.ca, control);
		const contactId = await call.contactOf(message.recipient);
		const activityId = activityIdOf({
			migrationId: message.migrationId,
			recipient: message.recipient,
			stage: message.stage,
		});
		const duplicate =
			this.settings.activity === 'task'
				? await call.ensureTask(activityId, contactId, message, this.settings.taskDueDays)
				: await call.ensureEmailSent(activityId, contactId, message);
		return { reference: activityId, duplicate, waits: call.waits };
	}
}

/** One message's requests: the token, its renewal after a 401, and the waits Dataverse asked for. */
class DataverseCall {
	waits = 0;
	private token: string | null = null;
	private readonly secrets: string[];

	constructor(
		private readonly settings: DataverseSettings,
		private readonly apiRoot: string,
		private readonly scope: string,
		private readonly ca: string[] | undefined,
		private readonly control: SendControl,
	) {
		this.secrets = [settings.app.clientSecret ?? '', settings.app.certificate?.privateKeyPem ?? ''];
	}

	async contactOf(address: string): Promise<string> {
		const query = new URLSearchParams({
			$select: 'contactid',
			$filter: `emailaddress1 eq ${odataString(address)}`,
			$orderby: 'createdon asc',
			$top: '1',
		});
		const response = await this.request('GET', `/contacts?${query.toString()}`);
		this.expect(response, [200], 'finding the contact');
		const found = (JSON.parse(response.body) as { value?: { contactid?: string }[] }).value ?? [];
		if (!found[0]?.contactid) {
			throw new ProviderError(
				`no contact has the email address ${address} (emailaddress1)`,
				'HTTP 200: no contact found',
				200,
			);
		}
		return found[0].contactid;
	}

	/** Creates the email unless it exists, then sends it unless it left the draft state; true when it was sent before. */
	async ensureEmailSent(
		activityId: string,
		contactId: string,
		message: OutgoingMessage,
	): Promise<boolean> {
		let email = await this.find('emails', activityId, 'statecode,statuscode');
		let existed = email !== null;
		if (!email) {
			const created = await this.request('POST', '/emails', {
				activityid: activityId,
				subject: message.subject,
				description: message.body,
				'regardingobjectid_contact_email@odata.bind': `/contacts(${contactId})`,
				email_activity_parties: [
					{ 'partyid_contact@odata.bind': `/contacts(${contactId})`, participationtypemask: 2 },
				],
			});
			if (created.status >= 500 || isDuplicateKey(created)) {
				// The create may have happened (a 5xx after the write, or a try before ours): look again.
				email = await this.find('emails', activityId, 'statecode,statuscode');
				existed = email !== null;
				if (!email) this.expect(created, [204, 201], 'creating the email');
			} else {
				this.expect(created, [204, 201], 'creating the email');
			}
			email ??= { statecode: 0, statuscode: EMAIL_DRAFT };
		}
		if (Number(email.statecode) === EMAIL_STATE_COMPLETED) return true;
		if (Number(email.statuscode) !== EMAIL_DRAFT) {
			const status = EMAIL_STATUS_NAMES[Number(email.statuscode)] ?? String(email.statuscode);
			throw new ProviderError(
				`the email activity ${activityId} of this stage exists with status ${status}; it is not sent again`,
				`HTTP 200: statuscode ${email.statuscode} (${status})`,
				200,
			);
		}
		const sent = await this.request(
			'POST',
			`/emails(${activityId})/Microsoft.Dynamics.CRM.SendEmail`,
			{ IssueSend: true, TrackingToken: '' },
		);
		if (sent.status >= 500) {
			// Sent or not? Dataverse says by the email's state: only a draft is sent again.
			const now = await this.find('emails', activityId, 'statecode,statuscode');
			if (now && Number(now.statecode) === EMAIL_STATE_COMPLETED) return existed;
			if (now && Number(now.statuscode) === EMAIL_DRAFT) {
				const again = await this.request(
					'POST',
					`/emails(${activityId})/Microsoft.Dynamics.CRM.SendEmail`,
					{ IssueSend: true, TrackingToken: '' },
				);
				this.expect(again, [200, 204], 'sending the email');
				return existed;
			}
		}
		this.expect(sent, [200, 204], 'sending the email');
		return existed;
	}

	/** Creates the task unless it exists; true when it existed. */
	async ensureTask(
		activityId: string,
		contactId: string,
		message: OutgoingMessage,
		dueDays: number | null,
	): Promise<boolean> {
		if (await this.find('tasks', activityId, 'activityid')) return true;
		const created = await this.request('POST', '/tasks', {
			activityid: activityId,
			subject: message.subject,
			description: message.body,
			'regardingobjectid_contact_task@odata.bind': `/contacts(${contactId})`,
			...(dueDays === null
				? {}
				: {
						scheduledend: new Date(Date.parse(message.dueAt) + dueDays * 86_400_000).toISOString(),
					}),
		});
		if (created.status >= 500 || isDuplicateKey(created)) {
			if (await this.find('tasks', activityId, 'activityid')) return isDuplicateKey(created);
		}
		this.expect(created, [204, 201], 'creating the task');
		return false;
	}

	private async find(
		entitySet: string,
		id: string,
		select: string,
	): Promise<Record<string, unknown> | null> {
		const response = await this.request('GET', `/${entitySet}(${id})?$select=${select}`);
		if (response.status === 404) return null;
		this.expect(response, [200], `looking up the ${entitySet.replace(/s$/, '')} of this stage`);
		return JSON.parse(response.body) as Record<string, unknown>;
	}

	private async request(
		method: string,
		path: string,
		body?: unknown,
	): Promise<HttpExchangeResponse> {
		let refused: string | undefined;
		for (;;) {
			const token = await this.tokenFor(refused);
			const response = await exchangeWithWaits(
				{
					method,
					url: `${this.apiRoot}${path}`,
					headers: {
						Authorization: `Bearer ${token}`,
						Accept: 'application/json',
						'OData-MaxVersion': '4.0',
						'OData-Version': '4.0',
						...(body === undefined ? {} : { 'Content-Type': 'application/json; charset=utf-8' }),
					},
					body: body === undefined ? undefined : JSON.stringify(body),
					ca: this.ca,
				},
				{
					// GETs are repeated after a 5xx or a fault; a create or SendEmail met by a 5xx is looked up before
					// any repeat (ensureEmailSent, ensureTask), and one met by a fault fails for the next run to look up.
					repeatable: method === 'GET',
					...this.control,
					secrets: [...this.secrets, token],
					onWait: () => this.waits++,
				},
			);
			// A token refused before it expired (revoked, clock skew): renewed once.
			if (response.status !== 401 || refused !== undefined) return response;
			refused = token;
		}
	}

	private async tokenFor(refused?: string): Promise<string> {
		if (this.token && !refused) return this.token;
		try {
			this.token = (await acquireAppToken(this.settings.app, this.scope, { refused })).accessToken;
		} catch (error) {
			// MicrosoftTokenError messages are free of secrets.
			const text = error instanceof Error ? error.message : String(error);
			throw new ProviderError(
				`no Dataverse token: ${text}`,
				redactSecrets(text, this.secrets),
				null,
			);
		}
		return this.token;
	}

	private expect(response: HttpExchangeResponse, statuses: number[], step: string): void {
		if (statuses.includes(response.status)) return;
		const error = odataErrorOf(response);
		const answer = redactSecrets(
			`HTTP ${response.status}${error.code ? ` ${error.code}` : ''}${error.message ? `: ${error.message}` : ''}`,
			this.secrets,
		);
		throw new ProviderError(`Dataverse refused ${step}: ${answer}`, answer, response.status);
	}
}

/** Dataverse's error body: `{ "error": { "code": "0x...", "message": "..." } }` (webapi/compose-http-requests-handle-errors). */
function odataErrorOf(response: HttpExchangeResponse): ODataError {
	try {
		const parsed = JSON.parse(response.body) as { error?: ODataError };
		return {
			code: parsed.error?.code,
			message: String(parsed.error?.message ?? '').slice(0, 400) || undefined,
		};
	} catch {
		return { message: response.body.replace(/\s+/g, ' ').trim().slice(0, 200) || undefined };
	}
}

/**
 * "Cannot insert duplicate key", -2147220937 = 0x80040237 (learn.microsoft.com/troubleshoot/power-platform/dataverse/
 * user-permissions/client-errors): a row with this primary key exists.
 */
function isDuplicateKey(response: HttpExchangeResponse): boolean {
	return (
		response.status < 500 && response.status >= 400 && odataErrorOf(response).code === '0x80040237'
	);
}
