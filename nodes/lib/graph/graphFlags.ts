/**
 * IMAP flags and keywords as Outlook keeps them. Graph has fields for read state, follow-up flag and categories; the
 * rest lives in MAPI properties that must be set at creation (PidTagMessageFlags cannot change after the first save).
 *
 * - `\Seen` → isRead (and mfRead in PidTagMessageFlags, which is the same bit).
 * - `\Flagged` → flag `{ flagStatus: 'flagged' }`.
 * - `\Draft` → stays a draft (mfUnsent): an unfinished message the user can go on editing and send, as Exchange's
 *   own IMAP APPEND makes it. Every other message is created as a non-draft.
 * - `\Answered` → PidTagLastVerbExecuted NOTEIVERB_REPLYTOSENDER + PidTagIconIndex "replied"; `$Forwarded` →
 *   NOTEIVERB_FORWARD + "forwarded". These are the properties Exchange's IMAP server derives both flags from
 *   (Kopano's gateway maps them the same way). There is one last verb: when both flags are set, \Answered wins.
 * - Keywords → categories, as they are, except IMAP system keywords (`$`-prefixed, RFC 5788 / IANA "IMAP Keywords",
 *   and their older unprefixed spellings) whose meaning Exchange keeps elsewhere or not at all: junk state is the
 *   folder, MDN state has no Graph equivalent. Thunderbird's five built-in tags `$label1`…`$label5` become the
 *   names Thunderbird shows for them.
 * - `\Deleted` and `\Recent` are session state, not carried.
 */
import {
	ICON_FORWARDED,
	ICON_INDEX,
	ICON_REPLIED,
	LAST_VERB_EXECUTED,
	MESSAGE_FLAGS,
	MSGFLAG_READ,
	MSGFLAG_UNSENT,
	VERB_FORWARD,
	VERB_REPLY_TO_SENDER,
	type ExtendedProperty,
} from './graphProperties';

export interface GraphFlagState {
	isRead: boolean;
	isDraft: boolean;
	flagged: boolean;
	answered: boolean;
	forwarded: boolean;
	/** In source order, each once. */
	categories: string[];
}

/** Thunderbird's default tag names (mailnews `mailnews.tags.$labelN.tag`). */
const THUNDERBIRD_LABELS: Record<string, string> = {
	$label1: 'Important',
	$label2: 'Work',
	$label3: 'Personal',
	$label4: 'To Do',
	$label5: 'Later',
};

const FORWARDED_KEYWORDS = new Set(['$forwarded', 'forwarded']);
/** Keywords that are protocol state, not user labels, compared lower-cased. */
const STATE_KEYWORDS = new Set(['junk', 'nonjunk', 'notjunk', 'mdnsent', 'phishing']);

function categoryOf(keyword: string): string | null {
	const lower = keyword.toLowerCase();
	if (THUNDERBIRD_LABELS[lower]) return THUNDERBIRD_LABELS[lower];
	if (keyword.startsWith('$') || STATE_KEYWORDS.has(lower) || FORWARDED_KEYWORDS.has(lower))
		return null;
	return keyword;
}

export function graphFlagState(flags: readonly string[]): GraphFlagState {
	const system = new Set(
		flags.filter((flag) => flag.startsWith('\\')).map((flag) => flag.toLowerCase()),
	);
	const keywords = flags.filter((flag) => !flag.startsWith('\\') && flag.length > 0);
	const categories: string[] = [];
	for (const keyword of keywords) {
		const category = categoryOf(keyword);
		if (category !== null && !categories.includes(category)) categories.push(category);
	}
	return {
		isRead: system.has('\\seen'),
		isDraft: system.has('\\draft'),
		flagged: system.has('\\flagged'),
		answered: system.has('\\answered'),
		forwarded: keywords.some((keyword) => FORWARDED_KEYWORDS.has(keyword.toLowerCase())),
		categories,
	};
}

/**
 * The IMAP flags a message in this state reads back as: what the target lists for it, and so what Verify and Delta
 * compare a source message's flags with (through graphFlagState, the converter's own mapping). One last verb:
 * \Answered wins over $Forwarded, as flagProperties sets it.
 */
export function imapFlagsOf(state: GraphFlagState): string[] {
	const flags: string[] = [];
	if (state.isRead) flags.push('\\Seen');
	if (state.flagged) flags.push('\\Flagged');
	if (state.isDraft) flags.push('\\Draft');
	if (state.answered) flags.push('\\Answered');
	else if (state.forwarded) flags.push('$Forwarded');
	flags.push(...state.categories);
	return flags;
}

/** The flags a copy made with `flags` reads back with: keywords renamed or dropped as the converter does. */
export function flagsAsGraphKeepsThem(flags: readonly string[]): string[] {
	return imapFlagsOf(graphFlagState(flags));
}

/** The Graph message fields for the state: isRead always, flag and categories when there are any. */
export function flagFields(state: GraphFlagState): Record<string, unknown> {
	return {
		isRead: state.isRead,
		...(state.flagged ? { flag: { flagStatus: 'flagged' } } : {}),
		...(state.categories.length > 0 ? { categories: state.categories } : {}),
	};
}

/** PidTagMessageFlags always (it decides draft or not), the reply/forward verb when there is one. */
export function flagProperties(state: GraphFlagState): ExtendedProperty[] {
	const messageFlags = (state.isRead ? MSGFLAG_READ : 0) | (state.isDraft ? MSGFLAG_UNSENT : 0);
	const properties: ExtendedProperty[] = [{ id: MESSAGE_FLAGS, value: String(messageFlags) }];
	const verb = state.answered
		? { verb: VERB_REPLY_TO_SENDER, icon: ICON_REPLIED }
		: state.forwarded
			? { verb: VERB_FORWARD, icon: ICON_FORWARDED }
			: null;
	if (verb) {
		properties.push(
			{ id: LAST_VERB_EXECUTED, value: String(verb.verb) },
			{ id: ICON_INDEX, value: String(verb.icon) },
		);
	}
	return properties;
}
