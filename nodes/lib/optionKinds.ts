/**
 * Ledgers, limiters, guards and mail stores are chosen by options tagged with a kind, as data (they cross into the
 * worker thread). This is the error of a factory given a kind it does not know, e.g. from a newer configuration.
 */
export function unknownKindError(concern: string, options: unknown, known: string[]): Error {
	const kind = (options as { kind?: unknown } | null | undefined)?.kind;
	const choices = known.map((name) => JSON.stringify(name)).join(' or ');
	return new Error(`${concern}: unknown kind ${JSON.stringify(kind)}; use ${choices}`);
}
