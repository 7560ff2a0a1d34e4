/**
 * What the demo's wave did, per roster user and for the wave, read from the workflow's outputs and checked where it
 * happened: the routing entry's mailHost in the directory, a message sent through Postfix after the switch, the
 * summary email in the DL's mailbox with its attachments.
 */
import { simpleParser } from 'mailparser';

import type { WorkflowRun } from '../e2e/n8nRuntime';
import { NEW_HOST, type RosterRow, type WaveServers } from '../e2e/waveServers';
import type { OutputItem } from '../e2e/workflowFixtures';

type Say = (line?: string) => void;

const size = (bytes: number) =>
	bytes < 1e6 ? `${Math.round(bytes / 1e3)} kB` : `${(bytes / 1e6).toFixed(1)} MB`;

/** Items of a node by the user each one is about (the node's own name for it). */
function byUser(run: WorkflowRun, node: string, key: string): Map<string, OutputItem> {
	return new Map(
		((run.nodes[node] ?? []) as OutputItem[]).map((item) => [String(item[key]), item]),
	);
}

const failedOr = (item: OutputItem | undefined, describe: (item: OutputItem) => string) =>
	!item ? '-' : item.error ? `failed: ${String(item.error)}` : describe(item);

function userLines(run: WorkflowRun, row: RosterRow, mailHost: string[]): string[] {
	const uid = row.sourceMailbox;
	const provisioned = byUser(run, 'Provision Target', 'account').get(row.targetMailbox);
	const copied = byUser(run, 'Migrate (Full)', 'mailbox').get(uid);
	const verified = byUser(run, 'Verify', 'mailbox').get(uid);
	const routed = byUser(run, 'Set Routing (Switch)', 'user').get(uid);
	const delta = byUser(run, 'Migrate (Delta, final)', 'mailbox').get(uid);
	return [
		`  ${uid} <${row.email}>, migration date ${row.migrationDate}`,
		`    provisioned   ${failedOr(provisioned, (item) => `${String(item.status)} in the new directory${item.loginVerified ? ', login checked on the new server' : ''}`)}`,
		`    copied        ${failedOr(copied, (item) => `${String(item.status)}: ${item.counts.copied} of ${item.counts.sourceItems} messages, ${size(item.bytes)} in ${item.seconds.toFixed(1)} s`)}`,
		`    verified      ${failedOr(verified, (item) => (item.differences.length === 0 ? 'no differences' : `${item.differences.length} differences`))}`,
		`    routing       ${failedOr(routed, (item) => String(item.status))}; mailHost is now ${mailHost.join(', ') || 'unset'}`,
		`    final delta   ${failedOr(delta, (item) => `${String(item.status)}, ${item.counts.copied} copied`)}`,
	];
}

/** Sends a message to the user through Postfix and says which server it landed on. */
async function mailLandsOn(wave: WaveServers, uid: string): Promise<string> {
	const subject = `Hello ${uid}, after the wave`;
	await wave.mailTo(uid, subject, 'partner@outside.example.net');
	const asMaster = `${uid}*${wave.master.user}`;
	await wave.arrives(wave.newServer, asMaster, wave.master.password, subject);
	return `the new Dovecot (127.0.0.1:${wave.newServer.port})`;
}

async function dlEmail(wave: WaveServers, headline: string): Promise<string[]> {
	const dl = wave.reportsDl;
	await wave.arrives(dl.server, dl.uid, dl.password, headline);
	const message = (await wave.inboxMessages(dl.server, dl.uid, dl.password)).find(
		(candidate) => candidate.subject === headline,
	);
	const parsed = await simpleParser(message?.raw ?? '');
	return [
		`Summary email: in ${dl.address}'s INBOX on the old Dovecot (127.0.0.1:${dl.server.port}), delivered by Postfix`,
		`  subject "${headline}", from ${parsed.from?.text ?? '?'}`,
		`  attached: ${parsed.attachments.map((attachment) => attachment.filename).join(', ')}`,
	];
}

export async function printWaveSummary(
	say: Say,
	wave: WaveServers,
	roster: RosterRow[],
	run: WorkflowRun,
	summary: OutputItem | undefined,
): Promise<void> {
	const due = new Set(
		((run.nodes['Users due tonight'] ?? []) as OutputItem[]).map((row) => row.sourceMailbox),
	);
	const oss = wave.oss.requests().map((request) => JSON.parse(request.body) as OutputItem);
	say();
	say('Per user');
	for (const row of roster) {
		if (!due.has(row.sourceMailbox)) {
			say(
				`  ${row.sourceMailbox} <${row.email}>, migration date ${row.migrationDate}: not due tonight, untouched`,
			);
			continue;
		}
		for (const line of userLines(run, row, await wave.mailHostOf(row.sourceMailbox))) say(line);
		const steps = oss
			.filter((body) => body.mailbox === row.sourceMailbox)
			.map((body) => `${body.step} (${body.status})`);
		say(`    OSS told      ${steps.join(', ') || 'nothing'}`);
		if ((await wave.mailHostOf(row.sourceMailbox)).includes(NEW_HOST))
			say(`    new mail      lands on ${await mailLandsOn(wave, row.sourceMailbox)}`);
	}
	say();
	if (!summary) {
		say('Report: none (no user was due)');
		return;
	}
	const totals = summary.totals as OutputItem;
	say(`Report: ${String(summary.headline)}`);
	say(
		`  ${totals.users} mailboxes, ${totals.migrated} of ${totals.itemsTotal} items migrated (${size(totals.bytesMigrated)}), ${totals.notMigrated} not migrated, ${totals.verified} verified, ${totals.routingSwitched} routing switched`,
	);
	say();
	for (const line of await dlEmail(wave, String(summary.headline))) say(line);
}
