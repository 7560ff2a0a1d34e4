/**
 * The Graph section of `npm run bench` (`--only graph`, also in the default run): copies into the Microsoft
 * emulator's Graph side with Outlook's per-mailbox limits scaled down so they bind within seconds — the same limits
 * on the emulator (which answers 429 + Retry-After over them) and in the Graph client's mailbox limiter.
 *
 * One source mailbox of messages with an attachment each (so the copy is bound by uploaded bytes, not by requests) is
 * copied into 1, then 4, then 16 target mailboxes at once, each with its own ledger. Per mailbox: uploaded bytes (as
 * the emulator counted them) / seconds of its whole copy (open to report), against the upload limit per second; the
 * issue's target is ≥ 90 % with 0 failed. A sliding window admits at most limit × (seconds / window + 1), so a ratio
 * slightly above 1 is the first window, not a leak; "of budget" is the rate over that most. The aggregate should grow
 * with the mailboxes: Outlook's limits are per app and mailbox, and the emulator has no app-wide one.
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';

import type { GraphMailboxLimits } from '../../nodes/lib/graph/mailboxLimits';
import { openLedger } from '../../nodes/lib/ledger';
import type { MicrosoftApp } from '../../nodes/lib/microsoft/microsoftApp';
import { runMailboxMigration } from '../../nodes/lib/migration/execution/runMailboxMigration';
import { newOwnerId } from '../../nodes/lib/migration/migrateMailbox';
import { imapSourceSide } from '../../nodes/lib/migration/stores/imap/imapSides';
import { targetSideOf } from '../../nodes/lib/migration/stores/storeSides';
import type { MailboxReport } from '../../nodes/lib/migration/types';
import type { DovecotServer } from '../harness/dovecot';
import { testEndpoint } from '../harness/endpoints';
import { appendMessages, makeMessage } from '../harness/imap-fixtures';
import type { GraphStandIn } from '../harness/graphStandIn';
import { median } from './rates';

/** The target for the upload rate per mailbox: this fraction of the limit. */
const TARGET_RATIO = 0.9;

export interface GraphBenchContext {
	source: DovecotServer;
	m365: GraphStandIn;
	password: string;
	/** Directory for the ledgers. */
	work: string;
	/** Messages of the source mailbox; each carries one attachment of `attachmentBytes`. */
	messages: number;
	attachmentBytes: number;
	/** Upload limit per mailbox, bytes per `windowMs`. */
	uploadBytesPerWindow: number;
	windowMs: number;
	/** Mailboxes copied at once, one round each. */
	fanOuts: number[];
	log(message: string): void;
}

interface MailboxCopy {
	mailbox: string;
	report: MailboxReport;
	seconds: number;
	uploadedBytes: number;
	throttled: number;
	drafts: number;
	stored: number;
}

async function copyInto(
	context: GraphBenchContext,
	app: MicrosoftApp,
	limits: GraphMailboxLimits,
	sourceUser: string,
	mailbox: string,
): Promise<Omit<MailboxCopy, 'uploadedBytes' | 'throttled' | 'drafts' | 'stored'>> {
	const ledger = await openLedger({
		kind: 'sqlite',
		path: path.join(context.work, `${mailbox.replace(/\W/g, '_')}.sqlite`),
	});
	const started = performance.now();
	try {
		const report = await runMailboxMigration({
			source: imapSourceSide(testEndpoint(context.source, sourceUser, context.password)),
			target: targetSideOf({ kind: 'graph', app, mailbox, limits }),
			migrationId: `bench-graph-${mailbox}`,
			mode: 'full',
			folderRules: { specialUse: true },
			ledger,
			owner: newOwnerId('bench'),
		});
		return { mailbox, report, seconds: (performance.now() - started) / 1000 };
	} finally {
		await ledger.close();
	}
}

const mb = (bytes: number) => (bytes / 1e6).toFixed(2);

