import {
	LdapEntryInputError,
	ldapEntrySpecOf,
	type LdapEntryInput,
} from '../../../nodes/lib/provisioning/ldap/entrySpec';
import {
	correctionOf,
	newEntryAttributes,
	rdnOf,
} from '../../../nodes/lib/provisioning/ldap/entryChanges';
import { attributeNamedBy } from '../../../nodes/lib/provisioning/ldap/schemaRefusals';
import { LdapTemplateError } from '../../../nodes/lib/ldap';

const input = (overrides: Partial<LdapEntryInput> = {}): LdapEntryInput => ({
	login: ' anna ',
	dnTemplate: 'uid={uid},ou=people,dc=example,dc=test',
	objectClasses: 'inetOrgPerson, inetLocalMailRecipient,inetOrgPerson',
	attributes: [
		{ name: 'uid', value: 'anna' },
		{ name: 'cn', value: 'Anna Schmidt' },
		{ name: 'mailLocalAddress', value: ['a@example.test', 'b@example.test'] },
		{ name: 'MAILLOCALADDRESS', value: 'a@example.test' },
		{ name: 'mailHost', value: '' },
		{ name: 'employeeNumber', value: 42 },
	],
	searchBase: '',
	filterTemplate: '',
	emptyValues: undefined,
	passwordSource: 'generate',
	password: '',
	passwordLength: undefined,
	passwordStorage: 'ssha',
	resetPassword: false,
	...overrides,
});

describe('LDAP entry parameters → spec', () => {
	it('maps the parameters: DN filled and escaped, classes deduplicated, values merged by attribute name', () => {
		const spec = ldapEntrySpecOf(input());
		expect(spec).toMatchObject({
			login: 'anna',
			dn: 'uid=anna,ou=people,dc=example,dc=test',
			search: null,
			objectClasses: ['inetOrgPerson', 'inetLocalMailRecipient'],
			attributes: {
				uid: ['anna'],
				cn: ['Anna Schmidt'],
				mailLocalAddress: ['a@example.test', 'b@example.test'],
				mailHost: [],
				employeeNumber: ['42'],
			},
			emptyValues: 'leave',
			password: { kind: 'generate', length: 16 },
			passwordStorage: 'ssha',
			resetPassword: false,
		});
		expect(newEntryAttributes(spec)).not.toHaveProperty('mailHost');
	});

	it('fills the search from attributes and {login}, escaped', () => {
		const spec = ldapEntrySpecOf(
			input({
				attributes: [
					{ name: 'uid', value: '*)(uid=*' },
					{ name: 'mail', value: 'a@x' },
				],
				searchBase: 'ou=people,dc=example,dc=test',
				filterTemplate: '(|(mail={MAIL})(uid={login}))',
			}),
		);
		expect(spec.dn).toBe('uid=*)(uid\\=*,ou=people,dc=example,dc=test');
		expect(spec.search?.filter.toString()).toBe('(|(mail=a@x)(uid=anna))');
	});

	it.each([
		[{ login: '  ' }, /Login is empty/],
		[{ dnTemplate: '' }, /DN Template is empty/],
		[{ objectClasses: ' , ' }, /Object Classes names none/],
		[{ objectClasses: 'top; evil' }, /not an object class name/],
		[{ attributes: [{ name: 'userPassword', value: 'x' }] }, /Password fields/],
		[{ attributes: [{ name: 'objectClass', value: 'x' }] }, /Object Classes/],
		[{ attributes: [{ name: 'cn=x', value: 'x' }] }, /not an LDAP attribute name/],
		[{ searchBase: 'dc=x', filterTemplate: '' }, /Filter Template is empty/],
		[{ passwordSource: 'given', password: '' }, /Password is empty/],
		[{ passwordLength: 8 }, /Password Length must be 12 to 128/],
		[{ passwordStorage: 'md5' }, /password storage "md5"/],
		[{ emptyValues: 'drop' }, /Empty Values/],
	])('refuses %j', (overrides, message) => {
		expect(() => ldapEntrySpecOf(input(overrides as Partial<LdapEntryInput>))).toThrow(
			LdapEntryInputError,
		);
		expect(() => ldapEntrySpecOf(input(overrides as Partial<LdapEntryInput>))).toThrow(message);
	});

	it('refuses a template placeholder without a value, or naming a multi-valued attribute', () => {
		expect(() => ldapEntrySpecOf(input({ dnTemplate: 'uid={nope},dc=x' }))).toThrow(
			LdapTemplateError,
		);
		expect(() => ldapEntrySpecOf(input({ dnTemplate: 'mail={mailLocalAddress},dc=x' }))).toThrow(
			/has 2 values: a template needs one/,
		);
	});

	it('takes a given password and the Password Modify storage', () => {
		expect(
			ldapEntrySpecOf(
				input({ passwordSource: 'given', password: 'pw', passwordStorage: 'passwordModify' }),
			),
		).toMatchObject({
			password: { kind: 'given', password: 'pw' },
			passwordStorage: 'passwordModify',
		});
	});
});

