/** The steps after each folder has its target: entries, merges, missing parents, order and actions. */
import {
	assignActions,
	compareTargets,
	orderParentsFirst,
} from '../../../../nodes/lib/folders/plan/creationOrder';
import {
	carriesMessages,
	folderEntry,
	isContainer,
	parentEntry,
	skipReasonOf,
} from '../../../../nodes/lib/folders/plan/entries';
import { markMerged } from '../../../../nodes/lib/folders/plan/merges';
import { resolveOptions } from '../../../../nodes/lib/folders/plan/options';
import { addMissingParents, ancestorsNeeded } from '../../../../nodes/lib/folders/plan/parents';
import type { ListedSource } from '../../../../nodes/lib/folders/plan/sourceTree';
import { indexTarget } from '../../../../nodes/lib/folders/plan/targetIndex';
import type {
	FolderPlanEntry,
	FolderPlanOptions,
	ListedFolder,
} from '../../../../nodes/lib/folders/plan/types';

const target = (folders: ListedFolder[] = [], caseInsensitive = false) =>
	indexTarget({ personalPrefix: '', delimiter: '/', folders }, caseInsensitive, []);

function listed(
	path: string,
	folder: Partial<ListedFolder> = {},
	extra: Partial<ListedSource> = {},
): ListedSource {
	const segments = path.split('/');
	return {
		folder: { raw: path, ...folder },
		node: { segments, path, role: null, roleSource: null },
		...extra,
	};
}

/** A folder entry for `sourcePath` sent to `targetPath`. */
function entry(
	sourcePath: string,
	targetPath = sourcePath,
	folder: Partial<ListedFolder> = {},
	options: FolderPlanOptions = {},
	index = target(),
): FolderPlanEntry {
	const choice = { segments: targetPath.split('/'), automapped: false, renamed: [] };
	return folderEntry(listed(sourcePath, folder), choice, index, resolveOptions(options, '/'));
}

const noselect = { flags: ['\\Noselect'] };

describe('plan entries', () => {
	it('skips a repeated row first, then by filter, then a flagged view', () => {
		const options = resolveOptions({ exclude: ['All Mail'] }, '/');
		const view = listed('All Mail', {}, {});
		view.node.role = 'all';
		view.node.roleSource = 'flag';
		expect(skipReasonOf(view, options)).toBe("excluded by pattern 'All Mail'");
		expect(skipReasonOf(view, resolveOptions({}, '/'))).toMatch(/^virtual \\All folder/);
		expect(skipReasonOf(listed('All Mail', {}, { duplicateOf: 'x' }), options)).toBe(
			"the same folder as 'x', listed twice",
		);
		expect(skipReasonOf(listed('Projects'), options)).toBeNull();
	});

	it('gives a repeated row no role and carries the decoding warning', () => {
		const repeated = listed('Sent', {}, { duplicateOf: 'Sent', warning: 'odd name' });
		repeated.node.role = 'sent';
		repeated.node.roleSource = 'flag';
		const choice = { segments: ['Sent'], automapped: false, renamed: ['a', 'b'] };
		expect(folderEntry(repeated, choice, target(), resolveOptions({}, '/'))).toMatchObject({
			specialUse: null,
			specialUseSource: null,
			action: 'skip',
			renamed: 'a; b',
			warning: 'odd name',
		});
	});

	it('warns when a migrated folder lands in a \\Noselect target folder, and only then', () => {
		const index = target([{ raw: 'Box', flags: ['\\Noselect'] }]);
		expect(entry('Box', 'Box', {}, {}, index).warning).toBe(
			'the target folder exists but cannot hold messages (\\Noselect)',
		);
		expect(entry('Box', 'Box', {}, { exclude: ['Box'] }, index).warning).toBeUndefined();
		expect(entry('Box', 'Box', noselect, {}, index).warning).toBeUndefined();
	});

	it('tells message carriers from containers', () => {
		expect(carriesMessages(entry('a'))).toBe(true);
		expect(isContainer(entry('a', 'a', noselect))).toBe(true);
		expect(carriesMessages(entry('a', 'a', noselect))).toBe(false);
		expect(isContainer(entry('a', 'a', noselect, { exclude: ['a'] }))).toBe(false);
		expect(isContainer(parentEntry(['a'], target()))).toBe(false);
		expect(carriesMessages(parentEntry(['a'], target()))).toBe(false);
	});
});

