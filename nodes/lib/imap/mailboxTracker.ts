/**
 * What the server says about the selected mailbox in untagged responses (EXISTS, EXPUNGE, FLAGS and the
 * UIDVALIDITY/UIDNEXT/HIGHESTMODSEQ/PERMANENTFLAGS codes): the receiver feeds it, SELECT/EXAMINE reads it.
 */
import type { ImapValue } from './responseParser';
import { strings, text } from './responseValues';

export interface SelectedMailbox {
	name: string;
	readOnly: boolean;
	exists: number;
	uidValidity: number;
	uidNext: number;
	/** Decimal string; null without CONDSTORE or with NOMODSEQ. */
	highestModseq: string | null;
	flags: string[];
	permanentFlags: string[];
}

export class MailboxTracker {
	/** What untagged responses said since the last SELECT/EXAMINE began. */
	private seen: Partial<SelectedMailbox> = {};

	/** The mailbox opened last, its message count kept current; null while none is (or one is being opened). */
	selected: SelectedMailbox | null = null;

	/** A SELECT/EXAMINE is about to be sent: what follows describes the new mailbox. */
	begin(): void {
		this.selected = null;
		this.seen = { highestModseq: null };
	}

	/** The SELECT/EXAMINE succeeded: what its untagged responses said is now the selected mailbox. */
	opened(name: string, readOnly: boolean): SelectedMailbox {
		const seen = this.seen;
		this.selected = {
			name,
			readOnly,
			exists: seen.exists ?? 0,
			uidValidity: seen.uidValidity ?? 0,
			uidNext: seen.uidNext ?? 0,
			highestModseq: seen.highestModseq ?? null,
			flags: seen.flags ?? [],
			permanentFlags: seen.permanentFlags ?? [],
		};
		return this.selected;
	}

	/** The session ended: no mailbox is selected any more. */
	forget(): void {
		this.selected = null;
	}

	exists(count: number): void {
		this.seen.exists = count;
		if (this.selected) this.selected.exists = count;
	}

	expunged(): void {
		if (this.selected && this.selected.exists > 0) this.selected.exists--;
	}

	flags(value: ImapValue | undefined): void {
		this.seen.flags = strings(value);
	}

	/** The response code of an untagged OK/NO/BAD. */
	statusCode(code: string | undefined, arg: ImapValue | undefined): void {
		switch (code) {
			case 'UIDVALIDITY':
				this.seen.uidValidity = Number(text(arg));
				break;
			case 'UIDNEXT':
				this.seen.uidNext = Number(text(arg));
				break;
			case 'HIGHESTMODSEQ':
				this.seen.highestModseq = text(arg);
				break;
			case 'NOMODSEQ':
				this.seen.highestModseq = null;
				break;
			case 'PERMANENTFLAGS':
				this.seen.permanentFlags = strings(arg);
				break;
			default:
				break;
		}
	}
}
