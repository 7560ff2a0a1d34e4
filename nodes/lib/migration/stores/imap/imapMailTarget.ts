/**
 * The target side: a mailbox written with one MULTIAPPEND per batch (SELECT first: Dovecot appends into a selected
 * folder much more cheaply). A refused batch is sent again one message at a time so each gets its own answer,
 * except when the server is busy; a message refused with keywords is stored without them.
 */
import { flagList, internalDateArg } from '../../../imap/commandEncoding';
import type { ImapEndpoint } from '../../../imap/endpoint';
import { ImapError } from '../../../imap/imapErrors';
import type { AppendMessage, ImapSessionOptions } from '../../../imap/ImapSession';
import {
	AppendInterruptedError,
	SessionLostError,
	type AppendItem,
	type AppendResult,
	type MailTarget,
	type TargetFolderStatus,
} from '../../mailStore';
import { connectSession, folderStatusOf, ImapStore } from './imapStore';
import { busyOf, failureOf, isSizeRefusal } from './serverRefusals';

/** A message ready for APPEND, with the flags left out because IMAP cannot carry them. */
type SendableMessage = AppendMessage & { flags: readonly string[]; dropped?: string[] };

type Prepared =
	{ index: number; message: SendableMessage } | { index: number; result: AppendResult };

function keywordsOf(flags: readonly string[]): string[] {
	return flags.filter((flag) => !flag.startsWith('\\'));
}

function isSendableFlag(flag: string): boolean {
	try {
		flagList([flag]);
		return true;
	} catch {
		return false;
	}
}

/** The `flagsDropped` of a stored message whose unsendable flags were left out. */
function dropped(message: SendableMessage): { flagsDropped?: string[] } {
	return message.dropped ? { flagsDropped: message.dropped } : {};
}

export class ImapMailTarget extends ImapStore implements MailTarget {
	static async open(
		endpoint: ImapEndpoint,
		options: ImapSessionOptions = {},
	): Promise<ImapMailTarget> {
		return new ImapMailTarget(await connectSession(endpoint, options), endpoint);
	}

	get appendLimit(): number | null {
		return this.session.appendLimit;
	}

	async createFolder(rawName: string): Promise<void> {
		try {
			await this.guarded(() => this.session.create(rawName));
		} catch (error) {
			const exists =
				error instanceof ImapError &&
				error.kind === 'no' &&
				(error.code === 'ALREADYEXISTS' || /already exists/i.test(error.serverText ?? ''));
			if (!exists) throw error;
		}
	}

	async subscribe(rawName: string): Promise<void> {
		await this.guarded(() => this.session.subscribe(rawName));
	}

	async openFolder(rawName: string): Promise<TargetFolderStatus> {
		this.openedFolder = null;
		const selected = await this.guarded(() => this.session.select(rawName));
		this.openedFolder = rawName;
		return { ...folderStatusOf(selected), permanentFlags: selected.permanentFlags };
	}

	async append(items: readonly AppendItem[]): Promise<AppendResult[]> {
		const folder = this.requireOpenFolder();
		const results: AppendResult[] = new Array(items.length);
		const sendable: { index: number; message: SendableMessage }[] = [];
		for (const prepared of items.map((item, index) => this.prepare(item, index))) {
			if ('result' in prepared) results[prepared.index] = prepared.result;
			else sendable.push(prepared);
		}
		if (sendable.length > 1 && this.session.has('MULTIAPPEND')) {
			try {
				const appended = await this.session.append(
					folder,
					sendable.map((entry) => entry.message),
				);
				sendable.forEach((entry, position) => {
					results[entry.index] = { ok: true, ...appended[position], ...dropped(entry.message) };
				});
				return results;
			} catch (error) {
				const translated = this.translate(error);
				if (!(translated instanceof ImapError)) throw translated;
				// A busy server refuses the batch, not a message: answering with more commands would only add load.
				if (busyOf(translated)) {
					const failure = failureOf(translated);
					for (const entry of sendable) results[entry.index] = failure;
					return results;
				}
				// RFC 3502: nothing of the batch was stored. One by one, each message gets its own answer.
			}
		}
		const outcomes = await Promise.allSettled(
			sendable.map((entry) => this.session.append(folder, [entry.message])),
		);
		this.throwIfInterrupted(results, sendable, outcomes);
		const refused: { index: number; message: SendableMessage }[] = [];
		outcomes.forEach((outcome, position) => {
			const { index, message } = sendable[position];
			if (outcome.status === 'fulfilled') {
				results[index] = { ok: true, ...outcome.value[0], ...dropped(message) };
				return;
			}
			const translated = this.translate(outcome.reason);
			if (!(translated instanceof ImapError)) throw translated;
			results[index] = failureOf(translated);
			if (keywordsOf(message.flags).length && !busyOf(translated) && !isSizeRefusal(translated)) {
				refused.push({ index, message });
			}
		});
		for (const { index, message } of refused) {
			results[index] = (await this.appendWithoutKeywords(folder, message)) ?? results[index];
		}
		return results;
	}

