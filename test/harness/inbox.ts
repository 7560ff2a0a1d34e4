/** What reached a Dovecot user's INBOX, read over IMAP, for tests that deliver mail through Postfix. */
import type { FetchMessageObject, FetchQueryObject } from 'imapflow';

import type { DovecotServer } from './dovecot';
import { imapClient } from './imap-fixtures';

const DELIVERY_DEADLINE_MS = 30_000;

/** What `query` fetches of every INBOX message, in arrival order. */
async function fetchInbox(
	server: DovecotServer,
	user: string,
	password: string,
	query: FetchQueryObject,
): Promise<FetchMessageObject[]> {
	const client = await imapClient(server, user, password);
	try {
		const lock = await client.getMailboxLock('INBOX');
		try {
			if ((client.mailbox && client.mailbox.exists) === 0) return [];
			return await client.fetchAll('1:*', query);
		} finally {
			lock.release();
		}
	} finally {
		await client.logout();
	}
}

/** Subjects of INBOX, in arrival order. */
export async function inboxSubjects(
	server: DovecotServer,
	user: string,
	password: string,
): Promise<string[]> {
	const messages = await fetchInbox(server, user, password, { envelope: true });
	return messages.map((message) => message.envelope?.subject ?? '');
}

/** Polls INBOX until the subject is there (delivery is asynchronous), failing at a generous deadline. */
export async function arrives(
	server: DovecotServer,
	user: string,
	password: string,
	subject: string,
): Promise<void> {
	const deadline = Date.now() + DELIVERY_DEADLINE_MS;
	while (!(await inboxSubjects(server, user, password)).includes(subject)) {
		if (Date.now() > deadline)
			throw new Error(
				`"${subject}" did not reach ${server.name}/${user} within ${DELIVERY_DEADLINE_MS} ms`,
			);
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
}

/** Every message of INBOX as it arrived (raw RFC 5322), in arrival order. */
export async function inboxMessages(
	server: DovecotServer,
	user: string,
	password: string,
): Promise<Buffer[]> {
	const messages = await fetchInbox(server, user, password, { source: true });
	return messages.flatMap((message) => (message.source ? [message.source] : []));
}

/** Polls INBOX until it holds `count` messages (delivery is asynchronous), failing at `deadlineMs`. */
export async function inboxReaches(
	server: DovecotServer,
	user: string,
	password: string,
	count: number,
	deadlineMs = DELIVERY_DEADLINE_MS,
): Promise<Buffer[]> {
	const deadline = Date.now() + deadlineMs;
	for (;;) {
		const messages = await inboxMessages(server, user, password);
		if (messages.length >= count) return messages;
		if (Date.now() > deadline)
			throw new Error(
				`${server.name}/${user} holds ${messages.length} messages, not ${count}, after ${deadlineMs} ms`,
			);
		await new Promise((resolve) => setTimeout(resolve, 200));
	}
}
