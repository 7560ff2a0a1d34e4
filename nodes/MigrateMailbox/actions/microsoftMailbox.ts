/** How a Microsoft 365 target mailbox is named, for both paths into it (Exchange Online IMAP and Microsoft Graph). */

/**
 * An app-only XOAUTH2 login names the mailbox by its user principal name or primary SMTP address, and Graph's
 * `/users/{id | userPrincipalName}` by its UPN: Microsoft knows it by no other name a roster holds. A control character
 * would end the SASL field early (^A separates them); an address has no spaces.
 */
const MAILBOX_ADDRESS = /^[^\s@\p{Cc}]+@[^\s@\p{Cc}]+\.[^\s@\p{Cc}]+$/u;

export type MicrosoftService = 'Exchange Online' | 'Microsoft Graph';

/** Why `mailbox` cannot name a Microsoft 365 mailbox, or undefined when it can. */
export function microsoftMailboxProblem(
	mailbox: string,
	service: MicrosoftService,
): string | undefined {
	if (MAILBOX_ADDRESS.test(mailbox)) return undefined;
	return mailbox
		? `${service} needs the target mailbox's address, not "${mailbox}"`
		: `${service} needs the target mailbox's address, and Target Mailbox is empty`;
}

export const MICROSOFT_MAILBOX_HINT =
	"Set Target Mailbox to the user's principal name or primary SMTP address (name@contoso.com), e.g. from a targetMailbox column of the roster. The source login is used only when it is such an address; no domain is ever guessed.";
