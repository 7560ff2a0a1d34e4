import { deleteLdif, entryLdif, ldifLine, parseLdif, replaceLdif } from '../../harness/ldif';

describe('LDIF for the slapd harness', () => {
	it('writes safe values as text and the rest as base64', () => {
		expect(ldifLine('cn', 'Alice Liddell')).toBe('cn: Alice Liddell');
		for (const unsafe of [' lead', ':colon', '<angle', 'trail ', 'Müller', 'a\nb', 'nul\0'])
			expect(ldifLine('cn', unsafe)).toBe(`cn:: ${Buffer.from(unsafe).toString('base64')}`);
	});

	it('reads back what it writes, with folded lines and several records', () => {
		const text = [
			entryLdif('uid=a,dc=x', { objectClass: ['top', 'person'], cn: 'Grüße', sn: 'a' }),
			entryLdif('uid=b,dc=x', { description: 'a long value that ldapsearch would fold' }).replace(
				'would ',
				'would\n  ',
			),
		].join('\n');
		expect(parseLdif(text)).toEqual([
			{
				dn: 'uid=a,dc=x',
				attributes: { objectClass: ['top', 'person'], cn: ['Grüße'], sn: ['a'] },
			},
			{
				dn: 'uid=b,dc=x',
				attributes: { description: ['a long value that ldapsearch would fold'] },
			},
		]);
		expect(parseLdif('')).toEqual([]);
	});

	it('writes replace and delete change records', () => {
		expect(replaceLdif('uid=a,dc=x', { mailHost: 'h', mailRoutingAddress: [] })).toBe(
			'dn: uid=a,dc=x\nchangetype: modify\nreplace: mailHost\nmailHost: h\n-\nreplace: mailRoutingAddress\n-\n',
		);
		expect(deleteLdif('uid=a,dc=x')).toBe('dn: uid=a,dc=x\nchangetype: delete\n');
	});
});
