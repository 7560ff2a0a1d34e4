/**
 * UID SEARCH: the UIDs matching raw search criteria. With ESEARCH (RFC 4731) the server answers `RETURN (ALL)` as one
 * sequence set (`1:1000000`), not one atom per UID: a million-message folder costs a short line instead of a
 * megabytes-long one parsed into a million strings.
 */
import type { CommandPart } from '../commandEncoding';
import type { ImapConnection } from '../ImapConnection';
import type { ImapValue } from '../responseParser';

/** The UIDs of a sequence set such as `1:3,7,9:8`, each range ascending. */
export function uidsOfSequenceSet(set: string): number[] {
	const uids: number[] = [];
	for (const part of set.split(',')) {
		const [first, last = first] = part.split(':').map(Number);
		if (!Number.isInteger(first) || !Number.isInteger(last)) continue;
		for (let uid = Math.min(first, last); uid <= Math.max(first, last); uid++) uids.push(uid);
	}
	return uids;
}

/** The `ALL` sequence set of an ESEARCH response (`(TAG "A1") UID ALL 1:5`), or none when nothing matched. */
function esearchAll(values: readonly ImapValue[]): number[] {
	for (let index = 0; index < values.length - 1; index++) {
		const value = values[index];
		const next = values[index + 1];
		if (typeof value === 'string' && value.toUpperCase() === 'ALL' && typeof next === 'string')
			return uidsOfSequenceSet(next);
	}
	return [];
}

export async function uidSearch(
	connection: ImapConnection,
	criteria: string | CommandPart[],
): Promise<number[]> {
	const parts = typeof criteria === 'string' ? [criteria] : criteria;
	const extended = connection.has('ESEARCH');
	const answer = extended ? 'ESEARCH' : 'SEARCH';
	let claimed = false;
	const result = await connection.command(
		'UID SEARCH',
		[extended ? 'UID SEARCH RETURN (ALL) ' : 'UID SEARCH ', ...parts],
		{
			claims: (response) => {
				if (response.type !== answer || claimed) return false;
				claimed = true;
				return true;
			},
		},
	);
	const values = result.untagged[0]?.values ?? [];
	if (extended) return esearchAll(values);
	return values
		.filter((value) => typeof value === 'string' && /^\d+$/.test(value))
		.map((value) => Number(value));
}
