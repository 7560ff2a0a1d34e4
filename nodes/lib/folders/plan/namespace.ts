/**
 * Where a listed name sits in a server's namespaces: decoded, stripped of the personal prefix and split on the
 * delimiter into the segments of its canonical path, or set aside as another namespace's folder.
 */
import { tryDecodeMutf7 } from '../mutf7';
import type { ListedFolder, MailboxLayout } from './types';

export const INBOX = 'INBOX';

export function isInboxName(name: string): boolean {
	return name.toUpperCase() === INBOX;
}

/** Directly under the root, or directly under INBOX: where special folders are recognised by name. */
export function isTopLevel(segments: readonly string[]): boolean {
	return segments.length === 1
		? !isInboxName(segments[0])
		: segments.length === 2 && segments[0] === INBOX;
}

/** A name as decoded, with the reason when it could not be and is used as listed. */
export interface DecodedName {
	name: string;
	warning?: string;
}

/** Decodes a name, falling back to the raw text (with a warning) so one broken name does not stop the plan. */
export function decodeLeniently(raw: string, layout: MailboxLayout): DecodedName {
	if (layout.utf8Names === true) return { name: raw };
	const decoded = tryDecodeMutf7(raw);
	if (decoded.ok) return { name: decoded.name };
	return { name: raw, warning: `${decoded.error.message}; the name is used as listed` };
}

/** A layout's namespace prefixes, decoded so that decoded names can be compared with them. */
export interface NamespaceView {
	prefix: string;
	delimiter: string | null;
	otherPrefixes: string[];
}

export function namespaceView(layout: MailboxLayout): NamespaceView {
	const decodePrefix = (prefix: string) => decodeLeniently(prefix, layout).name;
	return {
		prefix: decodePrefix(layout.personalPrefix),
		delimiter: layout.delimiter,
		otherPrefixes: (layout.otherNamespacePrefixes ?? []).filter(Boolean).map(decodePrefix),
	};
}

/** True for a personal prefix that is INBOX itself plus the delimiter (Courier's `INBOX.`). */
export function prefixIsInbox(namespace: NamespaceView): boolean {
	const { prefix, delimiter } = namespace;
	return (
		!!delimiter && isInboxName(prefix.slice(0, -delimiter.length)) && prefix.endsWith(delimiter)
	);
}

export type Location =
	{ kind: 'personal'; segments: string[] } | { kind: 'ignored'; reason: string };

/** Prefix comparison in which a leading INBOX is case-insensitive, as RFC 3501 makes it. */
function startsWithNamespacePrefix(name: string, prefix: string): boolean {
	if (prefix.toUpperCase().startsWith(INBOX)) {
		return (
			isInboxName(name.slice(0, INBOX.length)) &&
			name.slice(INBOX.length).startsWith(prefix.slice(INBOX.length))
		);
	}
	return name.startsWith(prefix);
}

/** Strips the personal prefix and splits on the delimiter; INBOX is always `['INBOX']`. */
export function locate(name: string, delimiter: string | null, namespace: NamespaceView): Location {
	if (isInboxName(name)) return { kind: 'personal', segments: [INBOX] };
	for (const other of namespace.otherPrefixes) {
		const root = delimiter && other.endsWith(delimiter) ? other.slice(0, -delimiter.length) : other;
		if (name.startsWith(other) || name === root) {
			return { kind: 'ignored', reason: `in the namespace '${other}', not the personal one` };
		}
	}
	let relative = name;
	if (namespace.prefix) {
		const root =
			delimiter && namespace.prefix.endsWith(delimiter)
				? namespace.prefix.slice(0, -delimiter.length)
				: namespace.prefix;
		if (
			!startsWithNamespacePrefix(name, namespace.prefix) ||
			name.length === namespace.prefix.length
		) {
			return {
				kind: 'ignored',
				reason:
					name === root || name === namespace.prefix
						? 'the personal namespace root itself'
						: `outside the personal namespace '${namespace.prefix}'`,
			};
		}
		relative = name.slice(namespace.prefix.length);
	}
	const segments = delimiter ? relative.split(delimiter) : [relative];
	// Without a prefix, INBOX may have children (Dovecot `INBOX/foo`); its name stays case-insensitive there too.
	if (!namespace.prefix && segments.length > 1 && isInboxName(segments[0])) segments[0] = INBOX;
	return { kind: 'personal', segments };
}

/** A listed folder decoded and located, with the decoding warning if its name was used as listed. */
export type LocatedFolder = Location & { warning?: string };

/** Decodes and locates one LIST row; a row without its own delimiter takes the layout's. */
export function locateListed(
	folder: ListedFolder,
	layout: MailboxLayout,
	namespace: NamespaceView,
): LocatedFolder {
	const decoded = decodeLeniently(folder.raw, layout);
	const delimiter = folder.delimiter === undefined ? layout.delimiter : folder.delimiter;
	return { ...locate(decoded.name, delimiter, namespace), warning: decoded.warning };
}
