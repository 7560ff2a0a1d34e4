/**
 * UID FETCH, one message at a time as its response arrives (the hot read path of a migration): the parse made
 * to claim a response is handed to the consumer, and a consumer's pending promise pauses the socket.
 */
import { parseInternalDate, uidSetMatcher } from '../commandEncoding';
import type { ImapConnection } from '../ImapConnection';
import type { ImapResponse } from '../responseParser';
import { bytes, strings, text } from '../responseValues';

export interface FetchedMessage {
	seq: number;
	uid: number;
	flags?: string[];
	/** Verbatim INTERNALDATE string as the server sent it (keeps its zone offset: pass it to `append`). */
	internalDate?: string;
	/** The same instant as a Date. */
	internalDateParsed?: Date;
	size?: number;
	modseq?: string;
	/** The message's bytes; null when the server answered `BODY[] NIL`. */
	body?: Buffer | null;
	header?: Buffer;
}

/**
 * An item name as the client compares it: upper case, section quotes and repeated spaces gone, no `<origin>`.
 * Servers spell the same item differently (`BODY[]<0>` for `BODY[]`, `("Message-ID")` for `(MESSAGE-ID)`).
 */
function canonicalKey(key: string): string {
	const upper = key.toUpperCase();
	// The common spelling needs no rewriting: this runs for every item of every message.
	if (!/[<"]|\s\s|\[\s|\s\]/.test(upper)) return upper;
	return upper
		.replace(/"/g, '')
		.replace(/\s+/g, ' ')
		.replace(/\[\s+/g, '[')
		.replace(/\s+\]/g, ']')
		.replace(/\(\s+/g, '(')
		.replace(/\s+\)/g, ')')
		.replace(/<\d+(\.\d+)?>$/, '');
}

/** `BODY.PEEK[HEADER]<0.100>` as requested -> `BODY[HEADER]` as the answer is compared. */
function responseKeyOf(item: string): string {
	return canonicalKey(
		item.replace(/^BODY\.PEEK\[/i, 'BODY[').replace(/^BINARY\.PEEK\[/i, 'BINARY['),
	);
}

function fetchedMessage(
	response: ImapResponse,
): { message: FetchedMessage; keys: Set<string> } | null {
	const list = response.values[0];
	if (!Array.isArray(list)) return null;
	const keys = new Set<string>();
	const message: FetchedMessage = { seq: response.number ?? 0, uid: 0 };
	for (let i = 0; i + 1 < list.length; i += 2) {
		const key = canonicalKey(text(list[i]));
		const value = list[i + 1];
		keys.add(key);
		if (key === 'UID') message.uid = Number(text(value));
		else if (key === 'FLAGS') message.flags = strings(value);
		else if (key === 'INTERNALDATE') {
			message.internalDate = text(value);
			message.internalDateParsed = parseInternalDate(message.internalDate);
		} else if (key === 'RFC822.SIZE') message.size = Number(text(value));
		else if (key === 'MODSEQ') message.modseq = Array.isArray(value) ? text(value[0]) : text(value);
		else if (key === 'BODY[]' || key === 'RFC822' || key === 'BINARY[]')
			message.body = bytes(value) ?? null;
		else if (/^BODY\[HEADER/.test(key) || key === 'RFC822.HEADER')
			message.header = bytes(value) ?? Buffer.alloc(0);
	}
	return message.uid > 0 ? { message, keys } : null;
}

/**
 * `UID FETCH set (items)`, calling `onMessage` for each message as its response arrives. Only responses
 * carrying every asked item are passed (unsolicited flag updates are not).
 */
export async function uidFetch(
	connection: ImapConnection,
	set: string,
	items: readonly string[],
	onMessage: (message: FetchedMessage) => unknown,
	options: { changedSince?: string },
): Promise<void> {
	const asked = items.some((item) => item.toUpperCase() === 'UID') ? [...items] : ['UID', ...items];
	const required = asked.map(responseKeyOf);
	const inSet = uidSetMatcher(set);
	let callbackError: unknown;
	// claims() parses the response; onUntagged() gets the same response right after, so the parse is handed over.
	let claimed: { response: ImapResponse; message: FetchedMessage } | null = null;
	const modifier = options.changedSince ? ` (CHANGEDSINCE ${options.changedSince})` : '';
	await connection.command('UID FETCH', [`UID FETCH ${set} (${asked.join(' ')})${modifier}`], {
		claims: (response) => {
			claimed = null;
			if (response.type !== 'FETCH') return false;
			const parsed = fetchedMessage(response);
			if (
				parsed === null ||
				!inSet(parsed.message.uid) ||
				!required.every((key) => parsed.keys.has(key))
			)
				return false;
			claimed = { response, message: parsed.message };
			return true;
		},
		onUntagged: (response) => {
			const handed: { response: ImapResponse; message: FetchedMessage } | null = claimed;
			claimed = null;
			const message =
				handed !== null && handed.response === response
					? handed.message
					: fetchedMessage(response)?.message;
			if (!message || callbackError !== undefined) return undefined;
			try {
				const busy = onMessage(message);
				if (busy instanceof Promise) {
					return busy.then(
						() => undefined,
						(error: unknown) => {
							callbackError ??= error;
						},
					);
				}
			} catch (error) {
				callbackError = error;
			}
			return undefined;
		},
	});
	if (callbackError !== undefined) throw callbackError;
}
