/**
 * `npm run demo`: two private Dovecot servers with sample mailboxes, real n8n with this package installed, then the
 * shipped pre-flight and migration templates run headless, with a short summary of what they reported.
 *
 *   npm run demo [-- --keep]    --keep leaves the servers running and the n8n home in place, to open in n8n
 */
import fs from 'node:fs';
import path from 'node:path';

import { defaultLedgerPath } from '../../nodes/lib/ledger';
import {
	createN8nHome,
	executeWorkflow,
	importCredentials,
	importWorkflow,
	loadTemplate,
	N8N_VERSION,
	packPackage,
	removeN8nHome,
	type N8nHome,
	type WorkflowRun,
} from '../e2e/n8nRuntime';
import {
	imapCredential,
	withMailboxes,
	type OutputItem,
	type TemplateNode,
} from '../e2e/workflowFixtures';
import type { DovecotServer } from '../harness/dovecot';
import { TestServices } from '../harness/services';
import { fillSampleMailboxes } from './sampleMailboxes';

const MASTER = { user: 'migrator', password: 'demo-master-pass' };

function say(message = ''): void {
	process.stdout.write(`${message}\n`);
}

const megabytes = (bytes: number) => (bytes / 1e6).toFixed(1);
const pad = (value: string | number, width: number) => String(value).padStart(width);
const padEnd = (value: string | number, width: number) => String(value).padEnd(width);

/** The shipped migration template with the demo's mailbox list. */
function migrateWorkflow(mailboxes: Record<string, string>[]): Record<string, unknown> {
	const workflow = structuredClone(loadTemplate('migrate.json'));
	const list = (workflow.nodes as TemplateNode[]).find(
		(node) => node.name === 'Mailboxes to migrate',
	);
	if (!list) throw new Error('migrate.json has no "Mailboxes to migrate" node');
	list.parameters.jsonOutput = JSON.stringify({ mailboxes });
	return workflow;
}

async function runTemplate(home: N8nHome, workflow: Record<string, unknown>): Promise<WorkflowRun> {
	await importWorkflow(home, workflow);
	const run = await executeWorkflow(home, workflow.id as string);
	if (run.error) throw new Error(`workflow "${String(workflow.name)}" failed: ${run.error}`);
	return run;
}

type Json = OutputItem;

function printPreflight(reports: Json[]): void {
	say(
		`  ${padEnd('mailbox', 26)}${pad('folders', 8)}${pad('messages', 10)}${pad('MB', 8)}  ${padEnd('largest message', 38)}${pad('estimate', 9)}`,
	);
	for (const report of reports) {
		if (report.error) {
			say(`  ${padEnd(report.mailbox, 26)}error: ${report.error}`);
			continue;
		}
		const { totals, largestMessage } = report.source;
		const largest = largestMessage
			? `${megabytes(largestMessage.bytes)} MB in ${largestMessage.folder}`
			: '-';
		say(
			`  ${padEnd(report.mailbox, 26)}${pad(totals.folders, 8)}${pad(totals.messages, 10)}${pad(megabytes(totals.bytes), 8)}  ${padEnd(largest, 38)}${pad(`${report.estimate.seconds} s`, 9)}`,
		);
		for (const warning of report.warnings as string[]) say(`    warning: ${warning}`);
	}
}

function printMigration(migrated: Json[], verified: Json[]): void {
	say(
		`  ${padEnd('mailbox', 26)}${padEnd('status', 11)}${pad('copied', 7)}${pad('MB', 8)}${pad('seconds', 9)}${pad('msg/s', 8)}  verify`,
	);
	migrated.forEach((report, index) => {
		const verify = verified[index] ?? {};
		if (report.error) {
			say(`  ${padEnd(report.mailbox, 26)}${padEnd('failed', 11)}${report.error}`);
			return;
		}
		const differences = verify.error
			? `error: ${verify.error}`
			: `${(verify.differences ?? []).length} differences`;
		say(
			`  ${padEnd(report.mailbox, 26)}${padEnd(report.status, 11)}${pad(report.counts.copied, 7)}${pad(megabytes(report.bytes), 8)}${pad(report.seconds.toFixed(1), 9)}${pad(Math.round(report.messagesPerSecond), 8)}  ${differences}`,
		);
		const folderMoves = (report.folders as Json[]).filter(
			(folder) => folder.source !== folder.target,
		);
		for (const folder of folderMoves) say(`    ${folder.source} -> ${folder.target}`);
	});
}

