/**
 * The IMAP sides of a migration, one import for their users: `ImapMailSource` reads a mailbox read-only
 * (imapMailSource.ts), `ImapMailTarget` writes one (imapMailTarget.ts); both stand on `ImapStore` (imapStore.ts),
 * and serverRefusals.ts reads what a server's NO or BYE means (busy, or too big).
 */
export { ImapMailSource } from './imapMailSource';
export { ImapMailTarget } from './imapMailTarget';
