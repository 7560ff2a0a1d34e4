import { RunStoppedError } from '../../../nodes/lib/limits/stopConditions';
import {
	addSkippedRoutes,
	completeReport,
	folderNotWorked,
	newMailboxReport,
	pausedOrStopped,
} from '../../../nodes/lib/migration/mailbox/mailboxReport';
import type { FolderReport, FolderRoute, MigrationMode } from '../../../nodes/lib/migration/types';

function route(path: string, skipReason: string | null = null): FolderRoute {
	return {
		sourceRaw: path,
		sourcePath: path,
		targetRaw: path,
		targetPath: path,
		selectable: true,
		subscribe: false,
		skipReason,
	};
}

function report(mode: MigrationMode = 'full') {
	return newMailboxReport({
		migrationId: 'acme',
		mode,
		mailbox: 'alice@old',
		targetMailbox: 'alice@new',
	});
}

const totals = { copied: 3, bytes: 3000, flagsUpdated: 1, serverBackoffs: 2, zipped: 0 };
const copied = (of: FolderRoute, items: number, failed = 0): FolderReport => ({
	source: of.sourcePath,
	target: of.targetPath,
	action: 'copied',
	sourceItems: items,
	copied: items - failed,
	alreadyPresent: 0,
	skipped: 0,
	failed,
	vanished: 0,
});

describe('mailbox report', () => {
	const inbox = route('INBOX');
	const sent = route('Sent');
	const junk = route('Junk', 'excluded by the folder rules');

	it('lists the skipped folders first, then the others in route order, and adds up their counts', () => {
		const mailbox = report();
		addSkippedRoutes(mailbox, [inbox, junk, sent]);
		const done = completeReport(
			mailbox,
			{
				routes: [inbox, junk, sent],
				reports: new Map([
					[sent, copied(sent, 1)],
					[inbox, copied(inbox, 2)],
				]),
				folderErrors: 0,
				serverBackoffs: 1,
			},
			totals,
			new AbortController().signal,
		);
		expect(done.folders.map((folder) => [folder.source, folder.action, folder.skipReason])).toEqual(
			[
				['Junk', 'skipped', 'excluded by the folder rules'],
				['INBOX', 'copied', undefined],
				['Sent', 'copied', undefined],
			],
		);
		expect(done.counts).toMatchObject({ folders: 2, sourceItems: 3, copied: 3, flagsUpdated: 1 });
		expect(done.serverBackoffs).toBe(3);
		expect(done.bytes).toBe(3000);
		expect(done.status).toBe('completed');
	});

	it('is partial when an item or a folder failed', () => {
		const outcome = (folderErrors: number, failed: number) => ({
			routes: [inbox],
			reports: new Map([[inbox, copied(inbox, 2, failed)]]),
			folderErrors,
			serverBackoffs: 0,
		});
		const signal = new AbortController().signal;
		expect(completeReport(report(), outcome(0, 1), totals, signal).status).toBe('partial');
		expect(completeReport(report(), outcome(1, 0), totals, signal).status).toBe('partial');
		expect(completeReport(report('verify'), outcome(0, 0), totals, signal).status).toBe(
			'completed',
		);
	});

	it('is paused with the stop condition and when it may go on; partial when cancelled', () => {
		const stop = new AbortController();
		stop.abort(
			new RunStoppedError({ reason: 'run window closed', resumesAt: '2026-01-01T06:00:00Z' }),
		);
		expect(pausedOrStopped(report(), stop.signal)).toMatchObject({
			status: 'paused',
			reason: 'run window closed',
			resumesAt: '2026-01-01T06:00:00Z',
		});
		const cancel = new AbortController();
		cancel.abort();
		expect(pausedOrStopped(report(), cancel.signal)).toMatchObject({
			status: 'partial',
			reason: 'stopped before the end; the next run resumes from the last item',
			resumesAt: null,
		});
	});

	it('pauses a stopped run only when a folder was left unfinished', () => {
		const stop = new AbortController();
		stop.abort(new RunStoppedError({ reason: 'byte budget reached', resumesAt: null }));
		const outcome = (last: FolderReport) => ({
			routes: [inbox],
			reports: new Map([[inbox, last]]),
			folderErrors: 0,
			serverBackoffs: 0,
		});
		const notReached = folderNotWorked(inbox, 'paused', 'not reached');
		expect(completeReport(report(), outcome(notReached), totals, stop.signal).status).toBe(
			'paused',
		);
		expect(completeReport(report(), outcome(copied(inbox, 1)), totals, stop.signal).status).toBe(
			'completed',
		);
	});
});
