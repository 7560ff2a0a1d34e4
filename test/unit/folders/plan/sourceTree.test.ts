import { readSourceTree } from '../../../../nodes/lib/folders/plan/sourceTree';
import type { IgnoredFolder, ListedFolder } from '../../../../nodes/lib/folders/plan/types';

function read(folders: ListedFolder[], otherNamespacePrefixes: string[] = []) {
	const warnings: string[] = [];
	const ignored: IgnoredFolder[] = [];
	const tree = readSourceTree(
		{ personalPrefix: 'INBOX.', delimiter: '.', otherNamespacePrefixes, folders },
		warnings,
		ignored,
	);
	return { tree, warnings, ignored };
}

describe('reading the source tree', () => {
	it('adds every ancestor a listed folder implies, in the order first met', () => {
		const { tree } = read([{ raw: 'INBOX.a.b.c' }, { raw: 'INBOX.a' }]);
		expect([...tree.nodes.keys()]).toEqual(['a', 'a/b', 'a/b/c']);
		expect([...tree.listedPaths]).toEqual(['a/b/c', 'a']);
		expect(tree.listed.map((listed) => listed.node.path)).toEqual(['a/b/c', 'a']);
		expect(tree.listed[1].node).toBe(tree.nodes.get('a'));
	});

	it('reads the role from the SPECIAL-USE flag of the first row of a path only', () => {
		const { tree } = read([
			{ raw: 'INBOX.Sent', flags: ['\\HasNoChildren', '\\Sent'] },
			{ raw: 'inbox.Sent', flags: ['\\Trash'] },
		]);
		expect(tree.nodes.get('Sent')).toMatchObject({ role: 'sent', roleSource: 'flag' });
		expect(tree.listed.map((listed) => listed.duplicateOf)).toEqual([undefined, 'INBOX.Sent']);
	});

	it('sets aside folders of other namespaces and the namespace root', () => {
		const { tree, ignored } = read(
			[{ raw: 'INBOX' }, { raw: 'INBOX.' }, { raw: 'user.bob.Sent' }],
			['user.'],
		);
		expect(tree.listed.map((listed) => listed.node.path)).toEqual(['INBOX']);
		expect(ignored).toEqual([
			{ sourceRaw: 'INBOX.', reason: 'the personal namespace root itself' },
			{ sourceRaw: 'user.bob.Sent', reason: "in the namespace 'user.', not the personal one" },
		]);
	});

	it('warns, as source:, about names it cannot decode, and keeps the warning on the row', () => {
		const { tree, warnings } = read([{ raw: 'INBOX.&Zm9v' }]);
		expect(warnings).toEqual([expect.stringMatching(/^source: .*the name is used as listed$/)]);
		expect(tree.listed[0].warning).toBe(warnings[0].slice('source: '.length));
	});
});