export async function runGraph(context: GraphBenchContext): Promise<string[]> {
	const { m365, windowMs, uploadBytesPerWindow } = context;
	const { emulator } = m365;
	const limitPerSecond = uploadBytesPerWindow / (windowMs / 1000);
	// Requests are not what binds here: a window far larger than the copy needs.
	const limits: GraphMailboxLimits = {
		concurrentRequests: 4,
		requestsPerWindow: 100_000,
		requestWindowMs: windowMs,
		uploadBytesPerWindow,
		uploadWindowMs: windowMs,
	};
	emulator.graph.setLimits({
		concurrentPerMailbox: limits.concurrentRequests,
		requestsPerWindow: limits.requestsPerWindow,
		windowMs: limits.requestWindowMs,
		uploadBytesPerWindow,
		uploadWindowMs: windowMs,
	});
	const app = m365.registerApp();
	const sourceUser = 'graphbenchsrc';
	await context.source.addUser(sourceUser, context.password);
	const day = (n: number) => new Date(Date.UTC(2022, 0, 1 + (n % 28), 9, n % 60, 0));
	await appendMessages(
		context.source,
		sourceUser,
		context.password,
		'INBOX',
		Array.from({ length: context.messages }, (_, index) => ({
			raw: makeMessage({
				subject: `graph bench ${index}`,
				date: day(index),
				attachments: [{ name: `file${index}.bin`, bytes: randomBytes(context.attachmentBytes) }],
			}),
			flags: index % 2 === 0 ? ['\\Seen'] : [],
			internalDate: day(index),
		})),
	);

	const lines = [
		'',
		`## Graph target (emulator; per mailbox: 4 requests at once, ${mb(uploadBytesPerWindow)} MB uploaded per ${windowMs / 1000} s = ${mb(limitPerSecond)} MB/s; ${context.messages} messages with a ${Math.round(context.attachmentBytes / 1000)} kB attachment each)`,
		'',
		'| mailboxes at once | per mailbox MB/s (median, range) | of limit | of budget | aggregate MB/s | copied | failed | 429s | serverBackoffs | drafts | wall s |',
		'|---|---|---|---|---|---|---|---|---|---|---|',
	];
	const verdicts: string[] = [];
	for (const fanOut of context.fanOuts) {
		const mailboxes = Array.from({ length: fanOut }, (_, index) =>
			m365.addMailbox(`bench${fanOut}x${index + 1}`),
		);
		const before = emulator.graph.counters().mailboxes;
		const wallStarted = performance.now();
		const results = await Promise.all(
			mailboxes.map((mailbox) => copyInto(context, app, limits, sourceUser, mailbox)),
		);
		const wall = (performance.now() - wallStarted) / 1000;
		const after = emulator.graph.counters().mailboxes;
		const copies: MailboxCopy[] = results.map((result) => {
			const stored = emulator.graph.messages(result.mailbox);
			return {
				...result,
				uploadedBytes:
					(after[result.mailbox]?.uploadedBytes ?? 0) -
					(before[result.mailbox]?.uploadedBytes ?? 0),
				throttled:
					(after[result.mailbox]?.throttled ?? 0) - (before[result.mailbox]?.throttled ?? 0),
				drafts: stored.filter((message) => message.isDraft).length,
				stored: stored.length,
			};
		});
		const rates = copies.map((copy) => copy.uploadedBytes / copy.seconds);
		const ratio = median(rates) / limitPerSecond;
		const budgets = copies.map(
			(copy) =>
				copy.uploadedBytes /
				copy.seconds /
				((uploadBytesPerWindow * (copy.seconds / (windowMs / 1000) + 1)) / copy.seconds),
		);
		const copied = copies.reduce((sum, copy) => sum + copy.report.counts.copied, 0);
		const failed = copies.reduce((sum, copy) => sum + copy.report.counts.failed, 0);
		const throttled = copies.reduce((sum, copy) => sum + copy.throttled, 0);
		const backoffs = copies.reduce((sum, copy) => sum + copy.report.serverBackoffs, 0);
		const drafts = copies.reduce((sum, copy) => sum + copy.drafts, 0);
		const exact = copies.every(
			(copy) => copy.report.status === 'completed' && copy.stored === context.messages,
		);
		const aggregate = copies.reduce((sum, copy) => sum + copy.uploadedBytes, 0) / wall;
		for (const copy of copies) {
			context.log(
				`graph ${fanOut} at once, ${copy.mailbox}: ${copy.report.status}, ${copy.seconds.toFixed(1)} s, ${mb(copy.uploadedBytes / copy.seconds)} MB/s of ${mb(limitPerSecond)}, ` +
					`${copy.report.counts.copied} copied, ${copy.report.counts.failed} failed, ${copy.stored} stored, 429s ${copy.throttled}, serverBackoffs ${copy.report.serverBackoffs}, reconnects ${copy.report.reconnects}`,
			);
		}
		lines.push(
			`| ${fanOut} | ${mb(median(rates))} (${mb(Math.min(...rates))}-${mb(Math.max(...rates))}) | ${(ratio * 100).toFixed(0)} % | ${(median(budgets) * 100).toFixed(0)} % | ${mb(aggregate)} | ${copied} | ${failed} | ${throttled} | ${backoffs} | ${drafts} | ${wall.toFixed(1)} |`,
		);
		const ok = ratio >= TARGET_RATIO && failed === 0 && drafts === 0 && exact;
		verdicts.push(
			`${fanOut} at once: ${ok ? 'meets' : 'MISSES'} the target (≥ ${TARGET_RATIO * 100} % of the limit per mailbox, 0 failed, every message non-draft and there${exact ? '' : ' — NOT EXACT'})`,
		);
	}
	lines.push('', ...verdicts.map((verdict) => `- ${verdict}`));
	return lines;
}
