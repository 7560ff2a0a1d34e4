/**
 * The wave and rollback templates as a team edits them for its own servers: the roster or the list of users to roll
 * back, the settings node (migration name, ledger file, OSS/CRM URLs, the mail addresses) and the ops time zone. The
 * LDAP templates, credentials and everything else run as shipped (the wave servers use the samples' names).
 */
import { loadTemplate } from './n8nRuntime';
import type { RosterRow, WaveServers } from './waveServers';
import { NEW_HOST } from './waveServers';
import type { TemplateNode } from './workflowFixtures';

export interface OpsClock {
	/** An IANA zone (Etc/GMT±N) at least 6 hours from UTC where it is at least 6 hours from midnight now. */
	zone: string;
	/** YYYY-MM-DD in that zone, now. */
	today: string;
	tomorrow: string;
}

/**
 * The ops time zone for a test run: "today" in it cannot change while the test runs (at least 6 hours to either
 * midnight), and it is far from UTC, so a date compared in UTC instead of the zone would fall on the wrong side.
 */
export function opsClock(now = new Date()): OpsClock {
	const hour = now.getUTCHours();
	let best = { offset: 6, distance: -1 };
	for (let offset = -12; offset <= 14; offset++) {
		if (Math.abs(offset) < 6) continue;
		const local = (((hour + offset) % 24) + 24) % 24;
		const distance = Math.min(local, 24 - local);
		if (distance > best.distance) best = { offset, distance };
	}
	// POSIX-style names: Etc/GMT-6 is six hours ahead of UTC.
	const zone = `Etc/GMT${best.offset > 0 ? '-' : '+'}${Math.abs(best.offset)}`;
	const today = new Intl.DateTimeFormat('en-CA', { timeZone: zone }).format(now);
	const next = new Date(`${today}T00:00:00Z`);
	next.setUTCDate(next.getUTCDate() + 1);
	return { zone, today, tomorrow: next.toISOString().slice(0, 10) };
}

function nodeOf(workflow: Record<string, unknown>, name: string): TemplateNode {
	const node = (workflow.nodes as TemplateNode[]).find((candidate) => candidate.name === name);
	if (!node) throw new Error(`template ${String(workflow.id)} has no "${name}" node`);
	return node;
}

/** The template with its time zone set and the JSON of its settings node replaced. */
function editedTemplate(
	file: string,
	clock: OpsClock,
	settingsNode: string,
	settings: Record<string, string>,
): Record<string, unknown> {
	const workflow = structuredClone(loadTemplate(file));
	workflow.settings = { ...(workflow.settings as object), timezone: clock.zone };
	const node = nodeOf(workflow, settingsNode);
	node.parameters.jsonOutput = JSON.stringify({
		...(JSON.parse(String(node.parameters.jsonOutput)) as Record<string, string>),
		...settings,
	});
	return workflow;
}

export function waveWorkflow(
	wave: WaveServers,
	roster: RosterRow[],
	clock: OpsClock,
	migrationName: string,
): Record<string, unknown> {
	const workflow = editedTemplate('migration-wave.json', clock, 'Wave settings', {
		migrationName,
		ledgerFile: wave.ledgerPath,
		newMailHost: NEW_HOST,
		ossStatusUrl: wave.oss.url,
		reportsTo: wave.reportsDl.address,
	});
	nodeOf(workflow, 'Roster').parameters.jsonOutput = JSON.stringify({ users: roster });
	return workflow;
}

/** A user to roll back: their roster line, and why (the ops email says it). */
export type RollbackRow = Pick<RosterRow, 'sourceMailbox' | 'email' | 'name' | 'timeZone'> & {
	reason?: string;
};

export function rollbackWorkflow(
	wave: WaveServers,
	users: RollbackRow[],
	clock: OpsClock,
	migrationName: string,
): Record<string, unknown> {
	const workflow = editedTemplate('rollback.json', clock, 'Rollback settings', {
		migrationName,
		ledgerFile: wave.ledgerPath,
		crmWebhookUrl: wave.crm.url,
		opsTo: wave.ops.address,
	});
	nodeOf(workflow, 'Users to roll back').parameters.jsonOutput = JSON.stringify({ users });
	return workflow;
}