/** A script that opens the kept demo in the n8n editor: the home's environment, written once, never printed. */
function writeStartScript(home: N8nHome): string {
	const script = path.join(home.folder, 'start-n8n.sh');
	const keys = [
		'N8N_USER_FOLDER',
		'N8N_ENCRYPTION_KEY',
		'N8N_COMMUNITY_PACKAGES_ENABLED',
		'N8N_RUNNERS_ENABLED',
		'N8N_DIAGNOSTICS_ENABLED',
	];
	const exports = keys.map((key) => `export ${key}='${String(home.env[key] ?? '')}'`).join('\n');
	fs.writeFileSync(script, `#!/bin/sh\n${exports}\nexec '${home.node}' '${home.n8n}' start\n`, {
		mode: 0o700,
	});
	return script;
}

async function main(): Promise<void> {
	const keep = process.argv.includes('--keep');
	const started = Date.now();
	const services = new TestServices();
	let home: N8nHome | null = null;
	let servers: DovecotServer[] = [];
	try {
		say('Mailbox migration demo');
		const [source, target] = await Promise.all([
			services.dovecot({ name: 'demo-source', master: MASTER }),
			services.dovecot({ name: 'demo-target', master: MASTER }),
		]);
		servers = [source, target];
		say(
			`  source Dovecot 127.0.0.1:${source.port}, target Dovecot 127.0.0.1:${target.port} (master user "${MASTER.user}")`,
		);
		const samples = await fillSampleMailboxes(source, target);
		for (const sample of samples) {
			say(
				`  ${padEnd(sample.mailbox, 26)}${sample.messages} messages in ${sample.folders} folders`,
			);
		}

		say(
			`  preparing n8n ${N8N_VERSION} with this package (the first time installs n8n, about 7 minutes)`,
		);
		home = await createN8nHome(packPackage());
		await importCredentials(home, [
			imapCredential('mailSource', 'Mail Source (IMAP)', 'mailSourceImap', source),
			imapCredential('mailTarget', 'Mail Target (IMAP)', 'mailTargetImap', target),
		]);
		const mailboxes = samples.map((sample) => ({
			sourceMailbox: sample.mailbox,
			targetMailbox: sample.mailbox,
		}));

		say();
		say('Pre-flight (workflows/preflight.json)');
		const preflight = await runTemplate(
			home,
			withMailboxes(loadTemplate('preflight.json'), mailboxes),
		);
		printPreflight(preflight.nodes['Pre-flight'] ?? []);

		say();
		say('Migration, mode Full, name "wave-1", then Verify (workflows/migrate.json)');
		const migration = await runTemplate(home, migrateWorkflow(mailboxes));
		printMigration(migration.nodes.Migrate ?? [], migration.nodes.Verify ?? []);

		say();
		say(`n8n home: ${home.folder}`);
		say(`ledger:   ${defaultLedgerPath(home.folder)}`);
		if (keep) {
			say(
				`kept. Open the workflows in n8n: ${writeStartScript(home)} (then http://localhost:5678)`,
			);
			say('  (mailbox and master passwords: test/demo/sampleMailboxes.ts and test/demo/demo.ts)');
			for (const server of servers)
				say(`  stop ${server.name}: kill $(cat ${server.dir}/run/master.pid)`);
		} else {
			say('servers stopped and folders removed (run with --keep to look around in n8n)');
		}
		say(`done in ${Math.round((Date.now() - started) / 1000)} s`);
	} finally {
		if (!keep) {
			if (home) removeN8nHome(home);
			await services.stopAll();
		}
	}
}

main().catch((error: unknown) => {
	process.stderr.write(
		`demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
	);
	process.exit(1);
});
