import type { MailTarget } from './mailStore';

/** Decides which source flags a target folder keeps: those in its PERMANENTFLAGS, keywords when it lists `\*`. */
export class FlagPolicy {
	private readonly allowed: Set<string>;
	private readonly anyKeyword: boolean;
	private readonly acceptsAll: boolean;

	constructor(permanentFlags: readonly string[]) {
		this.allowed = new Set(permanentFlags.map((flag) => flag.toLowerCase()));
		this.anyKeyword = this.allowed.has('\\*');
		// No PERMANENTFLAGS at all means every flag is permanent (RFC 3501 7.1).
		this.acceptsAll = permanentFlags.length === 0;
	}

	/** Flags to set on the target, and those it cannot keep (\Recent is session state, never copied nor reported). */
	split(flags: readonly string[]): { kept: string[]; dropped: string[] } {
		const kept: string[] = [];
		const dropped: string[] = [];
		for (const flag of flags) {
			const lower = flag.toLowerCase();
			if (lower === '\\recent') continue;
			const isSystem = flag.startsWith('\\');
			if (this.acceptsAll || this.allowed.has(lower) || (!isSystem && this.anyKeyword))
				kept.push(flag);
			else dropped.push(flag);
		}
		return { kept, dropped };
	}
}

/** Order-independent form of a flag list, as stored in the ledger. */
export function flagsKey(flags: readonly string[]): string {
	return [...flags]
		.map((flag) => flag.toLowerCase())
		.sort()
		.join(' ');
}

/** The flags a copy made with `flags` has on this target (see MailTarget.storedFlags), in flagsKey form. */
export function storedFlagsKey(
	target: Pick<MailTarget, 'storedFlags'>,
	flags: readonly string[],
): string {
	return flagsKey(target.storedFlags ? target.storedFlags(flags) : flags);
}
