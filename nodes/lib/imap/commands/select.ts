/** Opening and inspecting one mailbox: SELECT, EXAMINE (read-only) and STATUS. */
import type { ImapConnection } from '../ImapConnection';
import type { SelectedMailbox } from '../mailboxTracker';
import { text } from '../responseValues';

export interface MailboxStatus {
	messages?: number;
	uidNext?: number;
	uidValidity?: number;
	unseen?: number;
	/** Decimal string (64-bit). */
	highestModseq?: string;
	appendLimit?: number | null;
	/** Total size in bytes (STATUS=SIZE). */
	size?: number;
}

function sameMailbox(a: string, b: string): boolean {
	return a === b || (a.toUpperCase() === 'INBOX' && b.toUpperCase() === 'INBOX');
}

/** SELECT, or EXAMINE when `readOnly`. */
export async function openMailbox(
	connection: ImapConnection,
	name: string,
	readOnly: boolean,
): Promise<SelectedMailbox> {
	const verb = readOnly ? 'EXAMINE' : 'SELECT';
	// Settle earlier commands first: their untagged EXISTS/FLAGS must not count for the new mailbox.
	await connection.settled();
	connection.mailbox.begin();
	const result = await connection.command(verb, [`${verb} `, connection.mailboxArg(name)]);
	return connection.mailbox.opened(name, readOnly || result.code === 'READ-ONLY');
}

/** STATUS; by default messages, UIDNEXT, UIDVALIDITY, and HIGHESTMODSEQ and SIZE when offered. */
export async function status(
	connection: ImapConnection,
	name: string,
	items?: readonly string[],
): Promise<MailboxStatus> {
	const asked =
		items ??
		['MESSAGES', 'UIDNEXT', 'UIDVALIDITY'].concat(
			connection.has('CONDSTORE') ? ['HIGHESTMODSEQ'] : [],
			connection.has('STATUS=SIZE') ? ['SIZE'] : [],
		);
	let claimed = false;
	const result = await connection.command(
		'STATUS',
		['STATUS ', connection.mailboxArg(name), ` (${asked.join(' ')})`],
		{
			// The answer names its mailbox: pipelined STATUS commands may be answered in any order.
			claims: (response) => {
				if (response.type !== 'STATUS' || claimed) return false;
				if (!sameMailbox(text(response.values[0]), name)) return false;
				claimed = true;
				return true;
			},
		},
	);
	const values = result.untagged[0]?.values[1];
	const mailboxStatus: MailboxStatus = {};
	if (Array.isArray(values)) {
		for (let i = 0; i + 1 < values.length; i += 2) {
			const key = text(values[i]).toUpperCase();
			const value = text(values[i + 1]);
			if (key === 'MESSAGES') mailboxStatus.messages = Number(value);
			else if (key === 'UIDNEXT') mailboxStatus.uidNext = Number(value);
			else if (key === 'UIDVALIDITY') mailboxStatus.uidValidity = Number(value);
			else if (key === 'UNSEEN') mailboxStatus.unseen = Number(value);
			else if (key === 'HIGHESTMODSEQ') mailboxStatus.highestModseq = value;
			else if (key === 'APPENDLIMIT') mailboxStatus.appendLimit = value ? Number(value) : null;
			else if (key === 'SIZE') mailboxStatus.size = Number(value);
		}
	}
	return mailboxStatus;
}
