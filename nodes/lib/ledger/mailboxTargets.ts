/** The naming rule for the ledger accounts of one source mailbox's targets, the same in every store. */

/** The first target of a source uses the source's own name (where files from before bindings keep their records). */
export function ledgerAccountFor(
	sourceAccount: string,
	targetAccount: string,
	firstTarget: boolean,
): string {
	return firstTarget ? sourceAccount : `${sourceAccount} -> ${targetAccount}`;
}
