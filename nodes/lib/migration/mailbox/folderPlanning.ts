/** Which folders a mailbox run works on and where each goes, with the target's folders made ready for them. */
import type { MailTarget, StoreFolder, StoreNamespace } from '../mailStore';
import type { FolderRoute, MigrationMode } from '../types';
import type { SessionPair } from './sessionPairs';
import { MailboxSetupError } from './setupError';

export interface FolderListing {
	folders: StoreFolder[];
	namespace: StoreNamespace;
}

/** Decides where each source folder goes (see folders/FolderMapper); injected so rules stay outside the engine. */
export type FolderRouter = (source: FolderListing, target: FolderListing) => FolderRoute[];

export interface FolderPlan {
	/** Parents first, skipped ones included with their reason. */
	routes: FolderRoute[];
	/** Raw names of the target's folders: those listed, and those created for a Full or Delta run. */
	targetFolders: Set<string>;
}

/** Lists both sides and routes the folders; MailboxSetupError ('source') when either cannot be listed or prepared. */
export async function planFolders(
	pair: SessionPair,
	routeFolders: FolderRouter,
	mode: MigrationMode,
): Promise<FolderPlan> {
	try {
		const [sourceFolders, sourceNamespace, targetList, targetNamespace] = await Promise.all([
			pair.source.listFolders(),
			pair.source.namespace(),
			pair.target.listFolders(),
			pair.target.namespace(),
		]);
		const routes = routeFolders(
			{ folders: sourceFolders, namespace: sourceNamespace },
			{ folders: targetList, namespace: targetNamespace },
		);
		const targetFolders = new Set(targetList.map((folder) => folder.rawName));
		const subscribed = new Set(
			targetList.filter((folder) => folder.subscribed).map((folder) => folder.rawName),
		);
		if (mode === 'full' || mode === 'delta') {
			await prepareTargetFolders(pair.target, routes, targetFolders, subscribed);
		}
		return { routes, targetFolders };
	} catch (error) {
		throw new MailboxSetupError(`listing folders failed: ${(error as Error).message}`, 'source', {
			cause: error,
		});
	}
}

/** Creates what the target lacks, parents first (routes come parents first), and carries subscriptions over. */
async function prepareTargetFolders(
	target: MailTarget,
	routes: FolderRoute[],
	existing: Set<string>,
	subscribed: Set<string>,
): Promise<void> {
	for (const route of routes) {
		if (route.skipReason) continue;
		if (!existing.has(route.targetRaw)) {
			await target.createFolder(route.targetRaw);
			existing.add(route.targetRaw);
		}
		if (route.subscribe && !subscribed.has(route.targetRaw)) {
			await target.subscribe(route.targetRaw);
			subscribed.add(route.targetRaw);
		}
	}
}
