import { AndFilter, EqualityFilter, SubstringFilter } from 'ldapts';

import {
	LdapTemplateError,
	dnFromTemplate,
	escapeDnValue,
	escapeFilterValue,
	filterFromTemplate,
	templatePlaceholders,
} from '../../../nodes/lib/ldap';

const PEOPLE = 'uid={{uid}},ou=people,dc=example,dc=test';

describe('DN templates: every value escaped as one RDN value (RFC 4514 section 2.4)', () => {
	it.each([
		['alice', 'alice'],
		['*)(uid=*', '*)(uid\\=*'],
		['admin)(|(objectClass=*', 'admin)(|(objectClass\\=*'],
		['cn=x,dc=evil', 'cn\\=x\\,dc\\=evil'],
		['a+b;c<d>e"f\\g', 'a\\+b\\;c\\<d\\>e\\"f\\\\g'],
		['#first', '\\#first'],
		['  padded ', '\\ \\ padded\\ '],
		['   ', '\\ \\ \\ '],
		['nul\0byte', 'nul\\00byte'],
		['Jürgen Müller-Łukasz 李', 'Jürgen Müller-Łukasz 李'],
	])('%j → %j', (value, escaped) => {
		expect(escapeDnValue(value)).toBe(escaped);
		expect(dnFromTemplate(PEOPLE, { uid: value })).toBe(
			`uid=${escaped},ou=people,dc=example,dc=test`,
		);
	});

	it('keeps a value in its own RDN: an escaped comma never starts another', () => {
		const dn = dnFromTemplate(PEOPLE, { uid: 'cn=x,dc=evil' });
		// Split on unescaped commas only: still four RDNs, the first holding the whole value.
		expect(dn.split(/(?<!\\),/)).toEqual([
			'uid=cn\\=x\\,dc\\=evil',
			'ou=people',
			'dc=example',
			'dc=test',
		]);
	});

	it('replaces every placeholder once and never reads placeholders inside values', () => {
		expect(
			dnFromTemplate('cn={{ first }} {{last}}+uid={{uid}},ou=people', {
				first: '{{last}}',
				last: 'Doe',
				uid: 'jd',
			}),
		).toBe('cn={{last}} Doe+uid=jd,ou=people');
		expect(templatePlaceholders('{{a}}{{ b }}{{a}}')).toEqual(['a', 'b']);
	});

	it('refuses unknown placeholders and empty values, naming them', () => {
		expect(() => dnFromTemplate(PEOPLE, { mail: 'x' })).toThrow(
			new LdapTemplateError('the DN template uses {{uid}}, which has no value (known: mail)'),
		);
		expect(() => dnFromTemplate(PEOPLE, { uid: '' })).toThrow(
			/value of \{\{uid\}\} in the DN is empty/,
		);
		expect(() => dnFromTemplate(PEOPLE, Object.create({ uid: 'inherited' }))).toThrow(/no value/);
	});
});

describe('filter templates: values escaped as assertion values (RFC 4515), parsed into filter objects', () => {
	const TEMPLATE = '(&(objectClass=inetOrgPerson)(mail={{mail}}))';

	function assertionOf(value: string): EqualityFilter {
		const filter = filterFromTemplate(TEMPLATE, { mail: value });
		expect(filter).toBeInstanceOf(AndFilter);
		const [objectClass, mail] = (filter as AndFilter).filters;
		expect(objectClass).toMatchObject({ attribute: 'objectClass', value: 'inetOrgPerson' });
		expect(mail).toBeInstanceOf(EqualityFilter);
		return mail as EqualityFilter;
	}

	it.each([
		'*)(uid=*',
		'admin)(|(objectClass=*',
		'cn=x,dc=evil',
		'nul\0byte',
		'Jürgen Müller 李',
		'  spaced  ',
		'#first',
		'back\\slash',
		'{{mail}}',
	])('%j stays one equality assertion holding exactly the value', (value) => {
		const mail = assertionOf(value);
		expect(mail.attribute).toBe('mail');
		expect(mail.value).toBe(value);
	});

	it('escapes * ( ) \\ and NUL, and nothing else', () => {
		expect(escapeFilterValue('*)(uid=*')).toBe('\\2a\\29\\28uid=\\2a');
		expect(escapeFilterValue('a\\b\0c')).toBe('a\\5cb\\00c');
		expect(escapeFilterValue('Müller')).toBe('Müller');
		expect(filterFromTemplate(TEMPLATE, { mail: '*)(uid=*' }).toString()).toBe(
			'(&(objectClass=inetOrgPerson)(mail=\\2a\\29\\28uid=\\2a))',
		);
	});

	it('keeps wildcards the template wrote, and only those', () => {
		const filter = filterFromTemplate('(mail={{local}}@*)', { local: 'a*b' });
		expect(filter).toBeInstanceOf(SubstringFilter);
		expect(filter).toMatchObject({ initial: 'a*b@', any: [], final: '' });
	});

	it('accepts a filter without its outer parentheses', () => {
		expect(filterFromTemplate('uid={{uid}}', { uid: 'bob' })).toMatchObject({
			attribute: 'uid',
			value: 'bob',
		});
	});

	it('names a template that is not a filter', () => {
		expect(() => filterFromTemplate('(&(uid={{uid}})', { uid: 'bob' })).toThrow(
			/the filter template "\(&\(uid=\{\{uid\}\}\)" is not a valid LDAP filter: a parenthesis is not closed/,
		);
		expect(() => filterFromTemplate('(uid={{uid}})(mail=x)', { uid: 'bob' })).toThrow(
			/do not enclose one filter/,
		);
		expect(() => filterFromTemplate('(uid={{uid}}))', { uid: 'bob' })).toThrow(
			/do not enclose one filter/,
		);
	});
});
