import {
	LicencePool,
	LicenceUnitsError,
} from '../../../nodes/lib/provisioning/microsoft365/licencePool';
import { ProvisioningInputError } from '../../../nodes/lib/provisioning/microsoft365/userSpec';

const skus = [
	{ skuId: 'e3', skuPartNumber: 'ENTERPRISEPACK', enabled: 3, consumedUnits: 1 },
	{ skuId: 'bp', skuPartNumber: 'O365_BUSINESS_PREMIUM', enabled: 2, consumedUnits: 2 },
	{ skuId: 'e5', skuPartNumber: 'SPE_E5', enabled: 1, consumedUnits: 0 },
];

describe('the licence pool of one execution', () => {
	it('resolves part numbers case-insensitively and names the subscriptions for an unknown one', () => {
		const pool = new LicencePool(skus);
		expect(pool.resolve('enterprisepack').skuId).toBe('e3');
		expect(() => pool.resolve('NOPE')).toThrow(ProvisioningInputError);
		expect(() => pool.resolve('NOPE')).toThrow(
			'the tenant has no licence NOPE (its subscriptions: ENTERPRISEPACK, O365_BUSINESS_PREMIUM, SPE_E5)',
		);
	});

	it('counts enabled minus consumed minus what this execution assigned, and gives back a failed one', () => {
		const pool = new LicencePool(skus);
		const e3 = pool.resolve('ENTERPRISEPACK');
		expect(pool.free(e3)).toBe(2);
		pool.take(e3);
		pool.take(e3);
		expect(pool.free(e3)).toBe(0);
		expect(() => pool.take(e3)).toThrow(LicenceUnitsError);
		expect(() => pool.take(e3)).toThrow(
			'no ENTERPRISEPACK licence is free (3 enabled, 3 assigned); licences with free units: SPE_E5 (1 free)',
		);
		pool.release(e3);
		expect(pool.free(e3)).toBe(1);
	});

	it('says so when no licence has free units', () => {
		const pool = new LicencePool([skus[1]]);
		expect(() => pool.requireFree(pool.resolve('O365_BUSINESS_PREMIUM'))).toThrow(
			/no licence of the tenant has free units/,
		);
	});
});
