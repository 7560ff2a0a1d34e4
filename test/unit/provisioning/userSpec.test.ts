import {
	checkedUserSpec,
	ProvisioningInputError,
	type Microsoft365UserSpec,
} from '../../../nodes/lib/provisioning/microsoft365/userSpec';

const spec = (overrides: Partial<Microsoft365UserSpec> = {}): Microsoft365UserSpec => ({
	userPrincipalName: ' anna.schmidt@contoso.com ',
	displayName: ' Anna Schmidt ',
	mailNickname: '',
	usageLocation: 'de',
	givenName: '',
	surname: null,
	signIn: { kind: 'password', length: 16 },
	skuPartNumber: ' enterprisepack ',
	...overrides,
});

describe('a Microsoft 365 user from the roster', () => {
	it('is trimmed, its alias the mail nickname, its country and SKU in upper case', () => {
		expect(checkedUserSpec(spec())).toEqual({
			userPrincipalName: 'anna.schmidt@contoso.com',
			displayName: 'Anna Schmidt',
			mailNickname: 'anna.schmidt',
			usageLocation: 'DE',
			givenName: null,
			surname: null,
			signIn: { kind: 'password', length: 16 },
			skuPartNumber: 'ENTERPRISEPACK',
		});
	});

	it.each([
		[{ userPrincipalName: '' }, /no user principal name/],
		[{ userPrincipalName: 'anna' }, /is not alias@domain/],
		[{ userPrincipalName: 'jürgen@contoso.com' }, /is not alias@domain/],
		[{ userPrincipalName: 'a b@contoso.com' }, /is not alias@domain/],
		[{ userPrincipalName: 'anna@contoso' }, /is not a domain name/],
		[{ displayName: ' ' }, /no display name/],
		[{ mailNickname: 'anna schmidt' }, /mail nickname/],
		[{ usageLocation: 'Germany' }, /two-letter country code/],
		[{ signIn: { kind: 'immutableId', immutableId: ' ' } }, /no immutable ID/],
	] as [Partial<Microsoft365UserSpec>, RegExp][])('refuses %j', (overrides, message) => {
		expect(() => checkedUserSpec(spec(overrides))).toThrow(ProvisioningInputError);
		expect(() => checkedUserSpec(spec(overrides))).toThrow(message);
	});
});
