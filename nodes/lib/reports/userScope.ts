/**
 * Which mailboxes a report covers: the whole migration, or the users of the node's input (a wave template reports
 * only tonight's users). A user names a mailbox by its login (`alice@example.com`), or by its ledger or source
 * account (`alice@example.com@imap.example.com:993`), in any case.
 */
import type { LedgerStore } from '../ledger/types';
import type { MailboxOverview } from '../ledger/reporting';
import { loginOf, mailboxOf } from './mailboxRows';

export interface ScopedMailboxes {
	overviews: MailboxOverview[];
	/** The users asked for that match no mailbox of the ledger, in the order given. */
	unknownUsers: string[];
}

function namesOf(overview: MailboxOverview): string[] {
	return [mailboxOf(overview), overview.sourceAccount, overview.binding?.sourceAccount ?? ''].map(
		(name) => name.toLowerCase(),
	);
}

/** Every mailbox of the migration, or those of `users` (null: all), each once. */
export async function scopedMailboxes(
	ledger: LedgerStore,
	migrationId: string,
	users: readonly string[] | null,
): Promise<ScopedMailboxes> {
	const all = await ledger.listMailboxOverviews(migrationId);
	if (users === null) return { overviews: all, unknownUsers: [] };
	const byName = new Map<string, MailboxOverview[]>();
	for (const overview of all) {
		for (const name of new Set(namesOf(overview))) {
			if (!name) continue;
			byName.set(name, [...(byName.get(name) ?? []), overview]);
		}
	}
	const chosen = new Set<MailboxOverview>();
	const unknownUsers: string[] = [];
	for (const user of users) {
		const found = byName.get(user.trim().toLowerCase());
		if (found) for (const overview of found) chosen.add(overview);
		else if (!unknownUsers.includes(user.trim())) unknownUsers.push(user.trim());
	}
	return { overviews: all.filter((overview) => chosen.has(overview)), unknownUsers };
}

/**
 * The accounts a report reads (undefined: the whole migration, without asking the ledger for its mailboxes) and the
 * name each is shown under.
 */
export async function accountScope(
	ledger: LedgerStore,
	migrationId: string,
	users: readonly string[] | null,
): Promise<{ accounts: string[] | undefined; nameOf: (account: string) => string }> {
	if (users === null) return { accounts: undefined, nameOf: loginOf };
	const { overviews } = await scopedMailboxes(ledger, migrationId, users);
	const names = new Map(overviews.map((overview) => [overview.sourceAccount, mailboxOf(overview)]));
	return {
		accounts: overviews.map((overview) => overview.sourceAccount),
		nameOf: (account) => names.get(account) ?? loginOf(account),
	};
}
