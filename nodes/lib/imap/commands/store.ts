/** UID STORE of flags, silently, optionally guarded by UNCHANGEDSINCE (CONDSTORE, RFC 7162). */
import { expandUidSet, flagList, uidSetMatcher } from '../commandEncoding';
import type { ImapConnection } from '../ImapConnection';
import type { ImapResponse } from '../responseParser';
import { text } from '../responseValues';

function fetchUidOf(response: ImapResponse): number {
	const list = response.values[0];
	if (!Array.isArray(list)) return -1;
	for (let i = 0; i + 1 < list.length; i += 2) {
		if (text(list[i]).toUpperCase() === 'UID') return Number(text(list[i + 1]));
	}
	return -1;
}

/**
 * Changes flags silently. With `unchangedSince` the server leaves messages changed since then alone and lists
 * them in `modified`.
 */
export async function uidStore(
	connection: ImapConnection,
	set: string,
	mode: '+FLAGS' | '-FLAGS' | 'FLAGS',
	flags: readonly string[],
	options: { unchangedSince?: string },
): Promise<{ modified: number[] }> {
	const inSet = uidSetMatcher(set);
	const modifier = options.unchangedSince ? ` (UNCHANGEDSINCE ${options.unchangedSince})` : '';
	const result = await connection.command(
		'UID STORE',
		[`UID STORE ${set}${modifier} ${mode}.SILENT ${flagList(flags)}`],
		// Servers may still echo FETCH for the stored messages; they belong to this command.
		{ claims: (response) => response.type === 'FETCH' && inSet(fetchUidOf(response)) },
	);
	const modified = result.code === 'MODIFIED' ? text(result.codeArgs?.[0]) : '';
	return { modified: modified ? expandUidSet(modified) : [] };
}
