import { resolveOptions } from '../../../../nodes/lib/folders/plan/options';
import { readSourceTree } from '../../../../nodes/lib/folders/plan/sourceTree';
import { targetChooser } from '../../../../nodes/lib/folders/plan/targetChoice';
import { indexTarget } from '../../../../nodes/lib/folders/plan/targetIndex';
import type { FolderPlanOptions, ListedFolder } from '../../../../nodes/lib/folders/plan/types';

/** A Dovecot-to-Dovecot chooser; `choose(path)` gives the choice for a source node by canonical path. */
function chooser(
	source: ListedFolder[],
	options: FolderPlanOptions = {},
	target: ListedFolder[] = [],
) {
	const layout = (folders: ListedFolder[]) => ({ personalPrefix: '', delimiter: '/', folders });
	const tree = readSourceTree(layout(source), [], []);
	const choose = targetChooser(
		tree,
		indexTarget(layout(target), false, []),
		resolveOptions(options, '/'),
	);
	return (path: string) => choose(tree.nodes.get(path)!);
}

describe('choosing the target of a source folder', () => {
	it('puts a folder under its parent’s choice with its own name', () => {
		const choose = chooser([{ raw: 'Sent', flags: ['\\Sent'] }, { raw: 'Sent/2019' }], {}, [
			{ raw: 'Gesendet', flags: ['\\Sent'] },
		]);
		expect(choose('Sent/2019')).toEqual({
			segments: ['Gesendet', '2019'],
			automapped: false,
			renamed: [],
		});
		expect(choose('Sent')).toEqual({ segments: ['Gesendet'], automapped: true, renamed: [] });
	});

	it('lets a rule that changes the path win over the role', () => {
		const choose = chooser([{ raw: 'Sent', flags: ['\\Sent'] }], {
			renameRules: [{ from: '^Sent$', to: 'Old Sent' }],
		});
		expect(choose('Sent')).toEqual({
			segments: ['Old Sent'],
			automapped: false,
			renamed: ["renamed by rule 1 to 'Old Sent'"],
		});
	});

	it('maps by role only with automapping on and only for mapped roles', () => {
		const off = chooser([{ raw: 'Gesendet', flags: ['\\Sent'] }], { specialUseAutomap: false });
		expect(off('Gesendet')).toMatchObject({ segments: ['Gesendet'], automapped: false });
		const view = chooser([{ raw: 'All Mail', flags: ['\\All'] }]);
		expect(view('All Mail')).toMatchObject({ segments: ['All Mail'], automapped: false });
	});

	it('hands an unlisted parent’s reasons to its children, and not a listed one’s', () => {
		const rules = { renameRules: [{ from: '^Projekte$', to: 'Projects' }] };
		expect(chooser([{ raw: 'Projekte/2024' }], rules)('Projekte/2024')).toEqual({
			segments: ['Projects', '2024'],
			automapped: false,
			renamed: ["renamed by rule 1 to 'Projects'"],
		});
		const listed = chooser([{ raw: 'Projekte' }, { raw: 'Projekte/2024' }], rules);
		expect(listed('Projekte/2024').renamed).toEqual([]);
	});

	it('gives reasons in step order: destination, INBOX placement, then holdable names', () => {
		const choose = chooser([{ raw: 'INBOX/x' }], {
			inboxSubfolders: 'moveToRoot',
			renameRules: [{ from: 'x', to: 'y\u0001' }],
		});
		expect(choose('INBOX/x')).toEqual({
			segments: ['y_'],
			automapped: false,
			renamed: [
				"renamed by rule 1 to 'INBOX/y\u0001'",
				'moved from INBOX to the top level',
				'control characters in "y\\u0001" replaced by \'_\'',
			],
		});
	});

	it('chooses each node once, however often it is asked', () => {
		const choose = chooser([{ raw: 'a/b' }, { raw: 'a/c' }]);
		expect(choose('a')).toBe(choose('a'));
		expect(choose('a/b')).toBe(choose('a/b'));
	});
});
