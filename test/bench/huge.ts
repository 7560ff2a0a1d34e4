/**
 * The huge-folder runs of `npm run bench -- --only huge [--huge-messages 1000000]`: one folder of N small messages,
 * written straight into the source Dovecot's Maildir (loading a million over IMAP would take too long) and indexed
 * by doveadm. Timed with peak RSS, each as the node runs it (in a worker), on one target: the full copy as a copy
 * killed with SIGKILL once half the folder has landed plus its resume (the target then holds exactly N), the no-op
 * rerun, and Verify.
 * Targets (issue 10): peak RSS at most 250 MB, no-op rerun at most 5 s.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import type { DovecotServer } from '../harness/dovecot';
import { timed, type Timed } from './timed';

const RSS_TARGET_BYTES = 250e6;
const NOOP_TARGET_SECONDS = 5;
const FLAG_SUFFIXES = ['S', '', 'FS', 'RS', 'S'];

export interface HugeContext {
	source: DovecotServer;
	target: DovecotServer;
	password: string;
	work: string;
	cli: string;
	messages: number;
	log(message: string): void;
}

interface CliReport {
	status: string;
	reason?: string;
	peakRssBytes: number;
	counts: { copied: number; alreadyPresent: number; failed: number };
	differences?: unknown[];
}

function messageText(index: number): string {
	const day = 1 + (index % 28);
	return [
		'From: Sender <sender@bench.example>',
		`To: Recipient ${index % 97} <rcpt${index % 97}@bench.example>`,
		`Subject: huge folder message ${index}`,
		`Date: Mon, ${day} Feb 2021 10:${String(index % 60).padStart(2, '0')}:00 +0000`,
		`Message-ID: <huge-${index}@bench.example>`,
		'MIME-Version: 1.0',
		'Content-Type: text/plain; charset=us-ascii',
		'',
		`Message ${index} of the huge-folder benchmark.`,
		'',
	].join('\n');
}

/** Writes N messages into the user's INBOX (Maildir `cur/`), then lets Dovecot assign UIDs and build its index. */
async function generateIntoMaildir(
	server: DovecotServer,
	user: string,
	count: number,
): Promise<void> {
	const maildir = server.mailboxPath(user);
	const home = path.dirname(maildir);
	for (const sub of ['cur', 'new', 'tmp'])
		fs.mkdirSync(path.join(maildir, sub), { recursive: true });
	const cur = path.join(maildir, 'cur');
	const base = 1_600_000_000;
	for (let index = 0; index < count; index++) {
		const text = messageText(index);
		// S= and W= (size with CRLF line ends) spare Dovecot opening each file to answer RFC822.SIZE.
		const size = Buffer.byteLength(text);
		const lines = text.split('\n').length - 1;
		const name = `${base + index}.M${index}P1.bench,S=${size},W=${size + lines}:2,${FLAG_SUFFIXES[index % FLAG_SUFFIXES.length]}`;
		fs.writeFileSync(path.join(cur, name), text);
	}
	// The mail processes run as the instance's mail owner, who owns its mail folder.
	const owner = fs.statSync(path.dirname(home));
	execFileSync('chown', ['-R', `${owner.uid}:${owner.gid}`, home]);
	await server.doveadm(['force-resync', '-u', user, 'INBOX']);
	await server.doveadm(['index', '-u', user, 'INBOX']);
}

async function messagesIn(server: DovecotServer, user: string): Promise<number> {
	const output = await server.doveadm(['mailbox', 'status', '-u', user, 'messages', 'INBOX']);
	return Number(/messages=(\d+)/.exec(output)?.[1] ?? NaN);
}

