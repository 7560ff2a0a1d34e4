/**
 * One Switch or Rollback of one user's routing in a child process, for the crash tests. Input: one JSON argument
 * (RoutingCliCommand). Failpoint: MM_ROUTING_KILL_AT=afterSnapshot|afterModify kills the process by SIGKILL in that
 * hook of lib/routing (after the snapshot is stored / after the entry is modified, before the state is), saying so
 * on stdout first. Prints the result as one JSON line.
 */
import { writeSync } from 'node:fs';

import { openLdapDirectory, type LdapSettings } from '../../nodes/lib/ldap';
import { openLedger, type RoutingValues } from '../../nodes/lib/ledger';
import {
	rollbackRouting,
	switchRouting,
	type RoutingHooks,
} from '../../nodes/lib/routing/setRouting';

export interface RoutingCliCommand {
	op: 'switch' | 'rollback';
	ledgerPath: string;
	settings: LdapSettings;
	migrationId: string;
	user: string;
	dn: string;
	attributes: RoutingValues;
}

function failpoint(): RoutingHooks {
	const at = process.env.MM_ROUTING_KILL_AT;
	if (at !== 'afterSnapshot' && at !== 'afterModify') return {};
	return {
		[at]: () => {
			writeSync(1, `failpoint: killed ${at}\n`);
			process.kill(process.pid, 'SIGKILL');
		},
	};
}

async function main(): Promise<void> {
	const command = JSON.parse(process.argv[2]) as RoutingCliCommand;
	const [directory, ledger] = await Promise.all([
		openLdapDirectory(command.settings),
		openLedger({ kind: 'sqlite', path: command.ledgerPath }),
	]);
	try {
		const key = { migrationId: command.migrationId, user: command.user };
		const result =
			command.op === 'switch'
				? await switchRouting(
						directory,
						ledger,
						{ ...key, wave: 'wave-1', locator: { dn: command.dn }, attributes: command.attributes },
						failpoint(),
					)
				: await rollbackRouting(directory, ledger, key, failpoint());
		process.stdout.write(`${JSON.stringify(result)}\n`);
	} finally {
		await directory.close();
		await ledger.close();
	}
}

main().catch((error: unknown) => {
	process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
	process.exit(1);
});