describe('merged folders', () => {
	it('flags message carriers that share a target key, each naming the others', () => {
		const entries = [
			entry('Sent', 'Sent'),
			entry('Gesendet', 'sent'),
			entry('Box', 'Sent', noselect),
			entry('a'),
		];
		markMerged(entries, target([], true).key);
		expect(entries.map((e) => [e.merged, e.mergedWith])).toEqual([
			[true, ['Gesendet']],
			[true, ['Sent']],
			[false, undefined],
			[false, undefined],
		]);
	});
});

describe('missing parents', () => {
	it('lists the ancestors of message carriers, first met first, last spelling kept', () => {
		const needed = ancestorsNeeded(
			[entry('x', 'A/b/c'), entry('y', 'a/d'), entry('z', 'Q/r', noselect)],
			target([], true).key,
		);
		expect([...needed]).toEqual([
			['a', ['a']],
			['a/b', ['A', 'b']],
		]);
	});

	it('adds a parent entry for ancestors nothing else provides', () => {
		const index = target([{ raw: 'Have' }]);
		const entries = [
			entry('1', 'Have/x'),
			entry('2', 'Carried/x'),
			entry('3', 'Carried'),
			entry('4', 'Box/x'),
			entry('5', 'Box', noselect),
			entry('6', 'New/Deeper/x'),
		];
		addMissingParents(entries, index);
		expect(entries.filter((e) => e.kind === 'parent').map((e) => e.targetPath)).toEqual([
			'New',
			'New/Deeper',
		]);
	});
});

describe('creation order and actions', () => {
	it('orders INBOX first, then segment by segment', () => {
		const sorted = [['b'], ['a', 'b'], ['INBOX', 'z'], ['a'], ['INBOX'], ['B']].sort(
			compareTargets,
		);
		expect(sorted).toEqual([['INBOX'], ['INBOX', 'z'], ['B'], ['a'], ['a', 'b'], ['b']]);
	});

	it('puts the message carrier before a container and a parent for the same target', () => {
		const index = target();
		const entries = [
			parentEntry(['a'], index),
			entry('Box', 'a', noselect),
			entry('b', 'a/b'),
			entry('a'),
		];
		orderParentsFirst(entries);
		expect(entries.map((e) => [e.kind, e.sourcePath, e.targetPath])).toEqual([
			['folder', 'a', 'a'],
			['folder', 'Box', 'a'],
			['parent', null, 'a'],
			['folder', 'b', 'a/b'],
		]);
	});

	it('creates each missing folder once and finds it there afterwards', () => {
		const index = target([{ raw: 'Have' }]);
		const entries = [
			entry('Have'),
			entry('x', 'New'),
			entry('y', 'New'),
			parentEntry(['P'], index),
		];
		assignActions(entries, index);
		expect(entries.map((e) => e.action)).toEqual(['exists', 'create', 'exists', 'create']);
	});

	it('creates a container only when a migrated folder lies inside it, and otherwise skips it with that reason', () => {
		const index = target([{ raw: 'There' }]);
		const entries = [
			entry('Box', 'Box', noselect),
			entry('Box/x'),
			entry('Empty', 'Empty', noselect),
			entry('There', 'There', noselect),
		];
		assignActions(entries, index);
		expect(entries.map((e) => [e.action, e.skipReason])).toEqual([
			['create', undefined],
			['create', undefined],
			['skip', 'cannot hold messages (\\Noselect) and no migrated folder lies inside it'],
			['exists', undefined],
		]);
	});
});
