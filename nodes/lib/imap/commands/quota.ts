/** GETQUOTAROOT (RFC 9208): the quota roots of a mailbox and each root's resources. */
import type { ImapConnection } from '../ImapConnection';
import { text } from '../responseValues';

export interface QuotaResource {
	name: string;
	usage: number;
	limit: number;
}

export interface QuotaRootInfo {
	roots: string[];
	quotas: { root: string; resources: QuotaResource[] }[];
}

export async function getQuotaRoot(
	connection: ImapConnection,
	name: string,
): Promise<QuotaRootInfo> {
	const result = await connection.command(
		'GETQUOTAROOT',
		['GETQUOTAROOT ', connection.mailboxArg(name)],
		{ claims: (response) => response.type === 'QUOTAROOT' || response.type === 'QUOTA' },
	);
	const info: QuotaRootInfo = { roots: [], quotas: [] };
	for (const response of result.untagged) {
		if (response.type === 'QUOTAROOT') {
			info.roots.push(...response.values.slice(1).map((value) => text(value)));
		} else {
			const list = response.values[1];
			const resources: QuotaResource[] = [];
			if (Array.isArray(list)) {
				for (let i = 0; i + 2 < list.length; i += 3) {
					resources.push({
						name: text(list[i]).toUpperCase(),
						usage: Number(text(list[i + 1])),
						limit: Number(text(list[i + 2])),
					});
				}
			}
			info.quotas.push({ root: text(response.values[0]), resources });
		}
	}
	return info;
}
