/** Provision Target's parameters → the library's user spec, and outcomes → output items (no server needed). */
import type { IExecuteFunctions } from 'n8n-workflow';

import { userSpecOf } from '../../../nodes/ProvisionTarget/actions/microsoft365.operation';
import { outputOf } from '../../../nodes/ProvisionTarget/actions/provisioningOutput';
import { ProvisionTarget } from '../../../nodes/ProvisionTarget/ProvisionTarget.node';

const contextWith = (values: Record<string, unknown>) =>
	({
		getNodeParameter: (name: string, _item: number, fallback?: unknown) =>
			name in values ? values[name] : fallback,
	}) as unknown as IExecuteFunctions;

describe('Provision Target parameters', () => {
	it('map to a Microsoft 365 user spec, a generated password by default', () => {
		expect(
			userSpecOf(
				contextWith({
					userPrincipalName: 'anna@contoso.com',
					displayName: 'Anna',
					usageLocation: 'DE',
					skuPartNumber: 'ENTERPRISEPACK',
					additionalFields: { givenName: 'Anna', mailNickname: 'anna.s' },
					options: { passwordLength: 20 },
				}),
				0,
			),
		).toEqual({
			userPrincipalName: 'anna@contoso.com',
			displayName: 'Anna',
			usageLocation: 'DE',
			mailNickname: 'anna.s',
			givenName: 'Anna',
			surname: null,
			signIn: { kind: 'password', length: 20 },
			skuPartNumber: 'ENTERPRISEPACK',
		});
	});

	it('map a federated user to its immutable ID, and no SKU to no licence', () => {
		const spec = userSpecOf(
			contextWith({ signIn: 'immutableId', immutableId: 'AbC==', skuPartNumber: '' }),
			0,
		);
		expect(spec.signIn).toEqual({ kind: 'immutableId', immutableId: 'AbC==' });
		expect(spec.skuPartNumber).toBeNull();
	});

	it('offer Microsoft 365 and LDAP directories, each credential hidden only for the other directory', () => {
		const { description } = new ProvisionTarget();
		const directory = description.properties.find((property) => property.name === 'directory');
		expect(directory?.options).toEqual([
			expect.objectContaining({ value: 'microsoft365' }),
			expect.objectContaining({ value: 'ldap' }),
		]);
		expect(description.credentials?.[0]).toMatchObject({
			name: 'microsoft365App',
			required: true,
			displayOptions: { hide: { directory: ['ldap'] } },
		});
		expect(description.credentials?.[1]).toMatchObject({
			name: 'ldapDirectory',
			required: true,
			displayOptions: { hide: { directory: ['microsoft365'] } },
		});
	});
});

describe('Provision Target output', () => {
	it('carries status, changes and details, the password only when the run set one, paired to its item', () => {
		const base = {
			account: 'anna@contoso.com',
			changes: [{ field: 'licence', before: null, after: 'ENTERPRISEPACK' }],
			details: { userId: 'u1', mailboxReady: false },
		};
		expect(
			outputOf(
				{ ...base, status: 'provisioning', resumesAt: '2030-01-01T00:00:00.000Z', password: 'p' },
				3,
			),
		).toEqual({
			json: {
				account: 'anna@contoso.com',
				status: 'provisioning',
				changes: base.changes,
				resumesAt: '2030-01-01T00:00:00.000Z',
				userId: 'u1',
				mailboxReady: false,
				password: 'p',
			},
			pairedItem: { item: 3 },
		});
		expect(outputOf({ ...base, status: 'unchanged', changes: [] }, 0).json).not.toHaveProperty(
			'password',
		);
		expect(outputOf({ ...base, status: 'unchanged', changes: [] }, 0).json).not.toHaveProperty(
			'resumesAt',
		);
	});
});
