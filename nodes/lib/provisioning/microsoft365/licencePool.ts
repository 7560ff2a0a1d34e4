/**
 * The tenant's licences for one execution: read once from `GET /subscribedSkus` (learn.microsoft.com/graph/api/
 * subscribedsku-list; `skuPartNumber`, `skuId`, `prepaidUnits.enabled`, `consumedUnits`), resolved by part number and
 * counted down as this execution assigns them, so the user who would exceed them fails with what is left instead of
 * Graph's CountViolation after the fact.
 */
import { ProvisioningInputError } from './userSpec';

export interface SubscribedSku {
	skuId: string;
	skuPartNumber: string;
	/** prepaidUnits.enabled. */
	enabled: number;
	consumedUnits: number;
}

/** Not enough units of a SKU: names it and every SKU that still has free units. */
export class LicenceUnitsError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'LicenceUnitsError';
	}
}

export class LicencePool {
	private readonly assigned = new Map<string, number>();

	constructor(private readonly skus: readonly SubscribedSku[]) {}

	/** The SKU of a part number (case-insensitive); an unknown one names those the tenant has. */
	resolve(skuPartNumber: string): SubscribedSku {
		const wanted = skuPartNumber.toUpperCase();
		const sku = this.skus.find((candidate) => candidate.skuPartNumber.toUpperCase() === wanted);
		if (sku) return sku;
		const known = this.skus.map((candidate) => candidate.skuPartNumber).join(', ') || 'none';
		throw new ProvisioningInputError(
			`the tenant has no licence ${skuPartNumber} (its subscriptions: ${known})`,
		);
	}

	/** The part number of a skuId, for reporting a user's licences. */
	partNumberOf(skuId: string): string {
		return this.skus.find((sku) => sku.skuId === skuId)?.skuPartNumber ?? skuId;
	}

	free(sku: SubscribedSku): number {
		return sku.enabled - sku.consumedUnits - (this.assigned.get(sku.skuId) ?? 0);
	}

	/** Takes one unit for an assignment about to be made; `release` gives it back if the assignment failed. */
	take(sku: SubscribedSku): void {
		this.requireFree(sku);
		this.assigned.set(sku.skuId, (this.assigned.get(sku.skuId) ?? 0) + 1);
	}

	/** Throws LicenceUnitsError unless a unit of `sku` is free (checked before a user is created for it). */
	requireFree(sku: SubscribedSku): void {
		if (this.free(sku) <= 0) {
			const available = this.skus
				.filter((candidate) => this.free(candidate) > 0)
				.map((candidate) => `${candidate.skuPartNumber} (${this.free(candidate)} free)`);
			throw new LicenceUnitsError(
				`no ${sku.skuPartNumber} licence is free (${sku.enabled} enabled, ${sku.enabled - this.free(sku)} assigned); ` +
					(available.length > 0
						? `licences with free units: ${available.join(', ')}`
						: 'no licence of the tenant has free units'),
			);
		}
	}

	release(sku: SubscribedSku): void {
		this.assigned.set(sku.skuId, Math.max(0, (this.assigned.get(sku.skuId) ?? 0) - 1));
	}
}
