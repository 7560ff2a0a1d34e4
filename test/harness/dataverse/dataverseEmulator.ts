/**
 * A Dataverse environment (Dynamics 365) on the Microsoft emulator's HTTPS server: the Web API v9.2 routes Notify CRM
 * uses, with tokens from the emulator's identity side for the environment's URL as audience. Each behaviour's source:
 * - S2S: the app must be an application user of the environment (learn.microsoft.com/power-apps/developer/
 *   data-platform/build-web-applications-server-server-s2s-authentication); a token for another audience, expired or
 *   not signed by the tenant is refused with 401 and a WWW-Authenticate challenge (authenticate-oauth);
 * - `GET contacts?$filter=emailaddress1 eq '...'`: OData string literals with '' for a quote (webapi/query/
 *   filter-rows); string comparison is case-insensitive, as Dataverse's default collation is;
 * - `POST emails` / `POST tasks`: 204 with OData-EntityId (webapi/create-entity-web-api "Basic create"); the primary
 *   key may be set by the client ("Set the primary key value"); a taken one is "Cannot insert duplicate key"
 *   0x80040237 (troubleshoot/power-platform/dataverse/user-permissions/client-errors); lookups by
 *   `regardingobjectid_contact_<entity>@odata.bind` and `partyid_contact@odata.bind` must name an existing contact;
 * - `GET emails(id)`: 404 with 0x80040217 "... Does Not Exist" for an unknown id (same client-errors page);
 * - `POST emails(id)/Microsoft.Dynamics.CRM.SendEmail {IssueSend, TrackingToken}`: only for a draft; with IssueSend
 *   the email goes to Pending Send (statecode 1, statuscode 6; reference/entities/email StatusCode);
 * - errors as `{ "error": { "code": "0x...", "message": "..." } }` (webapi/compose-http-requests-handle-errors);
 * - service protection: 429 with Retry-After in seconds and code 0x80072322 "Number of requests exceeded the limit
 *   of 6000 over time window of 300 seconds." (power-apps/developer/data-platform/api-limits).
 * The inspection API (contacts, emails, tasks, sends, requests) never exposes a token.
 */
import { randomUUID } from 'node:crypto';

import type { MicrosoftEmulator } from '../microsoftEmulator';
import type { EmulatorRequest, EmulatorResponse } from '../microsoftEmulator/server';

const API = '/api/data/v9.2';

export interface DataverseContact {
	contactid: string;
	fullname: string;
	emailaddress1: string;
}

export interface DataverseActivity {
	activityid: string;
	entity: 'email' | 'task';
	subject: string;
	description: string;
	regardingContactId: string;
	/** Email: To parties by contact id. */
	toContactIds: string[];
	statecode: number;
	statuscode: number;
	scheduledend: string | null;
	createdBy: string;
}

export interface DataverseRequest {
	method: string;
	path: string;
	query: string;
	status: number;
	/** The app (client id) the token was issued to, when it was valid. */
	appId?: string;
}

type Fault = { status: number; retryAfterSeconds?: number; code: string; message: string };

const odataError = (
	status: number,
	code: string,
	message: string,
	headers?: Record<string, string>,
) => ({
	status,
	body: { error: { code, message } },
	headers,
});

export class DataverseEmulator {
	private readonly contacts = new Map<string, DataverseContact>();
	private readonly activities = new Map<string, DataverseActivity>();
	private readonly applicationUsers = new Set<string>();
	private readonly log: DataverseRequest[] = [];
	private readonly sends: { activityid: string; issueSend: boolean }[] = [];
	private readonly faults: { match: (request: EmulatorRequest) => boolean; fault: Fault }[] = [];

