import type { ImapFlow, ListResponse } from 'imapflow';

import type { ImapEndpoint } from '../imap/endpoint';
import { closeQuietly, createImapFlowClient } from '../imap/imapflowClient';
import { describeConnectionFailure, type ConnectionFailure } from '../imap/connectionFailure';
import { EXCHANGE_IMAP_ROLE } from '../microsoft/clouds';
import type { TargetStoreOptions } from '../migration/stores/storeSides';
import { graphWarnings, surveyGraphMailbox, type GraphMailboxSurvey } from './graphPreflight';
import {
	AppTokenFailure,
	checkAppToken,
	MailboxUnreachableError,
	type PreflightCheck,
} from './preflightChecks';

/** Capabilities that decide how a migration runs; each one changes speed or safety, so pre-flight shows them. */
export interface MigrationCapabilities {
	uidplus: boolean;
	condstore: boolean;
	qresync: boolean;
	specialUse: boolean;
	multiappend: boolean;
	literalPlus: boolean;
	move: boolean;
	quota: boolean;
	utf8Accept: boolean;
	/** Largest message the server accepts by APPEND, in bytes, when it says (APPENDLIMIT). */
	appendLimit: number | null;
}

export interface FolderSurvey {
	/** Decoded name, with '/' between levels whatever the server's separator. */
	path: string;
	specialUse: string | null;
	messages: number;
	bytes: number;
}

export interface MailboxSurvey {
	kind: 'imap';
	login: 'ok';
	/** Each step taken on this side, in order: the app token (OAuth logins only), login, folders, quota. */
	checks: PreflightCheck[];
	server: string;
	capabilities: MigrationCapabilities;
	rawCapabilities: string[];
	delimiter: string | null;
	folders: FolderSurvey[];
	totals: { folders: number; messages: number; bytes: number };
	largestMessage: { folder: string; uid: number; bytes: number } | null;
	quota: { usedBytes: number | null; limitBytes: number | null } | null;
}

export interface SurveyOptions {
	/** Count messages and sizes per folder (costs one FETCH of sizes per folder without STATUS=SIZE). */
	withSizes: boolean;
}

export function capabilitiesOf(capabilities: Map<string, boolean | number>): MigrationCapabilities {
	const has = (name: string) => capabilities.has(name);
	const appendLimit = capabilities.get('APPENDLIMIT');
	return {
		uidplus: has('UIDPLUS'),
		condstore: has('CONDSTORE') || has('QRESYNC'),
		qresync: has('QRESYNC'),
		specialUse: has('SPECIAL-USE'),
		multiappend: has('MULTIAPPEND'),
		literalPlus: has('LITERAL+'),
		move: has('MOVE'),
		quota: has('QUOTA'),
		utf8Accept: has('UTF8=ACCEPT'),
		appendLimit: typeof appendLimit === 'number' && appendLimit > 0 ? appendLimit : null,
	};
}

function isSelectable(folder: ListResponse): boolean {
	return !folder.flags.has('\\Noselect') && !folder.flags.has('\\NonExistent');
}

function canonicalPath(folder: ListResponse): string {
	return folder.delimiter ? folder.path.split(folder.delimiter).join('/') : folder.path;
}

async function folderSizes(
	client: ImapFlow,
	folder: ListResponse,
): Promise<{ bytes: number; largest: { uid: number; bytes: number } | null }> {
	const lock = await client.getMailboxLock(folder.path, { readOnly: true });
	try {
		let bytes = 0;
		let largest: { uid: number; bytes: number } | null = null;
		const mailbox = client.mailbox;
		if (mailbox && mailbox.exists === 0) return { bytes, largest };
		for await (const message of client.fetch('1:*', { uid: true, size: true }, { uid: false })) {
			const size = message.size ?? 0;
			bytes += size;
			if (!largest || size > largest.bytes) largest = { uid: message.uid, bytes: size };
		}
		return { bytes, largest };
	} finally {
		lock.release();
	}
}

/** With an app token, Exchange Online admits only mailboxes the app's service principal was given. */
const APP_LOGIN_HINT =
	'An app may open only mailboxes its Exchange service principal has FullAccess to (New-ServicePrincipal, then Add-MailboxPermission -AccessRights FullAccess).';

