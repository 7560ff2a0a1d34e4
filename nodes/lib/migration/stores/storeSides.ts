/**
 * The one place a store description becomes the side of a mailbox migration: how to open its MailSource or MailTarget
 * and what to call it. Descriptions are data tagged by kind, so they cross into the worker thread.
 */
import type { ImapEndpoint } from '../../imap/endpoint';
import { unknownKindError } from '../../optionKinds';
import type { MicrosoftApp } from '../../microsoft/microsoftApp';
import type { GraphMailboxLimits } from '../../graph/mailboxLimits';
import type { MailSource, MailTarget } from '../mailStore';
import { graphTargetSide } from './graph/graphSides';
import { imapSourceSide, imapTargetSide } from './imap/imapSides';

export interface ImapStoreOptions {
	kind: 'imap';
	endpoint: ImapEndpoint;
}

export type SourceStoreOptions = ImapStoreOptions;

/** A Microsoft 365 (Exchange Online) mailbox written through Microsoft Graph. */
export interface GraphStoreOptions {
	kind: 'graph';
	app: MicrosoftApp;
	/** UPN or user id. */
	mailbox: string;
	/** Graph's per-mailbox limits scaled (tests, bench); Graph's own when omitted. */
	limits?: GraphMailboxLimits;
}

export type TargetStoreOptions = ImapStoreOptions | GraphStoreOptions;

/** One side of a mailbox migration, whatever the protocol. */
export interface MailboxSide<Store> {
	/** Opens a session; called again after a lost connection and once per extra connection. */
	open: () => Promise<Store>;
	/** The server whose connections and rates the host limiter counts. */
	host: string;
	/** The mailbox as its users know it. */
	mailbox: string;
	/** For logs and errors: never carries a password. */
	label: string;
	/** The mailbox's stable identity in the ledger, e.g. `alice@imap.example.com:993`. */
	account: string;
}

export type SourceSide = MailboxSide<MailSource>;

export function sourceSideOf(options: SourceStoreOptions): SourceSide {
	switch (options.kind) {
		case 'imap':
			return imapSourceSide(options.endpoint);
		default:
			throw unknownKindError('Source', options, ['imap']);
	}
}

export type TargetSide = MailboxSide<MailTarget>;

export function targetSideOf(options: TargetStoreOptions): TargetSide {
	switch (options.kind) {
		case 'imap':
			return imapTargetSide(options.endpoint);
		case 'graph':
			return graphTargetSide(options);
		default:
			throw unknownKindError('Target', options, ['imap', 'graph']);
	}
}
