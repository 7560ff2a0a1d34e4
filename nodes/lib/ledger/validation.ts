/**
 * Input checks shared by every store, so a bad record fails loudly at the call instead of becoming a row that no
 * later lookup can match. A store runs them before it touches its database; each check at the end takes one method's
 * input (a mailbox, a folder, a record), so every store calls the same ones for the same method.
 */
import {
	ITEM_STATUSES,
	type FlagSync,
	type FolderStateInput,
	type ItemFacts,
	type ItemIntent,
	type ItemKey,
	type ItemOutcome,
	type ItemStatus,
	type MailboxLease,
	type OversizeRecord,
	type UidMapping,
} from './types';

const UINT32_MAX = 0xffff_ffff;

export class LedgerInputError extends Error {
	constructor(message: string) {
		super(`Ledger: ${message}`);
		this.name = 'LedgerInputError';
	}
}

function describe(value: unknown): string {
	return typeof value === 'string' ? JSON.stringify(value.slice(0, 80)) : String(value);
}

export function assertText(name: string, value: unknown): asserts value is string {
	if (typeof value !== 'string' || value.length === 0) {
		throw new LedgerInputError(`${name} must be a non-empty string (got ${describe(value)})`);
	}
}

/** IMAP UIDs and UIDVALIDITY values are non-zero 32-bit unsigned numbers. */
export function assertUid32(name: string, value: unknown): asserts value is number {
	if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > UINT32_MAX) {
		throw new LedgerInputError(
			`${name} must be an integer from 1 to ${UINT32_MAX} (got ${describe(value)})`,
		);
	}
}

export function assertOptionalUid32(name: string, value: unknown): asserts value is number | null {
	if (value !== null) assertUid32(name, value);
}

export function assertPositiveInteger(name: string, value: unknown): asserts value is number {
	if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
		throw new LedgerInputError(`${name} must be a positive integer (got ${describe(value)})`);
	}
}

export function assertOptionalModseq(name: string, value: unknown): asserts value is string | null {
	if (value !== null && (typeof value !== 'string' || !/^\d{1,20}$/.test(value))) {
		throw new LedgerInputError(`${name} must be a decimal string or null (got ${describe(value)})`);
	}
}

export function assertStatus(value: unknown): asserts value is ItemStatus {
	if (!ITEM_STATUSES.includes(value as ItemStatus)) {
		throw new LedgerInputError(
			`status must be one of ${ITEM_STATUSES.join(', ')} (got ${describe(value)})`,
		);
	}
}

export function assertItemKey(key: ItemKey): void {
	assertText('migrationId', key.migrationId);
	assertText('sourceAccount', key.sourceAccount);
	assertText('sourceFolder', key.sourceFolder);
	assertUid32('uidValidity', key.uidValidity);
	assertUid32('uid', key.uid);
}

export function assertItemFacts(facts: ItemFacts): void {
	if (facts.messageId !== null && typeof facts.messageId !== 'string') {
		throw new LedgerInputError(
			`messageId must be a string or null (got ${describe(facts.messageId)})`,
		);
	}
	if (typeof facts.size !== 'number' || !Number.isSafeInteger(facts.size) || facts.size < 0) {
		throw new LedgerInputError(`size must be a non-negative integer (got ${describe(facts.size)})`);
	}
	if (typeof facts.internalDate !== 'string' || Number.isNaN(Date.parse(facts.internalDate))) {
		throw new LedgerInputError(
			`internalDate must be an ISO date (got ${describe(facts.internalDate)})`,
		);
	}
	if (facts.fingerprint !== null && !/^[0-9a-f]{64}$/.test(facts.fingerprint)) {
		throw new LedgerInputError(
			`fingerprint must be a lowercase sha256 hex digest or null (got ${describe(facts.fingerprint)})`,
		);
	}
	assertText('targetFolder', facts.targetFolder);
	if (typeof facts.flags !== 'string') {
		throw new LedgerInputError(`flags must be a string (got ${describe(facts.flags)})`);
	}
	assertOptionalModseq('modseq', facts.modseq);
}

export function assertOptionalOversize(value: OversizeRecord | null | undefined): void {
	if (value === null || value === undefined || value.handling === 'zipped') return;
	if (value.handling !== 'skipped') {
		throw new LedgerInputError(
			`oversize handling must be skipped or zipped (got ${describe((value as { handling: unknown }).handling)})`,
		);
	}
	if (value.limitBytes !== null) assertPositiveInteger('oversize limitBytes', value.limitBytes);
	if (typeof value.zipping !== 'boolean') {
		throw new LedgerInputError(
			`oversize zipping must be a boolean (got ${describe(value.zipping)})`,
		);
	}
}

export function assertMailbox(migrationId: string, sourceAccount: string): void {
	assertText('migrationId', migrationId);
	assertText('sourceAccount', sourceAccount);
}

export function assertFolder(
	migrationId: string,
	sourceAccount: string,
	sourceFolder: string,
): void {
	assertMailbox(migrationId, sourceAccount);
	assertText('sourceFolder', sourceFolder);
}

export function assertIntent(item: ItemIntent): void {
	assertItemKey(item);
	assertItemFacts(item);
}

export function assertOutcome(item: ItemOutcome): void {
	assertIntent(item);
	assertStatus(item.status);
	if ((item.status as string) === 'pending') {
		throw new LedgerInputError('recordOutcomes takes final states; use recordIntents for pending');
	}
	assertOptionalUid32('targetUidValidity', item.targetUidValidity);
	assertOptionalUid32('targetUid', item.targetUid);
	assertOptionalOversize(item.oversize);
}

export function assertFlagSync(update: FlagSync): void {
	assertItemKey(update);
	if (typeof update.flags !== 'string') throw new LedgerInputError('flags must be a string');
	assertOptionalModseq('modseq', update.modseq);
}

export function assertRebind(
	oldUidValidity: number,
	newUidValidity: number,
	mapping: readonly UidMapping[],
): void {
	assertUid32('oldUidValidity', oldUidValidity);
	assertUid32('newUidValidity', newUidValidity);
	for (const { oldUid, newUid } of mapping) {
		assertUid32('oldUid', oldUid);
		assertUid32('newUid', newUid);
	}
}

export function assertFolderStateInput(state: FolderStateInput): void {
	assertFolder(state.migrationId, state.sourceAccount, state.sourceFolder);
	assertUid32('uidValidity', state.uidValidity);
	assertOptionalUid32('uidNext', state.uidNext);
	assertOptionalModseq('highestModseq', state.highestModseq);
	assertText('targetFolder', state.targetFolder);
}

export function assertLease(lease: MailboxLease): void {
	assertMailbox(lease.migrationId, lease.sourceAccount);
	assertText('lease token', lease.token);
}
