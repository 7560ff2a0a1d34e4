import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const ESLINT = path.join(ROOT, 'node_modules', '.bin', 'eslint');

/** Every TypeScript file below a folder, relative to the repository root. */
function sources(folder: string): string[] {
	return fs
		.readdirSync(path.join(ROOT, folder), { recursive: true, encoding: 'utf8' })
		.filter((file) => file.endsWith('.ts'))
		.map((file) => path.join(folder, file));
}

describe('nodes/lib is the n8n-free library', () => {
	it('has a lint rule that refuses n8n imports in each of its folders, and only there', () => {
		const folders = fs
			.readdirSync(path.join(ROOT, 'nodes/lib'), { withFileTypes: true })
			.filter((entry) => entry.isDirectory())
			.map((entry) => entry.name);
		expect(folders.length).toBeGreaterThanOrEqual(6);
		const ruleFor = (file: string) => {
			const config = JSON.parse(
				execFileSync(ESLINT, ['--print-config', file], { cwd: ROOT, encoding: 'utf8' }),
			) as { rules: Record<string, unknown> };
			return JSON.stringify(config.rules['no-restricted-imports'] ?? null);
		};
		for (const folder of folders) {
			const file = sources(path.join('nodes/lib', folder))[0];
			expect({ file, rule: ruleFor(file) }).toEqual({
				file,
				rule: expect.stringMatching(/^\[2,.*"n8n-workflow"/),
			});
		}
		expect(ruleFor('nodes/MigrateMailbox/MigrateMailbox.node.ts')).not.toContain('n8n-workflow');
	});

	it('imports nothing from n8n or from the nodes above it', () => {
		for (const file of sources('nodes/lib')) {
			const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
			const imports = [...text.matchAll(/from '([^']+)'|import\('([^']+)'\)/g)].map(
				(match) => match[1] ?? match[2],
			);
			const offending = imports.filter(
				(name) =>
					/^(n8n-|@n8n\/)/.test(name) ||
					(name.startsWith('.') &&
						!path.resolve(ROOT, path.dirname(file), name).startsWith(path.join(ROOT, 'nodes/lib'))),
			);
			expect({ file, offending }).toEqual({ file, offending: [] });
		}
	});
});
