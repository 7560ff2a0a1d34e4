import {
	compileFilter,
	compilePattern,
	filteredOutReason,
} from '../../../../nodes/lib/folders/plan/folderFilter';
import { FolderPlanOptionError } from '../../../../nodes/lib/folders/plan/types';

describe('include/exclude patterns', () => {
	it('reads * as anything, across levels, and % as anything within one level', () => {
		const star = compilePattern('Archive/*', 'include');
		expect(star.matches('Archive/2019')).toBe(true);
		expect(star.matches('Archive/2019/Q1')).toBe(true);
		expect(star.matches('Archive')).toBe(false);
		const percent = compilePattern('Archive/%', 'include');
		expect(percent.matches('Archive/2019')).toBe(true);
		expect(percent.matches('Archive/2019/Q1')).toBe(false);
	});

	it('lets % span a slash escaped inside one name', () => {
		expect(compilePattern('%', 'include').matches('a\\/b')).toBe(true);
		expect(compilePattern('%', 'include').matches('a/b')).toBe(false);
	});

	it('takes other characters literally and a leading INBOX in any case', () => {
		expect(compilePattern('a.b', 'include').matches('axb')).toBe(false);
		expect(compilePattern('a.b', 'include').matches('a.b')).toBe(true);
		expect(compilePattern('inbox/%', 'include').matches('INBOX/Rechnungen')).toBe(true);
		expect(compilePattern('Inbox', 'include').matches('INBOX')).toBe(true);
		expect(compilePattern('inboxes', 'include').matches('INBOXes')).toBe(false);
	});

	it('reads /…/flags as a regular expression and drops the stateful g and y flags', () => {
		const regex = compilePattern('/^spam$/gi', 'exclude');
		expect(regex.matches('Spam')).toBe(true);
		expect(regex.matches('SPAM')).toBe(true);
		expect(compilePattern('/^a/y', 'exclude').matches('ab')).toBe(true);
		expect(compilePattern('/^a/y', 'exclude').matches('ab')).toBe(true);
	});

	it('names the option and the pattern when a regular expression is bad', () => {
		expect(() => compilePattern('/(/', 'exclude')).toThrow(FolderPlanOptionError);
		expect(() => compilePattern('/(/', 'exclude')).toThrow(
			/^exclude pattern "\/\(\/" is not a valid regular expression/,
		);
	});

	it('compiles includes before excludes, so a bad include is the one reported', () => {
		expect(() => compileFilter(['/(/'], ['/[/'])).toThrow(/^include pattern/);
	});

	it('says why a path is filtered out: exclusion wins over inclusion; no includes means all', () => {
		const filter = compileFilter(['Projects/*'], ['Projects/old']);
		expect(filteredOutReason(filter, 'Projects/new')).toBeNull();
		expect(filteredOutReason(filter, 'Projects/old')).toBe("excluded by pattern 'Projects/old'");
		expect(filteredOutReason(filter, 'Other')).toBe('matched by no include pattern');
		expect(filteredOutReason(compileFilter(), 'Anything')).toBeNull();
		expect(filteredOutReason(compileFilter([], ['A']), 'A')).toBe("excluded by pattern 'A'");
	});
});
