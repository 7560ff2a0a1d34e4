import {
	canonicalPath,
	displayPath,
	parseCanonicalPath,
} from '../../../nodes/lib/folders/canonicalPath';

describe('canonical folder paths', () => {
	const cases: [string[], string][] = [
		[['INBOX'], 'INBOX'],
		[['Kunden', 'Müller GmbH'], 'Kunden/Müller GmbH'],
		[['a/b'], 'a\\/b'],
		[['a/b', 'c'], 'a\\/b/c'],
		[['back\\slash'], 'back\\\\slash'],
		[['a.b', '日本語', '📧'], 'a.b/日本語/📧'],
		[['ends with \\'], 'ends with \\\\'],
		[[''], ''],
		[['', ''], '/'],
	];

	it.each(cases)('%j <-> %j', (segments, path) => {
		expect(canonicalPath(segments)).toBe(path);
		expect(parseCanonicalPath(path)).toEqual(segments);
	});

	it('keeps a slash inside a name distinct from hierarchy', () => {
		expect(canonicalPath(['a/b'])).not.toBe(canonicalPath(['a', 'b']));
		expect(canonicalPath(['a\\', 'b'])).not.toBe(canonicalPath(['a\\/b']));
	});

	it('rejects an empty segment list and stray backslashes', () => {
		expect(() => canonicalPath([])).toThrow(/at least one segment/);
		expect(() => parseCanonicalPath('a\\b')).toThrow(/stray '\\' at offset 1/);
		expect(() => parseCanonicalPath('trailing\\')).toThrow(/stray/);
	});

	it('shows a path as people read it: names joined with /, a backslash once', () => {
		expect(displayPath(canonicalPath(['Kunden\\Alt']))).toBe('Kunden\\Alt');
		expect(displayPath(canonicalPath(['Projekte', 'C:\\Daten']))).toBe('Projekte/C:\\Daten');
		expect(displayPath(canonicalPath(['Archiv', '2020']))).toBe('Archiv/2020');
		expect(displayPath(canonicalPath(['a/b']))).toBe('a/b');
	});
});
