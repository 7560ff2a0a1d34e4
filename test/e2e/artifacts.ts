/**
 * Where browser tests keep what a person looks at afterwards (screenshots): `$MM_ARTIFACTS_DIR` when set (CI points
 * it at the folder it uploads), else `<repo>/.artifacts/` (gitignored). Each suite has its own folder, emptied when
 * the suite starts, so what is there is from the last run and nothing older.
 */
import fs from 'node:fs';
import path from 'node:path';

/** test/e2e/ under jest, .build/test/e2e/ when compiled for the demo and the tools. */
const COMPILED = path.basename(path.resolve(__dirname, '..', '..')) === '.build';
const REPO_ROOT = path.resolve(__dirname, COMPILED ? '../../..' : '../..');

export function artifactsRoot(): string {
	return process.env.MM_ARTIFACTS_DIR || path.join(REPO_ROOT, '.artifacts');
}

/** `<artifacts>/screenshots/<suite>/`, empty. */
export function freshScreenshotFolder(suite: string): string {
	const folder = path.join(artifactsRoot(), 'screenshots', suite);
	fs.rmSync(folder, { recursive: true, force: true });
	fs.mkdirSync(folder, { recursive: true });
	return folder;
}
