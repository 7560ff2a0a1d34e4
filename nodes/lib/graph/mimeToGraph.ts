/**
 * One source message as a Graph creation plan: the JSON of `POST /users/{id}/mailFolders/{id}/messages` with every
 * property that can only be set at creation (non-draft, original dates, flags, source key) and the attachments that
 * fit in that request, plus the attachments to add after it. JSON, not MIME: a MIME upload always makes a draft
 * (microsoft-graph-docs-contrib #2790 #2786 #8631) and PidTagMessageFlags cannot change after the first save.
 *
 * Dates: PidTagMessageDeliveryTime (receivedDateTime) ← INTERNALDATE, when the message reached the source mailbox;
 * PidTagClientSubmitTime (sentDateTime) ← the Date header, when its author sent it. Each stands in for the other
 * when missing or unreadable; with neither, Exchange's own time is left.
 */
import { simpleParser, type ParsedMail } from 'mailparser';

import { parseImapDate } from '../migration/messageIdentity';
import { graphBody, referencedContentIds, type GraphItemBody } from './graphBody';
import {
	fileAttachmentJson,
	graphAttachments,
	REQUEST_BODY_LIMIT,
	splitAttachments,
	type GraphAttachment,
} from './graphAttachments';
import {
	fallbackBody,
	fallbackNotice,
	fallbackPath,
	originalAttachment,
	structuralFallback,
	type FallbackReason,
} from './graphFallback';
import { flagFields, flagProperties, graphFlagState } from './graphFlags';
import { transportHeadersProperty } from './graphHeaders';
import type { GraphMessageMeta, GraphMessagePlan } from './graphMessagePlan';
import {
	CLIENT_SUBMIT_TIME,
	MESSAGE_DELIVERY_TIME,
	SOURCE_KEY_PROPERTY_ID,
	systemTime,
	type ExtendedProperty,
} from './graphProperties';
import { graphMailbox, graphRecipients } from './graphRecipients';

/** cid: links stay (inline attachments render from them); no text↔HTML conversions, which would cost time only. */
const PARSER_OPTIONS = {
	keepCidLinks: true,
	skipHtmlToText: true,
	skipTextToHtml: true,
	skipTextLinks: true,
	skipImageLinks: true,
} as const;

/** FILETIME covers 1601 to 30828; Graph's DateTimeOffset needs a four-digit year. */
const EARLIEST = Date.UTC(1601, 0, 1);
const LATEST = Date.UTC(9999, 11, 31);

function usableTime(ms: number): number | null {
	return Number.isFinite(ms) && ms >= EARLIEST && ms <= LATEST ? ms : null;
}

