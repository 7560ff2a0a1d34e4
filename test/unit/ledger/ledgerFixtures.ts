import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { ItemIntent, ItemOutcome, OutcomeStatus } from '../../../nodes/lib/ledger';

export const MIGRATION = 'acme-2025';
export const ACCOUNT = 'alice@imap.example.com:993';
export const FOLDER = 'INBOX';
export const UIDVALIDITY = 1_700_000_001;

/** A fresh directory per test, removed afterwards. */
export function tempLedgerDir(): { path: (name?: string) => string; remove: () => void } {
	const dir = mkdtempSync(join(tmpdir(), 'ledger-test-'));
	return {
		path: (name = 'ledger.sqlite') => join(dir, name),
		remove: () => rmSync(dir, { recursive: true, force: true }),
	};
}

export function sha256Of(seed: number): string {
	return seed.toString(16).padStart(64, '0');
}

export function intent(uid: number, overrides: Partial<ItemIntent> = {}): ItemIntent {
	return {
		migrationId: MIGRATION,
		sourceAccount: ACCOUNT,
		sourceFolder: FOLDER,
		uidValidity: UIDVALIDITY,
		uid,
		messageId: `<m${uid}@example.com>`,
		size: 1000 + uid,
		internalDate: new Date(Date.UTC(2024, 0, 1) + uid * 60_000).toISOString(),
		fingerprint: null,
		targetFolder: FOLDER,
		flags: '\\Seen',
		modseq: String(100 + uid),
		...overrides,
	};
}

export function outcome(
	uid: number,
	status: OutcomeStatus,
	overrides: Partial<ItemOutcome> = {},
): ItemOutcome {
	const copied = status === 'copied' || status === 'present';
	return {
		...intent(uid),
		fingerprint: sha256Of(uid),
		status,
		reason: status === 'skipped' || status === 'failed' ? `reason for ${uid}` : null,
		targetUidValidity: copied ? 42 : null,
		targetUid: copied ? 5000 + uid : null,
		...overrides,
	};
}
