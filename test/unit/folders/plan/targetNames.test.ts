import {
	checkSubstitute,
	makeNamesHoldable,
	placeInboxSubfolders,
	targetFieldsOf,
} from '../../../../nodes/lib/folders/plan/targetNames';
import { FolderPlanOptionError } from '../../../../nodes/lib/folders/plan/types';

describe('placing INBOX and its subfolders', () => {
	const plain = { prefixIsInbox: false, inboxHasNoChildren: false };
	const noInferiors = { prefixIsInbox: false, inboxHasNoChildren: true };
	const courierTarget = { prefixIsInbox: true, inboxHasNoChildren: false };

	it('spells INBOX as INBOX and leaves other folders alone', () => {
		expect(placeInboxSubfolders(['inbox'], 'moveToRoot', plain)).toEqual({
			segments: ['INBOX'],
			reasons: [],
		});
		expect(placeInboxSubfolders(['Inbox', 'a'], 'keep', noInferiors)).toEqual({
			segments: ['INBOX', 'a'],
			reasons: [],
		});
		expect(placeInboxSubfolders(['Sent', 'INBOX'], 'moveToRoot', plain)).toEqual({
			segments: ['Sent', 'INBOX'],
			reasons: [],
		});
	});

	it('auto keeps subfolders under INBOX unless the target INBOX cannot have children', () => {
		expect(placeInboxSubfolders(['INBOX', 'a'], 'auto', plain).segments).toEqual(['INBOX', 'a']);
		expect(placeInboxSubfolders(['INBOX', 'a'], 'auto', noInferiors)).toEqual({
			segments: ['a'],
			reasons: ["moved from INBOX to the top level: the target's INBOX cannot have subfolders"],
		});
	});

	it('moveToRoot lifts them and says so', () => {
		expect(placeInboxSubfolders(['INBOX', 'a', 'b'], 'moveToRoot', plain)).toEqual({
			segments: ['a', 'b'],
			reasons: ['moved from INBOX to the top level'],
		});
	});

	it('on an INBOX. target, lifts them silently: there the top level is inside INBOX', () => {
		expect(placeInboxSubfolders(['INBOX', 'a'], 'auto', courierTarget)).toEqual({
			segments: ['a'],
			reasons: [],
		});
		expect(placeInboxSubfolders(['INBOX', 'a'], 'keep', courierTarget).segments).toEqual([
			'INBOX',
			'a',
		]);
	});
});

describe('names the target can hold', () => {
	it('leaves holdable names as they are', () => {
		expect(makeNamesHoldable(['a', 'b.c'], '/', '_')).toEqual({
			segments: ['a', 'b.c'],
			reasons: [],
		});
	});

	it('replaces the target delimiter and control characters inside a name, each with its reason', () => {
		expect(makeNamesHoldable(['a.b\tc'], '.', '_')).toEqual({
			segments: ['a_b_c'],
			reasons: [
				"'a.b\tc' contains the target's hierarchy delimiter '.', replaced by '_'",
				'control characters in "a.b\\tc" replaced by \'_\'',
			],
		});
	});

	it('names an empty segment with the substitute', () => {
		expect(makeNamesHoldable(['a', ''], '/', '-')).toEqual({
			segments: ['a', '-'],
			reasons: ["an empty folder name became '-'"],
		});
	});

	it('flattens the hierarchy for a target without one', () => {
		expect(makeNamesHoldable(['a', 'b'], null, '_')).toEqual({
			segments: ['a_b'],
			reasons: ["the target has no folder hierarchy: 'a/b' flattened with '_'"],
		});
		expect(makeNamesHoldable(['a/b'], null, '_')).toEqual({ segments: ['a/b'], reasons: [] });
	});

	it('refuses a substitute that is empty, unprintable or holds the target delimiter', () => {
		expect(() => checkSubstitute('_', '.')).not.toThrow();
		expect(() => checkSubstitute('.', null)).not.toThrow();
		for (const bad of ['', '\u0007', 'a.b']) {
			expect(() => checkSubstitute(bad, '.')).toThrow(FolderPlanOptionError);
		}
		expect(() => checkSubstitute('/', '/')).toThrow(
			'delimiterSubstitute "/" must be non-empty, printable and free of the target delimiter "/"',
		);
	});
});

describe('the full target name', () => {
	it('puts the prefix and delimiter around the segments and encodes for the wire', () => {
		expect(
			targetFieldsOf(['Kunden', 'Müller'], { prefix: 'INBOX.', delimiter: '.', utf8: false }),
		).toEqual({
			targetSegments: ['Kunden', 'Müller'],
			targetPath: 'Kunden/Müller',
			targetName: 'INBOX.Kunden.Müller',
			targetRaw: 'INBOX.Kunden.M&APw-ller',
		});
		expect(targetFieldsOf(['Müller'], { prefix: '', delimiter: '/', utf8: true }).targetRaw).toBe(
			'Müller',
		);
	});

	it('names INBOX without the prefix', () => {
		expect(
			targetFieldsOf(['INBOX'], { prefix: 'INBOX.', delimiter: '.', utf8: false }).targetName,
		).toBe('INBOX');
	});
});