describe('LDAP entry corrections', () => {
	const entry = {
		dn: 'uid=anna,ou=people,dc=example,dc=test',
		attributes: {
			objectclass: ['top', 'InetOrgPerson'],
			uid: ['anna'],
			cn: ['Anna (old)'],
			mailLocalAddress: ['b@example.test', 'a@example.test'],
			mailHost: ['old.example.test'],
		},
	};

	it('adds missing object classes first, replaces differing values, leaves equal sets and empty attributes alone', () => {
		const correction = correctionOf(entry, ldapEntrySpecOf(input()));
		expect(correction.ldapChanges).toEqual([
			{ operation: 'add', attribute: 'objectClass', values: ['inetLocalMailRecipient'] },
			{ operation: 'replace', attribute: 'cn', values: ['Anna Schmidt'] },
			{ operation: 'replace', attribute: 'employeeNumber', values: ['42'] },
		]);
		expect(correction.changes).toEqual([
			{
				field: 'objectClass',
				before: 'top, InetOrgPerson',
				after: 'top, InetOrgPerson, inetLocalMailRecipient',
				beforeValues: ['top', 'InetOrgPerson'],
				afterValues: ['top', 'InetOrgPerson', 'inetLocalMailRecipient'],
			},
			{ field: 'cn', before: 'Anna (old)', after: 'Anna Schmidt' },
			{ field: 'employeeNumber', before: null, after: '42' },
		]);
	});

	it('compares values of case-ignoring attributes (uid, mail, cn …) ignoring case, others exactly', () => {
		const spec = ldapEntrySpecOf(
			input({
				attributes: [
					{ name: 'uid', value: 'ANNA' },
					{ name: 'cn', value: 'anna (OLD)' },
					{ name: 'mailLocalAddress', value: ['A@Example.Test', 'b@example.test'] },
					{ name: 'mailHost', value: 'OLD.example.test' },
				],
				objectClasses: 'inetOrgPerson',
			}),
		);
		expect(correctionOf(entry, spec)).toEqual({ ldapChanges: [], changes: [] });
		const exact = correctionOf(
			{
				dn: entry.dn,
				attributes: { objectClass: ['inetOrgPerson'], homeDirectory: ['/Home/anna'] },
			},
			ldapEntrySpecOf(
				input({
					dnTemplate: 'uid={login},ou=people,dc=example,dc=test',
					attributes: [{ name: 'homeDirectory', value: '/home/anna' }],
					objectClasses: 'inetOrgPerson',
				}),
			),
		);
		expect(exact.ldapChanges).toEqual([
			{ operation: 'replace', attribute: 'homeDirectory', values: ['/home/anna'] },
		]);
	});

	it('keeps the RDN value of a naming attribute: the values of the spec are added beside it, others removed', () => {
		const named = {
			dn: 'cn=Alice Smith\\2C Jr.+uid=alice,ou=people,dc=example,dc=test',
			attributes: {
				objectClass: ['inetOrgPerson'],
				cn: ['Alice Smith, Jr.', 'A. Smith'],
				uid: ['alice'],
			},
		};
		const correction = correctionOf(
			named,
			ldapEntrySpecOf(
				input({
					login: 'alice',
					dnTemplate: 'uid={uid},ou=people,dc=example,dc=test',
					attributes: [
						{ name: 'cn', value: 'Alice M. Smith' },
						{ name: 'uid', value: 'Alice' },
					],
					objectClasses: 'inetOrgPerson',
				}),
			),
		);
		expect(correction.ldapChanges).toEqual([
			{ operation: 'delete', attribute: 'cn', values: ['A. Smith'] },
			{ operation: 'add', attribute: 'cn', values: ['Alice M. Smith'] },
		]);
		expect(correction.changes).toEqual([
			{
				field: 'cn',
				before: 'Alice Smith, Jr., A. Smith',
				after: 'Alice Smith, Jr., Alice M. Smith',
				beforeValues: ['Alice Smith, Jr.', 'A. Smith'],
				afterValues: ['Alice Smith, Jr.', 'Alice M. Smith'],
			},
		]);
	});

	it.each([
		['uid=alice,ou=people,dc=x', [{ attribute: 'uid', value: 'alice' }]],
		[
			'cn=a\\2Cb\\+c+uid=x,dc=y',
			[
				{ attribute: 'cn', value: 'a,b+c' },
				{ attribute: 'uid', value: 'x' },
			],
		],
		['uid=J\\C3\\BCrgen,dc=x', [{ attribute: 'uid', value: 'Jürgen' }]],
		['uid=Jürgen', [{ attribute: 'uid', value: 'Jürgen' }]],
	])('reads the RDN of %s', (dn, pairs) => {
		expect(rdnOf(dn)).toEqual(pairs);
	});

	it('removes an attribute with only empty values when Empty Values is remove', () => {
		const correction = correctionOf(entry, ldapEntrySpecOf(input({ emptyValues: 'remove' })));
		expect(correction.ldapChanges).toContainEqual({
			operation: 'delete',
			attribute: 'mailHost',
			values: [],
		});
		expect(correction.changes).toContainEqual({
			field: 'mailHost',
			before: 'old.example.test',
			after: null,
		});
	});

	it('finds nothing to change in an entry as wanted', () => {
		const spec = ldapEntrySpecOf(input());
		const wanted = {
			dn: entry.dn,
			attributes: { objectClass: ['inetorgperson', 'INETLOCALMAILRECIPIENT'], ...spec.attributes },
		};
		expect(correctionOf(wanted, spec)).toEqual({ ldapChanges: [], changes: [] });
	});
});

describe("slapd's schema refusals name their attribute", () => {
	it.each([
		["object class 'inetOrgPerson' requires attribute 'sn'", 'sn'],
		["attribute 'mailHost' not allowed", 'mailHost'],
		[
			'127.0.0.1:389 (uid=x): mailHostname: attribute type undefined (undefinedAttributeType',
			'mailHostname',
		],
		['…: telephoneNumber: value #0 invalid per syntax (invalidAttributeSyntax', 'telephoneNumber'],
		["value of naming attribute 'uid' is not present in entry", 'uid'],
		['no structuralObjectClass operational attribute', null],
	])('%j → %j', (text, attribute) => {
		expect(attributeNamedBy(text)).toBe(attribute);
	});
});
