/** One line saying what a report found: for a mail subject, a chat message or the node's output. */
import { plural } from '../format';
import type { Report } from './model';

function mailboxes(count: number): string {
	return `${count} ${count === 1 ? 'mailbox' : 'mailboxes'}`;
}

export function headlineOf(report: Report): string {
	switch (report.kind) {
		case 'waveSummary': {
			const { byStatus, users } = report.totals;
			const parts = [
				`${byStatus.completed} completed`,
				byStatus.completedWithErrors ? `${byStatus.completedWithErrors} with errors` : '',
				byStatus.partial ? `${byStatus.partial} partial` : '',
				byStatus.paused ? `${byStatus.paused} paused` : '',
				byStatus.failed ? `${byStatus.failed} failed` : '',
				byStatus.notStarted ? `${byStatus.notStarted} not started` : '',
			].filter(Boolean);
			return `Migration ${report.migrationId}: ${mailboxes(users)}, ${parts.join(', ')}`;
		}
		case 'notMigrated':
			return `Migration ${report.migrationId}: ${plural(report.total.items, 'item')} not migrated`;
		case 'errorDigest': {
			const { failedRuns, items } = report.total;
			return failedRuns + items === 0
				? `Migration ${report.migrationId}: no new failures`
				: `Migration ${report.migrationId}: ${mailboxes(failedRuns)} could not start, ${plural(items, 'item')} failed`;
		}
	}
}