function reportOf(run: Timed, what: string): CliReport {
	try {
		return JSON.parse(run.stdout) as CliReport;
	} catch {
		throw new Error(`${what}: no report (exit ${run.code}): ${run.stderr || run.stdout}`);
	}
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;

export async function runHuge(context: HugeContext): Promise<string[]> {
	const { source, target, password, work, cli, messages, log } = context;
	await source.addUser('huge', password);
	log(`generating ${messages} messages into the source Maildir`);
	const generation = process.hrtime.bigint();
	await generateIntoMaildir(source, 'huge', messages);
	const generated = Number(process.hrtime.bigint() - generation) / 1e9;
	if ((await messagesIn(source, 'huge')) !== messages)
		throw new Error(`Dovecot sees ${await messagesIn(source, 'huge')} of ${messages} messages`);

	const argsFor = (targetUser: string, mode = 'full') => [
		cli,
		'--src',
		`imap://huge:${password}@${source.host}:${source.port}`,
		'--dst',
		`imap://${targetUser}:${password}@${target.host}:${target.port}`,
		'--ledger',
		path.join(work, `${targetUser}.sqlite`),
		'--special-use',
		'off',
		'--mode',
		mode,
		'--isolated',
		'yes',
	];
	const lines = [
		`huge folder: ${messages} small messages in one folder (generated into Maildir and indexed in ${generated.toFixed(0)} s)`,
		'run                                 seconds    msgs/s   peak RSS   result',
	];
	const line = (what: string, seconds: number, rss: number | null, result: string) => {
		const rate = what.startsWith('full') ? (messages / seconds).toFixed(0) : '-';
		const text =
			`${what.padEnd(34)} ${seconds.toFixed(2).padStart(8)} ${rate.padStart(9)} ` +
			`${(rss === null ? '-' : mb(rss)).padStart(10)}   ${result}`;
		log(text);
		lines.push(text);
	};
	let peakRss = 0;
	const noteRss = (rss: number | null) => (peakRss = Math.max(peakRss, rss ?? 0));

	// One target: the copy is killed once half the folder has landed (by count, so on any machine it dies mid-copy),
	// resumed to the end, rerun as a no-op, then verified. The full copy's time is the two copy runs together.
	await target.addUser('hugedst', password);
	const killed = await timed(process.execPath, argsFor('hugedst'), {
		killWhen: async () => (await messagesIn(target, 'hugedst')) >= messages / 2,
	});
	const landed = await messagesIn(target, 'hugedst');
	noteRss(killed.peakRssBeforeKill);
	line(
		'copy, killed (SIGKILL) at half',
		killed.seconds,
		killed.peakRssBeforeKill,
		`${killed.signal ?? `exit ${killed.code}: ${killed.stdout.slice(0, 500)}`}, target holds ${landed}`,
	);

	const resume = await timed(process.execPath, argsFor('hugedst'));
	const resumeReport = reportOf(resume, 'resume');
	noteRss(resumeReport.peakRssBytes);
	const resumed = await messagesIn(target, 'hugedst');
	if (resumeReport.status !== 'completed')
		log(`resume ended ${resumeReport.status}: ${resumeReport.reason}`);
	line(
		'resume after the kill',
		resume.seconds,
		resumeReport.peakRssBytes,
		`${resumeReport.counts.copied} copied, ${resumeReport.counts.alreadyPresent} present, target holds ${resumed} ${resumed === messages ? '(exact)' : `(EXPECTED ${messages})`}`,
	);
	line(
		'full copy (the two runs above)',
		killed.seconds + resume.seconds,
		null,
		`target holds ${resumed}`,
	);

	const noop = await timed(process.execPath, argsFor('hugedst'));
	const noopReport = reportOf(noop, 'no-op rerun');
	noteRss(noopReport.peakRssBytes);
	line('no-op rerun', noop.seconds, noopReport.peakRssBytes, `${noopReport.counts.copied} copied`);

	const verify = await timed(process.execPath, argsFor('hugedst', 'verify'));
	const verifyReport = reportOf(verify, 'verify');
	noteRss(verifyReport.peakRssBytes);
	line(
		'verify',
		verify.seconds,
		verifyReport.peakRssBytes,
		`${verifyReport.differences?.length ?? 0} differences`,
	);

	const problems = [
		killed.signal !== 'SIGKILL' ? 'the first copy was not killed mid-copy' : '',
		noopReport.counts.copied !== 0 ? 'the no-op rerun copied' : '',
		resumed !== messages ? `resume left ${resumed} of ${messages}` : '',
		verifyReport.differences?.length ? 'verify found differences' : '',
	].filter(Boolean);
	lines.push(
		`targets: peak RSS ${mb(peakRss)} (<= 250 MB: ${peakRss <= RSS_TARGET_BYTES ? 'yes' : 'NO'}), ` +
			`no-op rerun ${noop.seconds.toFixed(2)} s (<= ${NOOP_TARGET_SECONDS} s: ${noop.seconds <= NOOP_TARGET_SECONDS ? 'yes' : 'NO'})` +
			(problems.length ? `; PROBLEMS: ${problems.join('; ')}` : '; counts exact'),
	);
	return lines;
}
