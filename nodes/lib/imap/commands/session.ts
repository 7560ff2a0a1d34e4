/** Commands about the session rather than a mailbox: CAPABILITY, ENABLE (RFC 5161), NOOP and LOGOUT. */
import type { ImapConnection } from '../ImapConnection';
import { text } from '../responseValues';

export async function capability(connection: ImapConnection): Promise<ReadonlySet<string>> {
	await connection.command('CAPABILITY', ['CAPABILITY']);
	return connection.capabilities;
}

export async function noop(connection: ImapConnection): Promise<void> {
	await connection.command('NOOP', ['NOOP']);
}

/** Turns extensions on; resolves with those the server says it enabled. */
export async function enable(
	connection: ImapConnection,
	capabilities: readonly string[],
): Promise<string[]> {
	const result = await connection.command('ENABLE', [`ENABLE ${capabilities.join(' ')}`], {
		claims: (response) => response.type === 'ENABLED',
	});
	const enabled = result.untagged.flatMap((response) =>
		response.values.map((value) => text(value).toUpperCase()),
	);
	for (const cap of enabled) connection.enabled.add(cap);
	return enabled;
}

/** Says goodbye politely, then closes; never throws. */
export async function logout(connection: ImapConnection): Promise<void> {
	if (connection.isClosed) return;
	const timer = setTimeout(() => connection.destroy(), 5000);
	try {
		await connection.command('LOGOUT', ['LOGOUT']);
	} catch {
		// The server may close before the tagged OK; the session ends either way.
	} finally {
		clearTimeout(timer);
		connection.destroy();
	}
}
