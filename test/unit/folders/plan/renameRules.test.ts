import { applyRenameRules, compileRules } from '../../../../nodes/lib/folders/plan/renameRules';
import { FolderPlanOptionError } from '../../../../nodes/lib/folders/plan/types';

describe('rename rules', () => {
	it('applies the rules in order, each to the previous output, and names the rules that changed it', () => {
		const rules = compileRules([
			{ from: '^Projekte', to: 'Projects' },
			{ from: '^Unrelated', to: 'X' },
			{ from: '^Projects/(\\d+)$', to: 'Archive/$1' },
		]);
		expect(applyRenameRules(rules, 'Projekte/2024')).toEqual({
			segments: ['Archive', '2024'],
			reason: "renamed by rule 1, rule 3 to 'Archive/2024'",
		});
	});

	it('gives null when no rule matches, or when later rules undo earlier ones', () => {
		expect(applyRenameRules(compileRules([{ from: '^A$', to: 'B' }]), 'C')).toBeNull();
		const undo = compileRules([
			{ from: '^A$', to: 'B' },
			{ from: '^B$', to: 'A' },
		]);
		expect(applyRenameRules(undo, 'A')).toBeNull();
	});

	it('reads an escaped slash in the replacement as part of one name', () => {
		const rules = compileRules([{ from: '-', to: '\\/', flags: 'g' }]);
		expect(applyRenameRules(rules, 'a-b/c')?.segments).toEqual(['a/b', 'c']);
	});

	it('refuses a rule that is not a regular expression, naming it by its position', () => {
		expect(() =>
			compileRules([
				{ from: 'ok', to: '' },
				{ from: '(', to: '' },
			]),
		).toThrow(/^rename rule 2 \("\("\) is not a valid regular expression/);
	});

	it('refuses a result that is empty or not a canonical path', () => {
		const empty = compileRules([{ from: '.*', to: '' }]);
		expect(() => applyRenameRules(empty, 'Old')).toThrow(FolderPlanOptionError);
		expect(() => applyRenameRules(empty, 'Old')).toThrow(
			'rename rules turn "Old" into an empty name',
		);
		const stray = compileRules([{ from: '^Old$', to: 'a\\b' }]);
		expect(() => applyRenameRules(stray, 'Old')).toThrow(
			/^rename rules turn "Old" into an invalid path: .*stray/,
		);
	});
});