/** The Date header as written (mailparser replaces an unreadable one with the current time). */
function dateHeaderTime(mail: ParsedMail | null): number | null {
	const line = mail?.headerLines.find((header) => header.key === 'date')?.line;
	if (!line) return null;
	const value = line.slice(line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ');
	return usableTime(Date.parse(value.trim()));
}

function dateProperties(mail: ParsedMail | null, internalDate: string): ExtendedProperty[] {
	const received = usableTime(parseImapDate(internalDate));
	const sent = dateHeaderTime(mail);
	const delivery = received ?? sent;
	const submit = sent ?? received;
	return [
		...(delivery !== null ? [{ id: MESSAGE_DELIVERY_TIME, value: systemTime(delivery) }] : []),
		...(submit !== null ? [{ id: CLIENT_SUBMIT_TIME, value: systemTime(submit) }] : []),
	];
}

/** RFC 5322 msg-id in angle brackets; anything else is left for Exchange to assign rather than risk a 400. */
function internetMessageId(mail: ParsedMail | null): string | null {
	const id = mail?.messageId?.trim();
	return id && /^<[^\s<>]+>$/.test(id) && id.length <= 995 ? id : null;
}

function importance(mail: ParsedMail | null): string | null {
	const priority = mail?.headers.get('priority');
	return priority === 'high' || priority === 'low' ? priority : null;
}

/** Everything but body and attachments: the same for a rebuilt message and a fallback. */
function envelopeFields(
	raw: Buffer,
	mail: ParsedMail | null,
	meta: GraphMessageMeta,
	sourceKey: string,
): Record<string, unknown> {
	const from = graphMailbox(mail?.from);
	const senderHeader = mail?.headers.get('sender');
	const sender =
		senderHeader && typeof senderHeader === 'object' && 'value' in senderHeader
			? graphMailbox(senderHeader as ParsedMail['from'])
			: null;
	const flags = graphFlagState(meta.flags);
	const recipientFields: [string, ReturnType<typeof graphRecipients>][] = [
		['toRecipients', graphRecipients(mail?.to)],
		['ccRecipients', graphRecipients(mail?.cc)],
		['bccRecipients', graphRecipients(mail?.bcc)],
		['replyTo', graphRecipients(mail?.replyTo)],
	];
	const headers = transportHeadersProperty(raw);
	const messageId = internetMessageId(mail);
	const level = importance(mail);
	return {
		subject: mail?.subject ?? '',
		...(from ? { from } : {}),
		...((sender ?? from) ? { sender: sender ?? from } : {}),
		...Object.fromEntries(recipientFields.filter(([, list]) => list.length > 0)),
		...(messageId ? { internetMessageId: messageId } : {}),
		...(level ? { importance: level } : {}),
		...flagFields(flags),
		singleValueExtendedProperties: [
			...flagProperties(flags),
			...dateProperties(mail, meta.internalDate),
			...(headers ? [headers] : []),
			{ id: SOURCE_KEY_PROPERTY_ID, value: sourceKey },
		],
	};
}

function jsonBytes(value: unknown): number {
	return Buffer.byteLength(JSON.stringify(value));
}

/** The plan for `body` and `attachments`, or null when the body alone does not fit in a request. */
function planWith(
	envelope: Record<string, unknown>,
	body: GraphItemBody,
	attachments: readonly GraphAttachment[],
): Omit<GraphMessagePlan, 'fallback'> | null {
	const base = { ...envelope, body };
	const baseBytes = jsonBytes(base);
	if (baseBytes > REQUEST_BODY_LIMIT) return null;
	const { inline, uploads } = splitAttachments(baseBytes, attachments);
	return {
		create: inline.length > 0 ? { ...base, attachments: inline.map(fileAttachmentJson) } : base,
		uploads,
	};
}

function fallbackPlan(
	reason: FallbackReason,
	raw: Buffer,
	mail: ParsedMail | null,
	envelope: Record<string, unknown>,
): GraphMessagePlan {
	const original = [originalAttachment(raw)];
	const readable = fallbackBody(reason, mail);
	// A readable body that does not fit gives way to the notice; the notice always fits.
	const plan =
		(readable ? planWith(envelope, readable, original) : null) ??
		planWith(envelope, fallbackNotice(reason), original);
	if (!plan) throw new Error('the fallback message does not fit in a Graph request');
	return { ...plan, fallback: { reason, path: fallbackPath(reason) } };
}

async function parsed(raw: Buffer): Promise<ParsedMail | null> {
	try {
		return await simpleParser(raw, PARSER_OPTIONS);
	} catch {
		return null;
	}
}

export async function planGraphMessage(
	raw: Buffer,
	meta: GraphMessageMeta,
	sourceKey: string,
): Promise<GraphMessagePlan> {
	const structural = structuralFallback(raw);
	const mail = await parsed(raw);
	const envelope = envelopeFields(raw, mail, meta, sourceKey);
	const reason = structural ?? (mail ? null : 'unparsable');
	if (reason || !mail) return fallbackPlan(reason ?? 'unparsable', raw, mail, envelope);
	const body = graphBody(mail);
	const plan = planWith(envelope, body, graphAttachments(mail, referencedContentIds(body)));
	return plan ? { ...plan, fallback: null } : fallbackPlan('body-too-large', raw, mail, envelope);
}