	/**
	 * One APPEND of a batch cost the session (a BYE while others were in flight): the batch ends with what the server
	 * acknowledged before, so those are recorded as copied rather than searched for in the target on resuming.
	 */
	private throwIfInterrupted(
		prepared: readonly (AppendResult | undefined)[],
		sendable: readonly { index: number; message: SendableMessage }[],
		outcomes: readonly PromiseSettledResult<{ uid: number | null; uidValidity: number | null }[]>[],
	): void {
		const lost = outcomes
			.map((outcome) => (outcome.status === 'rejected' ? this.translate(outcome.reason) : null))
			.find((error) => error instanceof SessionLostError);
		if (!lost) return;
		const results = Array.from(prepared, (result) => result ?? null);
		outcomes.forEach((outcome, position) => {
			const { index, message } = sendable[position];
			if (outcome.status === 'fulfilled') {
				results[index] = { ok: true, ...outcome.value[0], ...dropped(message) };
			}
		});
		throw new AppendInterruptedError(lost, results);
	}

	/**
	 * A message refused with keywords (a target with a keyword limit, or one that refuses some names) is stored
	 * without them; the keywords are reported as not kept. Null when it is refused without them too.
	 */
	private async appendWithoutKeywords(
		folder: string,
		message: SendableMessage,
	): Promise<AppendResult | null> {
		const keywords = keywordsOf(message.flags);
		const bare = { ...message, flags: message.flags.filter((flag) => flag.startsWith('\\')) };
		delete bare.dropped;
		try {
			const [appended] = await this.session.append(folder, [bare]);
			const earlier = message.dropped ?? [];
			return { ok: true, ...appended, flagsDropped: [...earlier, ...keywords] };
		} catch (error) {
			const translated = this.translate(error);
			if (!(translated instanceof ImapError)) throw translated;
			return null;
		}
	}

	/** Checks an item locally, so one bad flag or date fails that item rather than its whole batch. */
	private prepare(item: AppendItem, index: number): Prepared {
		const limit = this.appendLimit;
		if (limit !== null && item.raw.length > limit) {
			return {
				index,
				result: {
					ok: false,
					code: 'TOOBIG',
					message: `message of ${item.raw.length} bytes exceeds the target's APPENDLIMIT of ${limit} bytes`,
					permanent: true,
					tooBig: true,
				},
			};
		}
		try {
			if (item.internalDate) internalDateArg(item.internalDate);
		} catch (error) {
			return { index, result: failureOf(error as ImapError) };
		}
		// A keyword IMAP cannot carry (8-bit, specials) is left out and reported, not a reason to fail the message.
		const invalid = item.flags.filter((flag) => !isSendableFlag(flag));
		return {
			index,
			message: {
				raw: item.raw,
				flags: invalid.length ? item.flags.filter(isSendableFlag) : item.flags,
				internalDate: item.internalDate ? item.internalDate : undefined,
				...(invalid.length ? { dropped: invalid } : {}),
			},
		};
	}

	async setFlags(uid: number, flags: string[]): Promise<void> {
		this.requireOpenFolder();
		await this.guarded(() => this.session.uidStore(String(uid), 'FLAGS', flags));
	}
}
