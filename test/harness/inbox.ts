/** What reached a Dovecot user's INBOX, read over IMAP, for tests that deliver mail through Postfix. */
import type { DovecotServer } from './dovecot';
import { imapClient } from './imap-fixtures';

const DELIVERY_DEADLINE_MS = 30_000;

/** Subjects of INBOX, in arrival order. */
export async function inboxSubjects(
	server: DovecotServer,
	user: string,
	password: string,
): Promise<string[]> {
	const client = await imapClient(server, user, password);
	try {
		const lock = await client.getMailboxLock('INBOX');
		try {
			const subjects: string[] = [];
			if ((client.mailbox && client.mailbox.exists) === 0) return subjects;
			for await (const message of client.fetch('1:*', { envelope: true }))
				subjects.push(message.envelope?.subject ?? '');
			return subjects;
		} finally {
			lock.release();
		}
	} finally {
		await client.logout();
	}
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
