import { EqualityFilter } from 'ldapts';

import {
	routingSubjectOf,
	routingValuesOf,
	templateValuesOf,
	type RoutingParameters,
} from '../../../nodes/SetRouting/actions/routingParameters';
import { ldapSettingsFromCredential } from '../../../nodes/common/ldapCredentials';

const base: RoutingParameters = {
	migrationId: 'm',
	user: ' alice@example.test ',
	wave: ' wave-1 ',
	entryLookup: 'search',
	dnTemplate: '',
	baseDn: 'ou=people,dc=example,dc=test',
	filterTemplate: '(mail={user})',
	templateValues: [],
	routingAttributes: [{ name: 'mailHost', value: 'new.mail.test' }],
};

describe('Set Routing parameters → routing subject', () => {
	it('maps a search item: trimmed user and wave, filter from the template with the user escaped', () => {
		const subject = routingSubjectOf({ ...base, user: '*)(uid=*' });
		expect(subject).toMatchObject({
			migrationId: 'm',
			user: '*)(uid=*',
			wave: 'wave-1',
			attributes: { mailHost: ['new.mail.test'] },
		});
		expect(subject.locator).toEqual({
			base: 'ou=people,dc=example,dc=test',
			filter: new EqualityFilter({ attribute: 'mail', value: '*)(uid=*' }),
		});
		expect(routingSubjectOf(base).user).toBe('alice@example.test');
		expect(routingSubjectOf({ ...base, wave: '' }).wave).toBeNull();
	});

	it('maps a DN item with Template Values, each escaped', () => {
		const subject = routingSubjectOf({
			...base,
			entryLookup: 'dn',
			dnTemplate: 'uid={uid},ou=people,dc=example,dc=test',
			templateValues: [{ name: 'uid', value: 'cn=x,dc=evil' }],
		});
		expect(subject.locator).toEqual({ dn: 'uid=cn\\=x\\,dc\\=evil,ou=people,dc=example,dc=test' });
	});

	it('groups repeated attributes into several values; empty values remove the attribute', () => {
		expect(
			routingValuesOf([
				{ name: 'mailRoutingAddress', value: 'a@x' },
				{ name: ' mailroutingaddress ', value: 'b@x' },
				{ name: 'mailRoutingAddress', value: 'a@x' },
				{ name: 'mailHost', value: '' },
			]),
		).toEqual({ mailRoutingAddress: ['a@x', 'b@x'], mailHost: [] });
	});

	it('refuses what cannot be right, naming it', () => {
		expect(() => routingSubjectOf({ ...base, user: '  ' })).toThrow('User is empty');
		expect(() => routingValuesOf([])).toThrow('Routing Attributes names no attribute');
		expect(() => routingValuesOf([{ name: 'mail host', value: 'x' }])).toThrow(
			'"mail host" is not an LDAP attribute name',
		);
		expect(() => templateValuesOf('u', [{ name: 'user', value: 'x' }])).toThrow(
			'Template Values set {user} twice',
		);
		expect(() => routingSubjectOf({ ...base, baseDn: ' ' })).toThrow('Base DN is empty');
		expect(() => routingSubjectOf({ ...base, filterTemplate: '(mail={email})' })).toThrow(
			/uses \{email\}, which has no value \(known: user\)/,
		);
	});
});

describe('LDAP Directory credential → LdapSettings', () => {
	it('maps every field, and drops TLS settings when security is none', () => {
		const data = {
			url: ' ldaps://ldap.example.com:636 ',
			connectionSecurity: 'ldaps',
			trustedCaPem: '-----BEGIN CERTIFICATE-----',
			ignoreTlsIssues: true,
			bindDN: ' cn=admin,dc=example,dc=com ',
			bindPassword: ' secret ',
			connectTimeoutMs: 5000,
			timeoutMs: 0,
		};
		expect(ldapSettingsFromCredential(data)).toEqual({
			url: 'ldaps://ldap.example.com:636',
			bindDn: 'cn=admin,dc=example,dc=com',
			password: ' secret ',
			security: 'ldaps',
			caPem: '-----BEGIN CERTIFICATE-----',
			allowUnauthorizedCerts: true,
			connectTimeoutMs: 5000,
			timeoutMs: undefined,
		});
		expect(ldapSettingsFromCredential({ ...data, connectionSecurity: 'none' })).toMatchObject({
			security: 'none',
			caPem: undefined,
			allowUnauthorizedCerts: false,
		});
	});
});
