/** UID SEARCH: the UIDs matching raw search criteria. */
import type { CommandPart } from '../commandEncoding';
import type { ImapConnection } from '../ImapConnection';

export async function uidSearch(
	connection: ImapConnection,
	criteria: string | CommandPart[],
): Promise<number[]> {
	const parts = typeof criteria === 'string' ? [criteria] : criteria;
	let claimed = false;
	const result = await connection.command('UID SEARCH', ['UID SEARCH ', ...parts], {
		claims: (response) => {
			if (response.type !== 'SEARCH' || claimed) return false;
			claimed = true;
			return true;
		},
	});
	return (result.untagged[0]?.values ?? [])
		.filter((value) => typeof value === 'string' && /^\d+$/.test(value))
		.map((value) => Number(value));
}
