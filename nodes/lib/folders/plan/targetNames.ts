/**
 * What chosen target segments become on the target server: INBOX's subfolders placed, characters one name there
 * cannot hold replaced, and the full name with prefix, delimiter and wire encoding.
 */
import { canonicalPath } from '../canonicalPath';
import { encodeMailboxName } from '../mutf7';
import { INBOX, isInboxName } from './namespace';
import type { TargetIndex, TargetNaming } from './targetIndex';
import { FolderPlanOptionError, type FolderPlanEntry, type InboxSubfolderPlacement } from './types';

const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/g;

/** Target segments after one naming step, with why they differ from what went in (`renamed`). */
export interface AdjustedSegments {
	segments: string[];
	reasons: string[];
}

/** The substitute must itself be a name the target can hold. */
export function checkSubstitute(substitute: string, targetDelimiter: string | null): void {
	if (
		!substitute ||
		CONTROL_CHARACTER.test(substitute) ||
		(targetDelimiter && substitute.includes(targetDelimiter))
	) {
		throw new FolderPlanOptionError(
			`delimiterSubstitute ${JSON.stringify(substitute)} must be non-empty, printable and free of the target delimiter ${JSON.stringify(targetDelimiter)}`,
		);
	}
}

/**
 * Spells INBOX as `INBOX` and decides where its subfolders go: kept under it, or lifted to the top level for
 * `moveToRoot`, or for `auto` when the target's INBOX cannot have children. On an `INBOX.` target the top level is
 * inside INBOX already, so lifting changes nothing the operator would see and gives no reason.
 */
export function placeInboxSubfolders(
	segments: string[],
	placement: InboxSubfolderPlacement,
	target: Pick<TargetIndex, 'prefixIsInbox' | 'inboxHasNoChildren'>,
): AdjustedSegments {
	if (!isInboxName(segments[0])) return { segments, reasons: [] };
	const below = segments.slice(1);
	const lift =
		below.length > 0 &&
		(placement === 'moveToRoot' ||
			(placement === 'auto' && (target.prefixIsInbox || target.inboxHasNoChildren)));
	if (!lift) return { segments: [INBOX, ...below], reasons: [] };
	if (target.prefixIsInbox) return { segments: below, reasons: [] };
	return {
		segments: below,
		reasons: [
			placement === 'moveToRoot'
				? 'moved from INBOX to the top level'
				: "moved from INBOX to the top level: the target's INBOX cannot have subfolders",
		],
	};
}

/**
 * Replaces, inside each name, the target's delimiter and control characters with the substitute, names an empty
 * segment with it, and on a target without hierarchy joins all segments into one name with it.
 */
export function makeNamesHoldable(
	segments: readonly string[],
	delimiter: string | null,
	substitute: string,
): AdjustedSegments {
	const reasons: string[] = [];
	const holdable = segments.map((segment) => {
		let clean = segment;
		if (delimiter && clean.includes(delimiter)) {
			clean = clean.split(delimiter).join(substitute);
			reasons.push(
				`'${segment}' contains the target's hierarchy delimiter '${delimiter}', replaced by '${substitute}'`,
			);
		}
		if (CONTROL_CHARACTER.test(clean)) {
			clean = clean.replace(CONTROL_CHARACTERS, substitute);
			reasons.push(`control characters in ${JSON.stringify(segment)} replaced by '${substitute}'`);
		}
		if (!clean) {
			clean = substitute;
			reasons.push(`an empty folder name became '${substitute}'`);
		}
		return clean;
	});
	if (delimiter || holdable.length === 1) return { segments: holdable, reasons };
	reasons.push(
		`the target has no folder hierarchy: '${holdable.join('/')}' flattened with '${substitute}'`,
	);
	return { segments: [holdable.join(substitute)], reasons };
}

/** The target half of a plan entry. */
export type TargetFields = Pick<
	FolderPlanEntry,
	'targetSegments' | 'targetPath' | 'targetName' | 'targetRaw'
>;

/** Names target segments in full: under the personal prefix, joined with the delimiter, encoded for the wire. */
export function targetFieldsOf(segments: string[], naming: TargetNaming): TargetFields {
	const targetName =
		segments.length === 1 && segments[0] === INBOX
			? INBOX
			: naming.prefix + segments.join(naming.delimiter ?? '');
	return {
		targetSegments: segments,
		targetPath: canonicalPath(segments),
		targetName,
		targetRaw: encodeMailboxName(targetName, { utf8: naming.utf8 }),
	};
}
