/**
 * APPEND, the hot write path of a migration: a batch goes as ONE MULTIAPPEND (RFC 3502) when offered, else as
 * pipelined single APPENDs; UIDs come from APPENDUID (UIDPLUS, RFC 4315).
 */
import type { CommandPart } from '../commandEncoding';
import { expandUidSet, flagList, internalDateArg } from '../commandEncoding';
import type { CommandResult } from '../commandWriter';
import type { ImapConnection } from '../ImapConnection';
import { ImapAppendError, ImapError } from '../imapErrors';
import { text } from '../responseValues';

export interface AppendMessage {
	raw: Buffer;
	flags?: readonly string[];
	/** Server INTERNALDATE string (kept verbatim) or a Date. */
	internalDate?: string | Date;
}

export interface AppendedMessage {
	uid: number | null;
	uidValidity: number | null;
}

function appendUids(result: CommandResult, count: number): AppendedMessage[] {
	if (result.code === 'APPENDUID' && result.codeArgs && result.codeArgs.length >= 2) {
		const uidValidity = Number(text(result.codeArgs[0]));
		const uids = expandUidSet(text(result.codeArgs[1]));
		if (uids.length === count) return uids.map((uid) => ({ uid, uidValidity }));
	}
	return Array.from({ length: count }, () => ({ uid: null, uidValidity: null }));
}

/**
 * Appends messages to `name`. A MULTIAPPEND is all or nothing: a NO rejects the whole batch; single APPENDs
 * are answered one by one, and a failure of any rejects with that message's error after all have been answered.
 */
export async function append(
	connection: ImapConnection,
	name: string,
	messages: readonly AppendMessage[],
): Promise<AppendedMessage[]> {
	if (messages.length === 0) return [];
	const limit = connection.appendLimit;
	const tooBig = limit === null ? -1 : messages.findIndex((m) => m.raw.length > limit);
	if (tooBig >= 0) {
		const error = new ImapError(
			`IMAP: message ${tooBig + 1} (${messages[tooBig].raw.length} bytes) exceeds the APPENDLIMIT of ${connection.where} (${limit} bytes); nothing was sent`,
			{ kind: 'no', code: 'TOOBIG', command: 'APPEND' },
		);
		throw new ImapAppendError(
			error,
			messages.map(() => error),
		);
	}
	const mailbox = connection.mailboxArg(name);
	const pieces = messages.map((message) => {
		const date =
			message.internalDate === undefined ? '' : ` ${internalDateArg(message.internalDate)}`;
		return [` ${flagList(message.flags ?? [])}${date} `, message.raw] as CommandPart[];
	});
	if (messages.length > 1 && connection.has('MULTIAPPEND')) {
		try {
			const result = await connection.command('APPEND', ['APPEND ', mailbox, ...pieces.flat()]);
			return appendUids(result, messages.length);
		} catch (error) {
			if (!(error instanceof ImapError)) throw error;
			// RFC 3502: a refused MULTIAPPEND stores none of its messages.
			throw new ImapAppendError(
				error,
				messages.map(() => error),
			);
		}
	}
	const outcomes = await Promise.all(
		pieces.map((piece) =>
			connection.command('APPEND', ['APPEND ', mailbox, ...piece]).then(
				(result): AppendedMessage | ImapError => appendUids(result, 1)[0],
				(error: unknown): AppendedMessage | ImapError => {
					if (error instanceof ImapError) return error;
					throw error;
				},
			),
		),
	);
	const firstError = outcomes.find((outcome): outcome is ImapError => outcome instanceof ImapError);
	if (firstError) throw new ImapAppendError(firstError, outcomes);
	return outcomes as AppendedMessage[];
}
