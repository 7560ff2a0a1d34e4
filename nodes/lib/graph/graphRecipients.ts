/**
 * Address headers as Graph recipients (`{ emailAddress: { name, address } }`). Groups are flattened to their members
 * (Graph has no groups; the group name stays in the original header block, see graphHeaders). Entries without a
 * usable address are left out rather than failing the request: Graph validates recipients' addresses, and one odd
 * header must not cost the whole message. Nothing here throws.
 */
import type { AddressObject, EmailAddress } from 'mailparser';

export interface GraphRecipient {
	emailAddress: { name: string; address: string };
}

/** local@domain without blanks or angle brackets: what any mail system can at least store and show. */
const USABLE_ADDRESS = /^[^\s<>@"]+@[^\s<>@"]+$/;

function mailboxesOf(entries: readonly EmailAddress[]): EmailAddress[] {
	return entries.flatMap((entry) => (entry.group ? mailboxesOf(entry.group) : [entry]));
}

export function graphRecipients(
	header: AddressObject | AddressObject[] | undefined,
): GraphRecipient[] {
	if (!header) return [];
	const objects = Array.isArray(header) ? header : [header];
	const recipients: GraphRecipient[] = [];
	for (const entry of mailboxesOf(objects.flatMap((object) => object.value ?? []))) {
		const address = (entry.address ?? '').trim();
		if (!USABLE_ADDRESS.test(address)) continue;
		recipients.push({ emailAddress: { name: (entry.name ?? '').trim() || address, address } });
	}
	return recipients;
}

/** The first usable mailbox, for `from` and `sender` (Graph holds one; RFC 5322 allows several in From). */
export function graphMailbox(header: AddressObject | undefined): GraphRecipient | null {
	return graphRecipients(header)[0] ?? null;
}