/**
 * Logs in (with an app token first, for OAuth logins), reads capabilities, folders with counts and sizes, the largest
 * message and the quota, recording each step. Read-only: it opens folders with EXAMINE and never changes flags.
 */
export async function surveyMailbox(
	endpoint: ImapEndpoint,
	side: 'source' | 'target',
	options: SurveyOptions,
): Promise<MailboxSurvey> {
	const checks: PreflightCheck[] = [];
	const failed = (step: PreflightCheck['step'], failure: ConnectionFailure) => {
		checks.push({ step, status: 'failed', detail: failure.message });
		return new MailboxUnreachableError(side, failure, checks);
	};
	const appLogin = endpoint.login.oauth !== undefined;
	if (endpoint.login.oauth) {
		// Taken here to name what is wrong with it; the login below gets the same token from the cache.
		try {
			const { app, scope } = endpoint.login.oauth;
			checks.push(
				await checkAppToken({
					app,
					scope,
					role: EXCHANGE_IMAP_ROLE,
					api: 'Office 365 Exchange Online',
				}),
			);
		} catch (error) {
			if (!(error instanceof AppTokenFailure)) throw error;
			checks.push(error.check);
			throw new MailboxUnreachableError(side, { layer: 'auth', message: error.message }, checks);
		}
	}
	let client: ImapFlow;
	try {
		client = await createImapFlowClient(endpoint);
	} catch (error) {
		throw failed('login', describeConnectionFailure(error, endpoint));
	}
	client.on('error', () => {
		// Socket errors after connect reject the pending command; the listener only keeps them from crashing the process.
	});
	try {
		await client.connect();
	} catch (error) {
		client.close();
		const failure = describeConnectionFailure(error, endpoint);
		if (appLogin && failure.layer === 'auth') failure.message += ` ${APP_LOGIN_HINT}`;
		throw failed('login', failure);
	}
	checks.push({
		step: 'login',
		status: 'passed',
		detail: `logged in as ${endpoint.login.authUser}${appLogin ? ' with the app token' : ''}`,
	});
	try {
		const capabilities = capabilitiesOf(client.capabilities);
		const statusSize =
			client.capabilities.has('STATUS=SIZE') || client.capabilities.has('IMAP4REV2');
		let listed: ListResponse[];
		try {
			listed = await client.list({
				statusQuery: { messages: true, ...(statusSize && options.withSizes ? { size: true } : {}) },
			});
		} catch (error) {
			throw failed('folders', describeConnectionFailure(error, endpoint));
		}
		const folders: FolderSurvey[] = [];
		let largestMessage: MailboxSurvey['largestMessage'] = null;
		for (const folder of listed) {
			if (!isSelectable(folder)) continue;
			const path = canonicalPath(folder);
			const messages = folder.status?.messages ?? 0;
			let bytes = Number(folder.status?.size ?? 0);
			if (options.withSizes && messages > 0) {
				const sizes = await folderSizes(client, folder);
				bytes = sizes.bytes;
				if (sizes.largest && (!largestMessage || sizes.largest.bytes > largestMessage.bytes)) {
					largestMessage = { folder: path, ...sizes.largest };
				}
			}
			folders.push({ path, specialUse: folder.specialUse ?? null, messages, bytes });
		}
		folders.sort((a, b) => a.path.localeCompare(b.path));
		checks.push({ step: 'folders', status: 'passed', detail: `${folders.length} folders listed` });
		const quota = await readQuota(client, capabilities, checks);
		return {
			kind: 'imap',
			login: 'ok',
			checks,
			server: `${endpoint.host}:${endpoint.port}`,
			capabilities,
			rawCapabilities: [...client.capabilities.keys()].sort(),
			delimiter: listed.find((folder) => folder.delimiter)?.delimiter ?? null,
			folders,
			totals: {
				folders: folders.length,
				messages: folders.reduce((sum, folder) => sum + folder.messages, 0),
				bytes: folders.reduce((sum, folder) => sum + folder.bytes, 0),
			},
			largestMessage,
			quota,
		};
	} finally {
		await closeQuietly(client);
	}
}

