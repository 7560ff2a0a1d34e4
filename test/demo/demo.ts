/**
 * `npm run demo`: the whole migration wave on private demo servers (test/e2e/waveServers.ts: slapd, the old and the
 * new Dovecot, Postfix routing by mailHost, an OSS receiver, the DL mailbox), in real n8n with this package
 * installed: the shipped `migration-wave.json` with its sample roster, its dates moved so tonight's users are due
 * today, then a readable summary of what happened, read where it happened.
 *
 *   npm run demo [-- --keep]    --keep then leaves n8n's editor running (every template imported, the credentials
 *                               set up for the demo servers) with the servers up, until Ctrl-C
 */
import { startN8nServer, type N8nServer } from '../e2e/n8nEditor';
import {
	createN8nHome,
	importCredentials,
	importWorkflow,
	loadTemplate,
	N8N_VERSION,
	packPackage,
	removeN8nHome,
	runWorkflow,
	templateFiles,
	type N8nHome,
} from '../e2e/n8nRuntime';
import { startWaveServers, type RosterRow, type WaveServers } from '../e2e/waveServers';
import { opsClock, rollbackWorkflow, waveWorkflow, type OpsClock } from '../e2e/waveWorkflows';
import type { OutputItem, TemplateNode } from '../e2e/workflowFixtures';
import { TestServices } from '../harness/services';
import { printWaveSummary } from './waveSummary';

const MIGRATION = 'wave-1';

function say(message = ''): void {
	process.stdout.write(`${message}\n`);
}

/** The template's sample roster, every date moved by the same number of days so that the earliest is today. */
function sampleRosterFromToday(clock: OpsClock): RosterRow[] {
	const roster = (loadTemplate('migration-wave.json').nodes as TemplateNode[]).find(
		(node) => node.name === 'Roster',
	);
	if (!roster) throw new Error('migration-wave.json has no "Roster" node');
	const rows = (JSON.parse(String(roster.parameters.jsonOutput)) as { users: RosterRow[] }).users;
	const day = (date: string) => Date.parse(`${date}T00:00:00Z`);
	const shift = day(clock.today) - Math.min(...rows.map((row) => day(row.migrationDate)));
	return rows.map((row) => ({
		...row,
		migrationDate: new Date(day(row.migrationDate) + shift).toISOString().slice(0, 10),
	}));
}

/** Every shipped template into the kept n8n: the wave and rollback set up for the demo servers, the rest as shipped. */
async function importEveryTemplate(
	home: N8nHome,
	wave: WaveServers,
	roster: RosterRow[],
	clock: OpsClock,
): Promise<string[]> {
	const forDemo: Record<string, () => Record<string, unknown>> = {
		'migration-wave.json': () => waveWorkflow(wave, roster, clock, MIGRATION),
		'rollback.json': () => rollbackWorkflow(wave, roster.slice(0, 1), clock, MIGRATION),
	};
	const files = templateFiles();
	for (const file of files)
		await importWorkflow(home, (forDemo[file] ?? (() => loadTemplate(file)))());
	return files;
}

/** Leaves n8n's editor and the servers running until Ctrl-C (or SIGTERM), then stops them by their PIDs. */
async function keepRunning(server: N8nServer, stop: () => Promise<void>): Promise<void> {
	say();
	say(`n8n editor: ${server.url}`);
	say(`  sign in as ${server.owner.email}, password ${server.owner.password}`);
	say('  every template is imported; its credentials point at the demo servers');
	say('Ctrl-C stops n8n and every demo server (by their PIDs) and removes their folders.');
	await new Promise<void>((resolve) => {
		const done = () => resolve();
		process.once('SIGINT', done);
		process.once('SIGTERM', done);
	});
	say('stopping...');
	await server.stop();
	await stop();
}

async function main(): Promise<void> {
	const keep = process.argv.includes('--keep');
	const started = Date.now();
	const services = new TestServices();
	let home: N8nHome | null = null;
	const stopAll = async () => {
		if (home) removeN8nHome(home);
		await services.stopAll();
	};
	try {
		say('Mailbox migration demo: the nightly wave (workflows/migration-wave.json)');
		const wave = await startWaveServers(services);
		say(
			`  directory   slapd ${wave.directory.url} (${wave.routingDn}: routing, ${wave.accountsDn}: new accounts)`,
		);
		say(`  old mail    Dovecot 127.0.0.1:${wave.oldServer.port}`);
		say(`  new mail    Dovecot 127.0.0.1:${wave.newServer.port} (logins from ${wave.accountsDn})`);
		say(`  MTA         Postfix 127.0.0.1:${wave.mx.port}, routing by mailHost`);
		say(`  OSS         ${wave.oss.url}`);

		const clock = opsClock();
		const roster = sampleRosterFromToday(clock);
		say(`  ops time zone ${clock.zone}, today ${clock.today}; the sample roster:`);
		for (const row of roster)
			say(
				`    ${row.sourceMailbox.padEnd(8)}${row.email.padEnd(22)}migration date ${row.migrationDate}`,
			);

		say(
			`  preparing n8n ${N8N_VERSION} with this package (the first time installs n8n, about 7 minutes)`,
		);
		home = await createN8nHome(packPackage());
		await importCredentials(home, wave.credentials);

		say();
		say('Running the wave...');
		const run = await runWorkflow(home, waveWorkflow(wave, roster, clock, MIGRATION));
		if (run.error) throw new Error(`the wave failed: ${run.error}`);
		const [summary] = (run.nodes.Report ?? []) as OutputItem[];
		await printWaveSummary(say, wave, roster, run, summary);

		if (keep) {
			say();
			say(`ledger: ${wave.ledgerPath}; n8n's user folder: ${home.folder}`);
			const files = await importEveryTemplate(home, wave, roster, clock);
			say(`starting n8n's editor with ${files.join(', ')}`);
			const server = await startN8nServer(home);
			say(`ready in ${Math.round((Date.now() - started) / 1000)} s`);
			await keepRunning(server, stopAll);
		} else {
			say(
				`done in ${Math.round((Date.now() - started) / 1000)} s; servers stopped and folders removed`,
			);
			say(
				'(npm run demo -- --keep leaves n8n and the servers running, to look around in the editor)',
			);
			await stopAll();
		}
	} catch (error) {
		await stopAll();
		throw error;
	}
}

main().catch((error: unknown) => {
	process.stderr.write(
		`demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
	);
	process.exit(1);
});
