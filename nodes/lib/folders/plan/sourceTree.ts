/**
 * The source's personal folders as a tree of canonical paths: every listed folder, every ancestor it implies, and
 * the role each folder's SPECIAL-USE flag gives it. Folders of other namespaces are set aside as ignored.
 */
import { canonicalPath } from '../canonicalPath';
import { specialUseFromFlags, type SpecialUseRole } from '../specialUse';
import { locateListed, namespaceView } from './namespace';
import type { IgnoredFolder, ListedFolder, MailboxLayout } from './types';

/** A source folder or a missing ancestor of one, in the source hierarchy. */
export interface SourceNode {
	segments: string[];
	path: string;
	role: SpecialUseRole | null;
	roleSource: 'flag' | 'name' | null;
}

/** One personal LIST row of the source and its place in the tree. */
export interface ListedSource {
	folder: ListedFolder;
	node: SourceNode;
	/** Why the name is used as listed: it could not be decoded. */
	warning?: string;
	/** The raw name of an earlier row with the same canonical path; this row is then a repeat. */
	duplicateOf?: string;
}

export interface SourceTree {
	/** The personal rows in LIST order. */
	listed: ListedSource[];
	/** Every listed folder and every ancestor of one, by canonical path, in the order first met. */
	nodes: Map<string, SourceNode>;
	/** Canonical paths some row lists; the other nodes are ancestors the source did not list. */
	listedPaths: Set<string>;
}

/**
 * Reads the source's LIST rows into a tree. Undecodable names add a `source:` warning; rows outside the personal
 * namespace go to `ignored`. A repeated row carries no role, so the first row of a path decides it.
 */
export function readSourceTree(
	source: MailboxLayout,
	warnings: string[],
	ignored: IgnoredFolder[],
): SourceTree {
	const namespace = namespaceView(source);
	const tree: SourceTree = { listed: [], nodes: new Map(), listedPaths: new Set() };
	const firstRawByPath = new Map<string, string>();
	const addNode = (segments: string[]): SourceNode => {
		const path = canonicalPath(segments);
		let node = tree.nodes.get(path);
		if (!node) {
			node = { segments, path, role: null, roleSource: null };
			tree.nodes.set(path, node);
		}
		return node;
	};
	for (const folder of source.folders) {
		const location = locateListed(folder, source, namespace);
		if (location.warning) warnings.push(`source: ${location.warning}`);
		if (location.kind !== 'personal') {
			ignored.push({ sourceRaw: folder.raw, reason: location.reason });
			continue;
		}
		const path = canonicalPath(location.segments);
		const duplicateOf = firstRawByPath.get(path);
		if (duplicateOf === undefined) {
			firstRawByPath.set(path, folder.raw);
			tree.listedPaths.add(path);
		}
		for (let depth = 1; depth < location.segments.length; depth++)
			addNode(location.segments.slice(0, depth));
		const node = addNode(location.segments);
		const role = duplicateOf === undefined ? specialUseFromFlags(folder.flags ?? []) : null;
		if (role) {
			node.role = role;
			node.roleSource = 'flag';
		}
		tree.listed.push({ folder, node, warning: location.warning, duplicateOf });
	}
	return tree;
}
