import type { MailboxOverview } from '../../../nodes/lib/ledger/reporting';
import type { RunRecord, RunSummary } from '../../../nodes/lib/ledger/types';
import { verificationOf } from '../../../nodes/lib/reports/mailboxRows';

const noItems = { pending: 0, copied: 0, present: 0, skipped: 0, failed: 0 };

function run(mode: string, startedAt: string, summary: RunSummary, status: RunRecord['status']) {
	return {
		migrationId: 'm',
		sourceAccount: 'alice@old:143',
		runId: `${mode}-${startedAt}`,
		mode,
		startedAt,
		finishedAt: startedAt,
		status,
		summary,
	} satisfies RunRecord;
}

function overview(verify: RunRecord, copy: RunRecord | null = null): MailboxOverview {
	return {
		sourceAccount: 'alice@old:143',
		binding: null,
		items: noItems,
		bytes: noItems,
		lastCopyRun: copy,
		lastVerifyRun: verify,
		copyRuns: copy ? 1 : 0,
		copySeconds: 0,
		firstStartedAt: null,
		lastFinishedAt: null,
	};
}

describe('verification of a mailbox from its newest Verify run', () => {
	it('is verified when nothing of the source is missing, even with mail that reached the target after the switch', () => {
		// After Set Routing, new mail lands in the target only: Verify reports it as extra (status partial).
		const verify = run(
			'verify',
			'2026-12-01T02:00:00Z',
			{ status: 'partial', differences: 3, missing: 0, unfinishedFolders: 0 },
			'completedWithErrors',
		);
		expect(verificationOf(overview(verify))).toEqual({
			verification: 'verified',
			verifiedAt: '2026-12-01T02:00:00Z',
			differences: 3,
		});
	});

	it('is not verified when a source item is missing or a folder was not compared', () => {
		const missing = run(
			'verify',
			'2026-12-01T02:00:00Z',
			{ status: 'partial', differences: 3, missing: 1, unfinishedFolders: 0 },
			'completedWithErrors',
		);
		expect(verificationOf(overview(missing)).verification).toBe('differences');
		const uncompared = run(
			'verify',
			'2026-12-01T02:00:00Z',
			{ status: 'partial', differences: 0, missing: 0, unfinishedFolders: 1 },
			'completedWithErrors',
		);
		expect(verificationOf(overview(uncompared)).verification).toBe('differences');
		const failed = run('verify', '2026-12-01T02:00:00Z', { status: 'failed' }, 'failed');
		expect(verificationOf(overview(failed)).verification).toBe('differences');
	});

	it('reads runs from before the ledger kept what was missing by their number of differences', () => {
		const older = run(
			'verify',
			'2026-12-01T02:00:00Z',
			{ status: 'partial', differences: 2 },
			'completedWithErrors',
		);
		expect(verificationOf(overview(older)).verification).toBe('differences');
	});

	it('is outdated once a later copy run copied more', () => {
		const verify = run(
			'verify',
			'2026-12-01T02:00:00Z',
			{ status: 'completed', differences: 0, missing: 0, unfinishedFolders: 0 },
			'completed',
		);
		const copy = run(
			'delta',
			'2026-12-01T03:00:00Z',
			{ status: 'completed', counts: { copied: 2 } },
			'completed',
		);
		expect(verificationOf(overview(verify, copy)).verification).toBe('outdated');
	});
});
