/** What a LIST row's attributes say about the folder. Attributes are IMAP atoms and compare case-insensitively. */
import type { ListedFolder } from './types';

export function hasFlag(flags: readonly string[] | undefined, flag: string): boolean {
	return (flags ?? []).some((candidate) => candidate.toLowerCase() === flag.toLowerCase());
}

/** The folder holds messages: it is neither `\Noselect` nor `\NonExistent`. */
export function isSelectable(folder: ListedFolder): boolean {
	return !hasFlag(folder.flags, '\\Noselect') && !hasFlag(folder.flags, '\\NonExistent');
}

/** Subscribed by LSUB or by LIST-EXTENDED's `\Subscribed`. */
export function isSubscribed(folder: ListedFolder): boolean {
	return folder.subscribed === true || hasFlag(folder.flags, '\\Subscribed');
}
