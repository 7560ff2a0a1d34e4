/**
 * The mailbox's folder tree as the engine sees a target's: names joined by `/` (Graph has no hierarchy delimiter;
 * nesting is childFolders), the well-known folders (learn.microsoft.com/graph/api/resources/mailfolder, "Use well-known
 * folder names") flagged with their special use, the Inbox named INBOX as IMAP does. Folders are created by name under
 * their parent's id.
 */
import type { GraphClient } from '../../../graph/graphClient';
import { GraphRequestError } from '../../../graph/graphClient';
import type { StoreFolder } from '../../mailStore';

export const GRAPH_DELIMITER = '/';

/** Well-known folder name -> the special use the engine plans with; the Inbox is the IMAP INBOX. */
const WELL_KNOWN: Readonly<Record<string, string | null>> = {
	inbox: null,
	sentitems: '\\Sent',
	drafts: '\\Drafts',
	deleteditems: '\\Trash',
	junkemail: '\\Junk',
	archive: '\\Archive',
};

interface GraphFolder {
	id: string;
	displayName: string;
	childFolderCount?: number;
	totalItemCount?: number;
}

export interface ListedFolder {
	id: string;
	rawName: string;
	specialUse: string | null;
	hasChildren: boolean;
	/** totalItemCount when listed (pre-flight shows it); a folder this session created holds none. */
	messages: number;
}

const FOLDER_SELECT = '$select=id,displayName,childFolderCount,totalItemCount&$top=100';

export class GraphFolderTree {
	private byName = new Map<string, ListedFolder>();

	constructor(private readonly graph: GraphClient) {}

	/** Lists the whole tree again: top-level folders, then each one's children. */
	async refresh(): Promise<ListedFolder[]> {
		const special = new Map<string, string | null>();
		for (const [name, use] of Object.entries(WELL_KNOWN)) {
			try {
				const folder = await this.graph.get<GraphFolder>(`/mailFolders/${name}?$select=id`);
				special.set(folder.id, name === 'inbox' ? 'INBOX' : use);
			} catch (error) {
				// A mailbox without an archive folder (or another well-known one) answers 404 for it.
				if (!(error instanceof GraphRequestError) || error.status !== 404) throw error;
			}
		}
		const byName = new Map<string, ListedFolder>();
		const walk = async (path: string, parent: string | null) => {
			const folders = await this.graph.list<GraphFolder>(
				parent
					? `/mailFolders/${encodeURIComponent(parent)}/childFolders?${FOLDER_SELECT}`
					: `/mailFolders?${FOLDER_SELECT}`,
			);
			for (const folder of folders) {
				const role = special.get(folder.id);
				const name = role === 'INBOX' && !parent ? 'INBOX' : folder.displayName;
				const rawName = path ? `${path}${GRAPH_DELIMITER}${name}` : name;
				const listed: ListedFolder = {
					id: folder.id,
					rawName,
					specialUse: role === 'INBOX' ? null : (role ?? null),
					hasChildren: (folder.childFolderCount ?? 0) > 0,
					messages: folder.totalItemCount ?? 0,
				};
				byName.set(rawName, listed);
				if (listed.hasChildren) await walk(rawName, folder.id);
			}
		};
		await walk('', null);
		this.byName = byName;
		return [...byName.values()];
	}

	async storeFolders(): Promise<StoreFolder[]> {
		return (await this.refresh()).map((folder) => ({
			rawName: folder.rawName,
			delimiter: GRAPH_DELIMITER,
			attributes: [
				folder.hasChildren ? '\\HasChildren' : '\\HasNoChildren',
				...(folder.specialUse ? [folder.specialUse] : []),
			],
			specialUse: folder.specialUse,
			subscribed: true,
		}));
	}

	/** The folder's id; the tree is listed again once when the name is not known (created by another session). */
	async idOf(rawName: string): Promise<string> {
		let folder = this.byName.get(rawName);
		if (!folder) {
			await this.refresh();
			folder = this.byName.get(rawName);
		}
		if (!folder) throw new Error(`the target has no folder ${rawName}`);
		return folder.id;
	}

	/** Creates the folder under its parent (which the engine creates first); one that exists already is fine. */
	async create(rawName: string): Promise<void> {
		const cut = rawName.lastIndexOf(GRAPH_DELIMITER);
		const displayName = cut < 0 ? rawName : rawName.slice(cut + 1);
		const path =
			cut < 0
				? '/mailFolders'
				: `/mailFolders/${encodeURIComponent(await this.idOf(rawName.slice(0, cut)))}/childFolders`;
		try {
			const created = await this.graph.post<GraphFolder>(path, { displayName });
			this.byName.set(rawName, {
				id: created.id,
				rawName,
				specialUse: null,
				hasChildren: false,
				messages: 0,
			});
		} catch (error) {
			// Created meanwhile (another session, or a create whose answer was lost): find it by name.
			if (!(error instanceof GraphRequestError) || (error.status !== 409 && !error.transient))
				throw error;
			await this.idOf(rawName);
		}
	}
}