/** The INBOX quota where the server offers QUOTA; a refused GETQUOTA is a failed check, not a failed pre-flight. */
async function readQuota(
	client: ImapFlow,
	capabilities: MigrationCapabilities,
	checks: PreflightCheck[],
): Promise<MailboxSurvey['quota']> {
	if (!capabilities.quota) {
		checks.push({ step: 'quota', status: 'skipped', detail: 'the server does not offer QUOTA' });
		return null;
	}
	const reply = await client.getQuota('INBOX');
	if (!reply || !reply.storage) {
		checks.push({ step: 'quota', status: 'failed', detail: 'GETQUOTA gave no storage quota' });
		return null;
	}
	const quota = { usedBytes: reply.storage.usage ?? null, limitBytes: reply.storage.limit ?? null };
	checks.push({
		step: 'quota',
		status: 'passed',
		detail: `${quota.usedBytes ?? '?'} of ${quota.limitBytes ?? 'unlimited'} bytes used`,
	});
	return quota;
}

export interface ThroughputAssumption {
	messagesPerSecond: number;
	megabytesPerSecond: number;
}

export interface PreflightReport {
	mailbox: string;
	/** `notReady`: the Graph target mailbox is not provisioned yet; nothing is wrong, run the pre-flight again later. */
	status: 'ok' | 'warning' | 'notReady';
	source: MailboxSurvey;
	target: MailboxSurvey | GraphMailboxSurvey;
	warnings: string[];
	estimate: { seconds: number; basis: string };
}

/** Rough duration: whichever of message rate and byte rate binds, as migrations are bound by one or the other. */
export function estimateDuration(
	totals: { messages: number; bytes: number },
	rate: ThroughputAssumption,
): { seconds: number; basis: string } {
	const byMessages = totals.messages / rate.messagesPerSecond;
	const byBytes = totals.bytes / (rate.megabytesPerSecond * 1_000_000);
	return {
		seconds: Math.ceil(Math.max(byMessages, byBytes)),
		basis: `${totals.messages} messages at ${rate.messagesPerSecond} msg/s or ${(totals.bytes / 1e6).toFixed(1)} MB at ${rate.megabytesPerSecond} MB/s, whichever is slower`,
	};
}

function warningsFor(source: MailboxSurvey, target: MailboxSurvey): string[] {
	const warnings: string[] = [];
	const limit = target.capabilities.appendLimit;
	if (limit && source.largestMessage && source.largestMessage.bytes > limit) {
		warnings.push(
			`the largest source message (${source.largestMessage.bytes} bytes in ${source.largestMessage.folder}) exceeds the target's APPENDLIMIT of ${limit} bytes`,
		);
	}
	if (target.quota?.limitBytes != null) {
		const free = target.quota.limitBytes - (target.quota.usedBytes ?? 0);
		if (source.totals.bytes > free) {
			warnings.push(
				`the source holds ${source.totals.bytes} bytes but the target quota leaves ${free} bytes free`,
			);
		}
	}
	if (!target.capabilities.uidplus) {
		warnings.push(
			'the target lacks UIDPLUS: copied items cannot be tied to target UIDs, and resume probes are slower',
		);
	}
	if (target.totals.messages > 0) {
		warnings.push(
			`the target already holds ${target.totals.messages} messages; they are left alone and matched, not duplicated`,
		);
	}
	return warnings;
}

/** Checks both sides of one mailbox before migrating it; throws MailboxUnreachableError naming the failing side. */
export async function runPreflight(
	source: ImapEndpoint,
	target: TargetStoreOptions,
	rate: ThroughputAssumption,
): Promise<PreflightReport> {
	const [sourceSurvey, targetSurvey] = await Promise.all([
		surveyMailbox(source, 'source', { withSizes: true }),
		target.kind === 'graph'
			? surveyGraphMailbox(target)
			: surveyMailbox(target.endpoint, 'target', { withSizes: true }),
	]);
	const warnings =
		targetSurvey.kind === 'graph'
			? graphWarnings(sourceSurvey, targetSurvey)
			: warningsFor(sourceSurvey, targetSurvey);
	const ready = targetSurvey.kind !== 'graph' || targetSurvey.ready;
	return {
		mailbox: source.login.mailbox,
		status: !ready ? 'notReady' : warnings.length ? 'warning' : 'ok',
		source: sourceSurvey,
		target: targetSurvey,
		warnings,
		estimate: estimateDuration(sourceSurvey.totals, rate),
	};
}