	/** `environmentUrl`: the audience of its tokens, e.g. https://contoso.crm.dynamics.com. */
	constructor(
		private readonly emulator: MicrosoftEmulator,
		readonly environmentUrl = 'https://contoso.crm.dynamics.com',
	) {
		emulator.addResource(environmentUrl);
		for (const method of ['GET', 'POST', 'PATCH', 'DELETE']) {
			emulator.router.add(method, /^\/api\/data\/v9\.2\//, (request) => this.handle(request));
		}
	}

	/** Where requests go: the emulator's origin (Notify CRM's Web API URL option). */
	get apiUrl(): string {
		return this.emulator.baseUrl;
	}

	addApplicationUser(clientId: string): void {
		this.applicationUsers.add(clientId.toLowerCase());
	}

	addContact(emailaddress1: string, fullname = emailaddress1): DataverseContact {
		const contact = { contactid: randomUUID(), fullname, emailaddress1 };
		this.contacts.set(contact.contactid, contact);
		return contact;
	}

	/** The next `count` requests matching `match` (all by default) are refused with a service-protection 429. */
	throttle(
		count: number,
		retryAfterSeconds: number,
		match: (request: EmulatorRequest) => boolean = () => true,
	): void {
		for (let index = 0; index < count; index++) {
			this.faults.push({
				match,
				fault: {
					status: 429,
					retryAfterSeconds,
					code: '0x80072322',
					message: 'Number of requests exceeded the limit of 6000 over time window of 300 seconds.',
				},
			});
		}
	}

	/** The next request matching `match` is answered with a server error, without being carried out. */
	failNext(match: (request: EmulatorRequest) => boolean, status = 500): void {
		this.faults.push({
			match,
			fault: { status, code: '0x80040216', message: 'An unexpected error occurred.' },
		});
	}

	emails(): DataverseActivity[] {
		return [...this.activities.values()].filter((activity) => activity.entity === 'email');
	}

	tasks(): DataverseActivity[] {
		return [...this.activities.values()].filter((activity) => activity.entity === 'task');
	}

	/** Every SendEmail carried out, oldest first. */
	sentEmails(): { activityid: string; issueSend: boolean }[] {
		return [...this.sends];
	}

	requests(): DataverseRequest[] {
		return [...this.log];
	}

	private async handle(request: EmulatorRequest): Promise<EmulatorResponse> {
		const entry: DataverseRequest = {
			method: request.method,
			path: request.path,
			query: request.query.toString(),
			status: 0,
		};
		this.log.push(entry);
		const response = this.answer(request, entry);
		entry.status = response.status;
		return response;
	}

	private answer(request: EmulatorRequest, entry: DataverseRequest): EmulatorResponse {
		const auth = this.authenticate(request);
		if ('refused' in auth) return auth.refused;
		entry.appId = auth.appId;
		const faultAt = this.faults.findIndex((candidate) => candidate.match(request));
		if (faultAt >= 0) {
			const [{ fault }] = this.faults.splice(faultAt, 1);
			return odataError(
				fault.status,
				fault.code,
				fault.message,
				fault.retryAfterSeconds === undefined
					? undefined
					: { 'Retry-After': String(fault.retryAfterSeconds) },
			);
		}
		const path = request.path.slice(API.length);
		if (request.method === 'GET' && path === '/contacts') return this.findContacts(request);
		let match = /^\/(emails|tasks)$/.exec(path);
		if (request.method === 'POST' && match) {
			return this.create(match[1] === 'emails' ? 'email' : 'task', request, auth.appId);
		}
		match = /^\/(emails|tasks)\(([0-9a-f-]{36})\)$/i.exec(path);
		if (request.method === 'GET' && match)
			return this.retrieve(match[1] === 'emails' ? 'email' : 'task', match[2]);
		match = /^\/emails\(([0-9a-f-]{36})\)\/Microsoft\.Dynamics\.CRM\.SendEmail$/i.exec(path);
		if (request.method === 'POST' && match) return this.sendEmail(match[1], request);
		return odataError(404, '0x80060888', `Resource not found for the segment '${path.slice(1)}'.`);
	}

	private authenticate(
		request: EmulatorRequest,
	): { appId: string } | { refused: EmulatorResponse } {
		const challenge = {
			status: 401,
			body: undefined,
			headers: {
				'WWW-Authenticate': `Bearer authorization_uri=${this.emulator.baseUrl}/${this.emulator.tenantId}/oauth2/authorize`,
			},
		};
		const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
		if (!match) return { refused: challenge };
		const token = match[1];
		const expiry = this.emulator.expiryOf(token);
		const claims = this.emulator.claimsOf(token);
		if (expiry === undefined || !claims || expiry <= Date.now()) return { refused: challenge };
		if (
			String(claims.aud).replace(/\/$/, '') !== this.environmentUrl ||
			claims.tid !== this.emulator.tenantId
		) {
			return { refused: challenge };
		}
		const appId = String(claims.appid ?? '');
		// An app without an application user in the environment is refused; Dataverse's exact answer is not
		// documented, so it is a 401 here as for any token the environment does not accept.
		if (!this.applicationUsers.has(appId.toLowerCase())) return { refused: challenge };
		return { appId };
	}

	private findContacts(request: EmulatorRequest): EmulatorResponse {
		const filter = request.query.get('$filter') ?? '';
		const parsed = /^emailaddress1 eq '((?:[^']|'')*)'$/.exec(filter);
		if (!parsed) {
			return odataError(
				400,
				'0x80060888',
				`The query parameter $filter '${filter}' is not supported here.`,
			);
		}
		const wanted = parsed[1].replace(/''/g, "'").toLowerCase();
		const top = Number(request.query.get('$top') ?? '5000');
		const value = [...this.contacts.values()]
			.filter((contact) => contact.emailaddress1.toLowerCase() === wanted)
			.slice(0, top)
			.map((contact) => ({ contactid: contact.contactid, fullname: contact.fullname }));
		return {
			status: 200,
			body: { '@odata.context': `${this.environmentUrl}${API}/$metadata#contacts`, value },
		};
	}

	private contactOfBind(value: unknown): DataverseContact | undefined {
		const match = /^\/?contacts\(([0-9a-f-]{36})\)$/i.exec(String(value ?? ''));
		return match ? this.contacts.get(match[1].toLowerCase()) : undefined;
	}

	private create(
		entity: 'email' | 'task',
		request: EmulatorRequest,
		appId: string,
	): EmulatorResponse {
		let body: Record<string, unknown>;
		try {
			body = JSON.parse(request.body) as Record<string, unknown>;
		} catch {
			return odataError(400, '0x80040203', 'The request body is not JSON.');
		}
		const regarding = this.contactOfBind(body[`regardingobjectid_contact_${entity}@odata.bind`]);
		if (!regarding) {
			return odataError(
				400,
				'0x80040217',
				`contact With Id = ${String(body[`regardingobjectid_contact_${entity}@odata.bind`])} Does Not Exist`,
			);
		}
		const toContactIds: string[] = [];
		if (entity === 'email') {
			for (const party of (body.email_activity_parties as Record<string, unknown>[] | undefined) ??
				[]) {
				const contact = this.contactOfBind(party['partyid_contact@odata.bind']);
				if (!contact)
					return odataError(400, '0x80040217', 'contact of an activity party Does Not Exist');
				if (party.participationtypemask === 2) toContactIds.push(contact.contactid);
			}
		}
		const activityid = String(body.activityid ?? randomUUID()).toLowerCase();
		if (this.activities.has(activityid))
			return odataError(412, '0x80040237', 'Cannot insert duplicate key.');
		this.activities.set(activityid, {
			activityid,
			entity,
			subject: String(body.subject ?? ''),
			description: String(body.description ?? ''),
			regardingContactId: regarding.contactid,
			toContactIds,
			statecode: 0,
			statuscode: entity === 'email' ? 1 : 2,
			scheduledend: typeof body.scheduledend === 'string' ? body.scheduledend : null,
			createdBy: appId,
		});
		return {
			status: 204,
			body: undefined,
			headers: { 'OData-EntityId': `${this.environmentUrl}${API}/${entity}s(${activityid})` },
		};
	}

	private retrieve(entity: 'email' | 'task', id: string): EmulatorResponse {
		const activity = this.activities.get(id.toLowerCase());
		if (!activity || activity.entity !== entity) {
			return odataError(404, '0x80040217', `${entity} With Id = ${id} Does Not Exist`);
		}
		return {
			status: 200,
			body: {
				activityid: activity.activityid,
				statecode: activity.statecode,
				statuscode: activity.statuscode,
			},
		};
	}

	private sendEmail(id: string, request: EmulatorRequest): EmulatorResponse {
		const email = this.activities.get(id.toLowerCase());
		if (!email || email.entity !== 'email')
			return odataError(404, '0x80040217', `email With Id = ${id} Does Not Exist`);
		if (email.statuscode !== 1) {
			return odataError(
				400,
				'0x80040203',
				'The email cannot be sent because it is not in the draft state.',
			);
		}
		const body = JSON.parse(request.body || '{}') as { IssueSend?: boolean };
		email.statecode = 1;
		email.statuscode = body.IssueSend ? 6 : 2;
		this.sends.push({ activityid: email.activityid, issueSend: body.IssueSend === true });
		return {
			status: 200,
			body: {
				'@odata.context': `${this.environmentUrl}${API}/$metadata#Microsoft.Dynamics.CRM.SendEmailResponse`,
				Subject: email.subject,
			},
		};
	}
}
