/**
 * The one way to get a LedgerStore. Options are tagged by kind so the PostgreSQL store (for n8n queue mode, where
 * workers on several hosts share one ledger) can be added without touching the engine.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

import { unknownKindError } from '../optionKinds';
import { SqliteLedgerStore, type SqliteDurability } from './sqlite/sqliteLedgerStore';
import type { LedgerStore } from './types';

export interface SqliteLedgerOptions {
	kind: 'sqlite';
	/** A file path (`~/` is the home folder), or `:memory:` for a throwaway ledger. */
	path: string;
	/** `processCrash` (default) survives kill -9 of the process; `powerLoss` also survives power loss, at one fsync per write. */
	durability?: SqliteDurability;
	/** How long to wait for another process holding the file's write lock (default 10 s). */
	busyTimeoutMs?: number;
}

export interface PostgresLedgerOptions {
	kind: 'postgres';
	connectionString: string;
}

export type LedgerOptions = SqliteLedgerOptions | PostgresLedgerOptions;

const DEFAULT_BUSY_TIMEOUT_MS = 10_000;

/**
 * `<n8n folder>/mailbox-migration/ledger.sqlite`, where the n8n folder is `<N8N_USER_FOLDER or home>/.n8n`, as n8n
 * itself resolves it, so the ledger lives (and is backed up) beside n8n's own data.
 */
export function defaultLedgerPath(n8nUserFolder?: string): string {
	const userFolder = n8nUserFolder || process.env.N8N_USER_FOLDER || homedir();
	return join(userFolder, '.n8n', 'mailbox-migration', 'ledger.sqlite');
}

/**
 * The file a SQLite ledger path names: `~` or `~/...` is the home folder (people type it into the node, and no shell
 * expands it for them), a relative path is taken from the working folder; `:memory:` stays as it is.
 */
export function resolveLedgerPath(path: string): string {
	if (path === ':memory:') return path;
	if (path === '~' || path.startsWith('~/')) return join(homedir(), path.slice(1));
	return resolve(path);
}

/**
 * The ledger holds mail metadata (folder names, Message-IDs): its file and SQLite's -wal and -shm beside it are
 * readable by their owner only, whatever the umask. SQLite gives the -wal and -shm it creates the mode of the main
 * file; files left by an older version are tightened here.
 */
function makeLedgerFilePrivate(file: string): void {
	mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
	closeSync(openSync(file, 'a', 0o600));
	for (const companion of [file, `${file}-wal`, `${file}-shm`]) {
		if (existsSync(companion)) chmodSync(companion, 0o600);
	}
}

async function loadSqlite(): Promise<typeof import('node:sqlite')> {
	try {
		// Loaded on first use so the package still loads (with a clear error here) on a Node without node:sqlite.
		// Node 22.13-23.x print an ExperimentalWarning for it once per process; Node 24 does not.
		return await import('node:sqlite');
	} catch (error) {
		throw new Error(
			`The SQLite ledger needs Node.js 22.13 or newer (node:sqlite); this process runs Node.js ${process.version}`,
			{ cause: error },
		);
	}
}

export async function openLedger(options: LedgerOptions): Promise<LedgerStore> {
	switch (options.kind) {
		case 'sqlite': {
			if (!options.path) throw new Error('Ledger: a file path is required for the SQLite ledger');
			const { DatabaseSync } = await loadSqlite();
			const file = resolveLedgerPath(options.path);
			if (file !== ':memory:') makeLedgerFilePrivate(file);
			const db = new DatabaseSync(file);
			try {
				return new SqliteLedgerStore(db, {
					durability: options.durability ?? 'processCrash',
					busyTimeoutMs: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS,
				});
			} catch (error) {
				db.close();
				throw error;
			}
		}
		case 'postgres':
			// Never echo the connection string: it usually carries a password.
			throw new Error('Ledger: the PostgreSQL ledger is not available yet; use kind "sqlite"');
		default:
			throw unknownKindError('Ledger', options, ['sqlite']);
	}
}
