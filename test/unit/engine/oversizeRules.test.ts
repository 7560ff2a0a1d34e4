import type { FolderItemState, OversizeRecord } from '../../../nodes/lib/ledger/types';
import {
	retryableOversize,
	sizeLimitOf,
	skippedOversize,
	zippedReason,
} from '../../../nodes/lib/migration/folderCopy/oversizeRules';

function skippedItem(
	oversize: OversizeRecord | null,
	status: FolderItemState['status'] = 'skipped',
) {
	return {
		status,
		reason: 'as written',
		messageId: '<a@b>',
		size: 30_000_000,
		internalDate: '2024-01-01T00:00:00.000Z',
		fingerprint: null,
		flags: '',
		modseq: null,
		targetUidValidity: null,
		targetUid: null,
		oversize,
	} satisfies FolderItemState;
}

describe('sizeLimitOf', () => {
	it('takes the smaller of the target limit and the configured one, ignoring unset ones', () => {
		expect(sizeLimitOf({ maxMessageBytes: 10, zipAttachments: true }, 20)).toBe(10);
		expect(sizeLimitOf({ maxMessageBytes: 30, zipAttachments: true }, 20)).toBe(20);
		expect(sizeLimitOf({ maxMessageBytes: null, zipAttachments: true }, 20)).toBe(20);
		expect(sizeLimitOf({ maxMessageBytes: 0, zipAttachments: true }, null)).toBeNull();
	});
});

describe('skippedOversize and zippedReason', () => {
	it('write the reason people read and the fields later runs decide on', () => {
		expect(skippedOversize(300, 200, false, '')).toEqual({
			reason: 'oversize 300 bytes (target limit 200): zipping attachments is off',
			oversize: { handling: 'skipped', limitBytes: 200, zipping: false },
		});
		expect(skippedOversize(300, null, true, 'signed or encrypted')).toEqual({
			reason: 'oversize 300 bytes (target limit not announced): signed or encrypted',
			oversize: { handling: 'skipped', limitBytes: null, zipping: true },
		});
		expect(zippedReason(1, 300, 150)).toBe(
			'zipped: 1 attachment packed into one zip, 300 -> 150 bytes',
		);
		expect(zippedReason(2, 300, 150)).toMatch(/^zipped: 2 attachments packed/);
	});
});

describe('retryableOversize', () => {
	const zipOn = (maxMessageBytes: number | null) => ({ maxMessageBytes, zipAttachments: true });
	const zipOff = (maxMessageBytes: number | null) => ({ maxMessageBytes, zipAttachments: false });
	const skipped = (limitBytes: number | null, zipping: boolean) =>
		skippedItem({ handling: 'skipped', limitBytes, zipping });

	it('tries a message skipped with zipping off again once zipping is on, whatever the limit', () => {
		expect(retryableOversize(zipOn(100), null, skipped(100, false))).toBe(true);
		expect(retryableOversize(zipOn(50), null, skipped(100, false))).toBe(true);
		expect(retryableOversize(zipOff(100), null, skipped(100, false))).toBe(false);
		expect(retryableOversize(zipOff(50), null, skipped(100, false))).toBe(false);
	});

	it('tries a message skipped with zipping off again once the limit is higher or gone, zipping still off', () => {
		expect(retryableOversize(zipOff(200), null, skipped(100, false))).toBe(true);
		expect(retryableOversize(zipOff(null), null, skipped(100, false))).toBe(true);
		expect(retryableOversize(zipOff(200), 100, skipped(100, false))).toBe(false);
	});

	it('tries a message that zipping could not fit again once the limit is higher or gone', () => {
		expect(retryableOversize(zipOn(100), null, skipped(100, true))).toBe(false);
		expect(retryableOversize(zipOn(50), null, skipped(100, true))).toBe(false);
		expect(retryableOversize(zipOn(200), null, skipped(100, true))).toBe(true);
		expect(retryableOversize(zipOn(200), 100, skipped(100, true))).toBe(false);
		expect(retryableOversize(zipOn(null), null, skipped(100, true))).toBe(true);
	});

	it('leaves a message the target refused without announcing a limit skipped', () => {
		expect(retryableOversize(zipOn(null), null, skipped(null, true))).toBe(false);
		expect(retryableOversize(zipOn(null), null, skipped(null, false))).toBe(true);
	});

	it('has nothing to retry for items that were not skipped as oversize', () => {
		expect(retryableOversize(zipOn(null), null, undefined)).toBe(false);
		expect(retryableOversize(zipOn(null), null, skippedItem(null))).toBe(false);
		expect(
			retryableOversize(zipOn(null), null, skippedItem({ handling: 'zipped' }, 'copied')),
		).toBe(false);
	});
});
