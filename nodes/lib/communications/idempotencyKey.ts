/**
 * The idempotency key of a stage: derived from migration, recipient and stage alone, so every try of the same stage,
 * from any run or process, carries the same key and a provider that deduplicates by it delivers once.
 */
import { createHash } from 'node:crypto';

import type { CommunicationKey } from '../ledger/communications';

function digestOf(key: CommunicationKey): Buffer {
	return createHash('sha256')
		.update(JSON.stringify(['notify-crm/1', key.migrationId, key.recipient, key.stage]))
		.digest();
}

/** `ncrm-` and 40 hex digits: within the 255 characters of the IETF Idempotency-Key header draft and Stripe's. */
export function idempotencyKeyOf(key: CommunicationKey): string {
	return `ncrm-${digestOf(key).subarray(0, 20).toString('hex')}`;
}

/**
 * A GUID derived from the key, for Dataverse, whose rows may be created with a primary key the client chooses
 * (learn.microsoft.com/power-apps/developer/data-platform/webapi/create-entity-web-api, "Set the primary key value"):
 * the activity of a stage has the same id on every try. Laid out as an RFC 9562 version 8 ("custom") UUID.
 */
export function activityIdOf(key: CommunicationKey): string {
	const bytes = Buffer.from(digestOf(key).subarray(0, 16));
	bytes[6] = (bytes[6] & 0x0f) | 0x80;
	bytes[8] = (bytes[8] & 0x3f) | 0x80;
	const hex = bytes.toString('hex');
	return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
