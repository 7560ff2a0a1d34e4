/**
 * An IMAP-aware TCP proxy on 127.0.0.1 in front of a server, for tests of what clients do when a server says
 * "not now". It forwards everything, but follows client commands (tags, literals, MULTIAPPEND) and server responses
 * (imapFraming.ts) well enough that a rule script (throttleRules.ts) can answer chosen commands itself
 * (`TAG NO [THROTTLED] ...`, never forwarded) or end the session with `* BYE [UNAVAILABLE] ...` in place of a
 * command, the way Exchange and Gmail shed load. proxiedSession.ts carries one connection.
 *
 *   const proxy = services.add(await startThrottlingProxy(target.port, [
 *     refuse({ command: 'APPEND', every: 5, times: 3, code: 'THROTTLED', text: 'Suggested Backoff Time: 200 milliseconds' }),
 *   ]));
 */
import net from 'node:net';

import { ProxiedSession, type ThrottleCounts } from './proxiedSession';
import type { LiveRule, ThrottleRule } from './throttleRules';

export interface ThrottlingProxy {
	name: string;
	port: number;
	/** Live counters (read them after the run). */
	readonly counts: ThrottleCounts;
	/** Connections open right now. */
	readonly activeConnections: number;
	/** Replaces the rule script; counting starts again. Open connections follow the new script from their next command. */
	setRules(rules: readonly ThrottleRule[]): void;
	close(): Promise<void>;
	/** Same as close(): lets TestServices own it. */
	stop(): Promise<void>;
}

export async function startThrottlingProxy(
	targetPort: number,
	rules: readonly ThrottleRule[] = [],
	targetHost = '127.0.0.1',
): Promise<ThrottlingProxy> {
	let live: LiveRule[] = [];
	const setRules = (next: readonly ThrottleRule[]) => {
		live = next.map((rule) => ({ rule, seen: 0, fired: 0 }));
	};
	setRules(rules);
	const counts: ThrottleCounts = { connections: 0, forwarded: {}, refused: {}, byes: 0, log: [] };
	const sessions = new Set<ProxiedSession>();

	const server = net.createServer((client) => {
		counts.connections++;
		const upstream = net.connect({ host: targetHost, port: targetPort });
		const session: ProxiedSession = new ProxiedSession(
			counts.connections,
			client,
			upstream,
			() => live,
			counts,
			() => sessions.delete(session),
		);
		sessions.add(session);
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => resolve());
	});
	const { port } = server.address() as net.AddressInfo;

	const close = async () => {
		for (const session of [...sessions]) session.end();
		await new Promise<void>((resolve) => server.close(() => resolve()));
	};

	return {
		name: `throttling proxy :${port} → ${targetHost}:${targetPort}`,
		port,
		counts,
		get activeConnections() {
			return sessions.size;
		},
		setRules,
		close,
		stop: close,
	};
}
